import Foundation

/// Runs one `Graph` to completion: one dedicated thread per node, bounded queues between them.
///
/// **Why threads, not tasks.** Sources call blocking C code (FFmpeg decode, file reads) and every
/// node blocks on its queues. Blocking inside Swift's cooperative pool, which has one thread per
/// core (two here), would starve it: two decoders blocked on full queues would leave no thread for
/// the consumers that would drain them — a deadlock. With a thread per node, a blocked node blocks
/// only itself; the kernel schedules the rest. A graph has a handful of nodes, so the thread count
/// stays small (nodes × `--jobs`), and threads sleep on condition variables when idle.
///
/// **Errors and cancellation.** The first node that throws records its error (as a `NodeError`
/// with node id, file and media time) and cancels every queue; every other node then gets
/// `GraphCancelled` at its next push or pull and unwinds, sources stop at their next `produce`.
/// `run()` joins all threads before returning, so no thread outlives the run. Outputs are committed
/// only when every node finished; otherwise they are discarded.
///
/// **Compute threads.** The graph's compute width (`ComputeContext`) is fixed at construction and
/// bound on every node thread, so the numeric kernels a node runs split their work over this
/// graph's share of the cores, whatever other graphs in the process use.
public final class GraphExecution: @unchecked Sendable {
    // @unchecked: node instances are handed to exactly one thread each; shared state is under `lock`.
    private final class Slot: @unchecked Sendable {
        // @unchecked: a slot is used by exactly one node thread after `run()` hands it over.
        var entry: Graph.Entry
        let inbox: Inbox?
        var output: NodeOutput!
        var statistics: NodeStatistics
        init(entry: Graph.Entry, inbox: Inbox?) {
            self.entry = entry
            self.inbox = inbox
            statistics = NodeStatistics(id: entry.id, kind: entry.descriptor.kind, packetsIn: 0, packetsOut: 0,
                                        busySeconds: 0, queueHighWater: 0, queueHighWaterBytes: 0)
        }
    }

    /// What a completed run produced.
    public struct Result: Sendable {
        /// Committed output paths relative to the output folder, sorted.
        public var outputs: [String]
        /// One entry per node, in graph order.
        public var statistics: [NodeStatistics]
        /// What the nodes warned about (`NodeContext.warn`), in the order they did.
        public var warnings: [String] = []
    }

    private let slots: [Slot]
    private let outputFiles: OutputFiles
    private let warnings = RunWarnings()
    private let input: InputFile?
    private let progress: NodeProgressHandler?
    /// The compute width bound on every node thread; nil: the process default.
    public let compute: ComputeContext?
    private let lock = NSLock()
    private var firstError: NodeError?
    private var cancelled = false
    private var started = false
    /// Statistics of the last run, also available when it failed.
    public private(set) var statistics: [NodeStatistics] = []

    /// Prepares `graph` for one run, moving frame selections into their decoders (`Graph.moveFrameSelectionsUpstream`).
    /// - Parameters:
    ///   - input: the file being processed (for `{stem}`/`{relpath}`, source nodes and error reports).
    ///   - outputDirectory: the folder output templates are relative to.
    ///   - progress: where nodes' `reportProgress` goes.
    ///   - compute: the threads the graph's numeric kernels may use; nil takes the context current
    ///     where the execution is created, else the process default.
    /// - Throws: `NodeError` `.invalidGraph` when the graph fails `Graph.check()`.
    public init(_ graph: Graph, input: InputFile? = nil, outputDirectory: URL, progress: NodeProgressHandler? = nil,
                compute: ComputeContext? = nil) throws {
        try graph.check()
        var graph = graph
        graph.moveFrameSelectionsUpstream()
        self.input = input
        self.progress = progress
        self.compute = compute ?? ComputeContext.current
        outputFiles = OutputFiles(directory: outputDirectory, input: input)
        let slots = graph.entries.map { entry in
            Slot(entry: entry, inbox: entry.descriptor.inputs.isEmpty ? nil : Inbox(capacities: entry.capacities, order: entry.descriptor.inputOrder))
        }
        var targets = slots.map { slot in Array(repeating: [NodeOutput.Target](), count: slot.entry.descriptor.outputs.count) }
        for slot in slots {
            for (port, source) in slot.entry.sources.enumerated() {
                guard let source, let inbox = slot.inbox else { continue }
                targets[source.node][source.port].append(NodeOutput.Target(inbox: inbox, port: port))
            }
        }
        let activities = slots.map { _ in NodeActivity() }
        for (index, slot) in slots.enumerated() {
            slot.inbox?.owner = activities[index]
            for (port, source) in slot.entry.sources.enumerated() {
                guard let source else { continue }
                slot.inbox?.producers[port] = activities[source.node]
                if slot.entry.sources.count > 1, let inbox = slot.inbox,
                   !activities[source.node].consumers.contains(where: { $0 === inbox }) {
                    activities[source.node].consumers.append(inbox)
                }
            }
        }
        for (index, slot) in slots.enumerated() {
            slot.output = NodeOutput(descriptor: slot.entry.descriptor, activity: activities[index], targets: targets[index])
            // An optional input left unconnected has ended before it began.
            for (port, source) in slot.entry.sources.enumerated() where source == nil { slot.inbox?.close(port: port) }
        }
        self.slots = slots
    }

