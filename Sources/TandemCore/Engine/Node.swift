/// A processing step of a graph: a plain Swift type that receives packets on its input ports and
/// emits packets on its output ports.
///
/// The engine owns concurrency: it runs every node instance on one dedicated thread, so a node never
/// sees two calls at once and need not be `Sendable` or thread-safe (see `GraphExecution`).
///
/// The contract, in call order:
/// 1. `start(_:)` once, before any packet (open files, read which outputs are connected).
/// 2. Sources (nodes whose descriptor declares no inputs): `produce(output:)` is called again and
///    again until it returns `false`. Each call should emit a bounded amount (a chunk, a frame), so
///    cancellation is noticed promptly. Other nodes: `receive(_:on:output:)` once per packet, in the
///    order described in `Inbox` (by media time across several inputs).
/// 3. `inputEnded(_:output:)` when one input of a node with several reaches its end of stream while
///    others go on (a node can then emit what that input alone decides, and `output.end(port:)` the
///    outputs it has finished, so their consumers start early). Not called for unconnected inputs.
/// 4. `finish(output:)` once, after every input reached its end of stream (or after the source is
///    done): flush buffered state (STFT tails, the last window). The engine then sends end of stream
///    on every output not yet ended.
///
/// A throwing call cancels the file's whole graph; the error is reported as a `NodeError` with the
/// node id, the file and the media time of the last packet the node saw.
public protocol Node {
    /// The node's kind, documentation, ports and parameters.
    static var descriptor: NodeDescriptor { get }

    /// Prepares the node for one run; called on the node's thread before any packet.
    mutating func start(_ context: NodeContext) throws

    /// Produces the next packets of a source; returns `false` when the source is exhausted.
    mutating func produce(output: NodeOutput) throws -> Bool

    /// Handles one packet that arrived on input `port` (tell inputs apart by `port.name`).
    mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws

    /// Called when input `port` has delivered its last packet and other inputs are still open
    /// (multi-input nodes only; the last input's end is `finish(output:)`).
    mutating func inputEnded(_ port: InputPort, output: NodeOutput) throws

    /// Flushes what the node still holds once its inputs have ended.
    mutating func finish(output: NodeOutput) throws
}

extension Node {
    public mutating func start(_ context: NodeContext) throws {}
    public mutating func produce(output: NodeOutput) throws -> Bool { false }
    public mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {}
    public mutating func inputEnded(_ port: InputPort, output: NodeOutput) throws {}
    public mutating func finish(output: NodeOutput) throws {}
}

/// The order in which a node with several inputs receives their packets.
public enum InputOrder: Sendable, Hashable {
    /// By media time across the inputs (see `Inbox`): what a node that joins streams needs.
    case mediaTime
    /// As they arrive, each input's packets in their own order. For nodes that keep every input until
    /// its end (a fusion of whole recordings): they need no alignment, and waiting for it would hold
    /// a fast input (audio) back until a slow one (vision, which sends its result only at its end) delivers.
    case arrival
}

/// A node that can be built from checked parameter values, so pipeline files and the catalog can create it.
public protocol ConfigurableNode: Node {
    /// Builds the node; `parameters` were already validated against `descriptor.parameters`.
    /// - Throws: a `NodeError` (or any error) for combinations the per-parameter checks cannot catch.
    init(parameters: NodeParameters) throws
}

/// One named, typed port of a node.
public struct PortSpec: Sendable, Hashable {
    public var name: String
    public var kind: PacketKind
    public var doc: String
    /// An optional input may stay unconnected; outputs are always optional.
    public var isOptional: Bool

    public init(_ name: String, _ kind: PacketKind, _ doc: String = "", optional: Bool = false) {
        self.name = name
        self.kind = kind
        self.doc = doc
        self.isOptional = optional
    }

    /// Whether a packet of kind `produced` may flow into a port of kind `accepted`.
    public static func accepts(_ accepted: PacketKind, _ produced: PacketKind) -> Bool {
        accepted == .any || produced == .any || accepted == produced
    }
}

/// What the catalog, `tandem nodes` and validation know about a kind of node.
public struct NodeDescriptor: Sendable {
    /// The name pipeline files use in `kind:` (`decode`, `write-json`).
    public var kind: String
    /// One line saying what the node does.
    public var doc: String
    public var inputs: [PortSpec]
    public var outputs: [PortSpec]
    public var parameters: [ParameterSpec]
    /// How packets of several inputs are interleaved (`.mediaTime` unless the node buffers whole inputs).
    public var inputOrder: InputOrder

    public init(kind: String, doc: String, inputs: [PortSpec] = [], outputs: [PortSpec] = [], parameters: [ParameterSpec] = [],
                inputOrder: InputOrder = .mediaTime) {
        self.kind = kind
        self.doc = doc
        self.inputs = inputs
        self.outputs = outputs
        self.parameters = parameters
        self.inputOrder = inputOrder
    }

    public var isSource: Bool { inputs.isEmpty }

    public func inputIndex(_ name: String) -> Int? { inputs.firstIndex { $0.name == name } }
    public func outputIndex(_ name: String) -> Int? { outputs.firstIndex { $0.name == name } }
    public func parameter(_ name: String) -> ParameterSpec? { parameters.first { $0.name == name } }
}
