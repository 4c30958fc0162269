/// Where a node sends its packets: every output port fans out to the queues of its consumers.
///
/// `emit` blocks while any consumer's queue for that port is full (back-pressure). Each consumer
/// has its own queue, so a packet is pushed once per consumer; its payload is shared, not copied.
public final class NodeOutput {
    struct Target {
        let inbox: Inbox
        let port: Int
    }

    let descriptor: NodeDescriptor
    let activity: NodeActivity
    private let targets: [[Target]]
    /// Packets emitted and the nanoseconds spent blocked on full queues, for the node's statistics.
    private(set) var emitted = 0
    private(set) var blockedNanoseconds: UInt64 = 0
    /// Start time of the last packet emitted, for error reports from sources.
    private(set) var lastTime: Double?
    /// Outputs already ended by `end(port:)`, by index.
    private var ended: [Bool]

    init(descriptor: NodeDescriptor, activity: NodeActivity, targets: [[Target]]) {
        self.descriptor = descriptor
        self.activity = activity
        self.targets = targets
        ended = Array(repeating: false, count: targets.count)
    }

    /// Whether anything consumes output `port` (an index into `descriptor.outputs`; engine only).
    func isConnected(_ port: Int) -> Bool { !targets[port].isEmpty }

    /// Whether anything consumes the output named `name` (a decoder may skip a stream nobody reads).
    public func isConnected(_ name: String) -> Bool { descriptor.outputIndex(name).map(isConnected) ?? false }

    /// Sends `packet` on the node's first output: for the many nodes that have only one.
    /// - Throws: see `emit(_:port:)`.
    public func emit(_ packet: Packet) throws {
        guard !descriptor.outputs.isEmpty else {
            throw NodeError(code: .wrongPacketKind, message: "\(descriptor.kind) has no output to emit on")
        }
        try emit(packet, index: 0)
    }

    /// Sends `packet` on output `port` (an index into `descriptor.outputs`). Nodes name their outputs
    /// (`emit(_:port:)`); the engine keeps the index so routing needs no lookup.
    /// - Throws: `GraphCancelled` when the graph was cancelled; `NodeError` when the packet's kind
    ///   does not match the port's declared kind (a bug in the node).
    /// - Complexity: O(consumers); waits while a consumer's queue is full.
    func emit(_ packet: Packet, index port: Int) throws {
        let declared = descriptor.outputs[port].kind
        if declared != .any, declared != packet.kind {
            throw NodeError(code: .wrongPacketKind,
                            message: "emitted a \(packet.kind) packet on output '\(descriptor.outputs[port].name)' declared as \(declared)")
        }
        if ended[port] {
            throw NodeError(code: .outputEnded, message: "emitted a packet on output '\(descriptor.outputs[port].name)' after ending it")
        }
        emitted += 1
        if let time = packet.startSeconds { lastTime = time }
        for target in targets[port] {
            blockedNanoseconds &+= try target.inbox.push(packet, port: target.port, from: activity)
        }
    }

    /// Sends `packet` on the output named `name`.
    /// - Throws: `NodeError` when the node declares no output `name`, or as `emit(_:)`.
    /// - Complexity: O(outputs) to find the port by name (a handful of string comparisons), then as `emit(_:)`.
    public func emit(_ packet: Packet, port name: String) throws {
        guard let index = descriptor.outputIndex(name) else {
            throw NodeError(code: .wrongPacketKind, message: "\(descriptor.kind) has no output '\(name)'")
        }
        try emit(packet, index: index)
    }

    /// Sends end of stream on output `port` (an index; engine only); see `end(port:)` by name.
    func end(index port: Int) {
        guard !ended[port] else { return }
        ended[port] = true
        for target in targets[port] { target.inbox.close(port: target.port) }
    }

    /// Sends end of stream on the output named `name` before the node finishes, so its consumers can
    /// finish (and start their own work) while this node goes on with its other outputs. Emitting on
    /// it afterwards is an error; ending it twice does nothing.
    /// - Throws: `NodeError` when the node declares no output `name`.
    public func end(port name: String) throws {
        guard let index = descriptor.outputIndex(name) else {
            throw NodeError(code: .wrongPacketKind, message: "\(descriptor.kind) has no output '\(name)'")
        }
        end(index: index)
    }

    /// Sends end of stream on every output not yet ended.
    func closeAll() {
        for port in targets.indices { end(index: port) }
    }
}