    /// Stops the run: every node unwinds at its next queue operation; `run()` then throws `GraphCancelled`.
    /// Safe to call from any thread (a signal handler's queue, another file's worker).
    public func cancel() {
        lock.withLock { cancelled = true }
        for slot in slots { slot.inbox?.cancel() }
    }

    private var isCancelled: Bool { lock.withLock { cancelled } }

    /// Runs every node until all streams ended, then commits the outputs.
    /// - Returns: the committed outputs and per-node statistics.
    /// - Throws: the first `NodeError`, or `GraphCancelled` when `cancel()` was called.
    public func run() throws -> Result {
        lock.withLock {
            precondition(!started, "a GraphExecution runs once")
            started = true
        }
        let group = DispatchGroup()
        for slot in slots {
            group.enter()
            let thread = Thread { [self] in
                if let compute {
                    compute.run { runNode(slot) }
                } else {
                    runNode(slot)
                }
                group.leave()
            }
            thread.name = "tandem.\(slot.entry.id)"
            thread.stackSize = 1 << 22
            thread.start()
        }
        group.wait()
        statistics = slots.map { slot in
            var statistics = slot.statistics
            if let marks = slot.inbox?.highWaterMarks() {
                statistics.queueHighWater = marks.map(\.packets).max() ?? 0
                statistics.queueHighWaterBytes = marks.map(\.bytes).max() ?? 0
            }
            return statistics
        }
        let (error, wasCancelled) = lock.withLock { (firstError, cancelled) }
        if let error {
            outputFiles.discardAll()
            throw error
        }
        if wasCancelled {
            outputFiles.discardAll()
            throw GraphCancelled()
        }
        return Result(outputs: try outputFiles.commitAll(), statistics: statistics, warnings: warnings.all)
    }

    /// The body of one node's thread.
    private func runNode(_ slot: Slot) {
        let output = slot.output!
        let descriptor = slot.entry.descriptor
        let connected = Set(descriptor.outputs.indices.filter { output.isConnected($0) }.map { descriptor.outputs[$0].name })
        let wired = Set(slot.entry.sources.indices.filter { slot.entry.sources[$0] != nil }.map { descriptor.inputs[$0].name })
        let inputPorts = InputPort.all(of: descriptor)
        let context = NodeContext(nodeID: slot.entry.id, input: input, outputs: outputFiles, connectedOutputs: connected, connectedInputs: wired,
                                  warnings: warnings, progress: progress)
        var busy: UInt64 = 0
        var lastTime: Double?
        defer {
            slot.statistics.packetsOut = output.emitted
            slot.statistics.busySeconds = Double(busy &- min(busy, output.blockedNanoseconds)) / 1e9
        }
        do {
            var start = Clock.nanoseconds()
            try slot.entry.node.start(context)
            busy &+= Clock.nanoseconds() &- start
            if let inbox = slot.inbox {
                while let event = try inbox.next() {
                    start = Clock.nanoseconds()
                    switch event {
                    case .packet(let packet, let port):
                        slot.statistics.packetsIn += 1
                        if let time = packet.startSeconds { lastTime = time }
                        start = Clock.nanoseconds()
                        try slot.entry.node.receive(packet, on: inputPorts[port], output: output)
                    case .ended(let port):
                        try slot.entry.node.inputEnded(inputPorts[port], output: output)
                    }
                    busy &+= Clock.nanoseconds() &- start
                }
            } else {
                while true {
                    if isCancelled { throw GraphCancelled() }
                    start = Clock.nanoseconds()
                    let more = try slot.entry.node.produce(output: output)
                    busy &+= Clock.nanoseconds() &- start
                    output.activity.flushWakes()
                    if !more { break }
                }
            }
            start = Clock.nanoseconds()
            try slot.entry.node.finish(output: output)
            busy &+= Clock.nanoseconds() &- start
            output.closeAll()
        } catch is GraphCancelled {
            output.closeAll()
        } catch {
            var failure = error as? NodeError
                ?? NodeError(code: .nodeFailed, message: String(describing: error), underlying: error)
            failure.nodeID = failure.nodeID ?? slot.entry.id
            failure.file = failure.file ?? input?.url.path
            failure.mediaTime = failure.mediaTime ?? lastTime ?? output.lastTime
            lock.withLock { if firstError == nil { firstError = failure } }
            cancel()
        }
    }
}
