/// A failure inside a graph, with what a user needs to find it: which node, which input file,
/// and where in the media it happened.
public struct NodeError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure; extensible by other layers with their own static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The node itself threw (its own error is in `underlying`).
        public static let nodeFailed = Code("node-failed")
        /// A node emitted a packet whose kind its port does not declare.
        public static let wrongPacketKind = Code("wrong-packet-kind")
        /// A node's parameters were accepted by type but make no sense together.
        public static let invalidParameters = Code("invalid-parameters")
        /// An output could not be created or committed.
        public static let outputFailed = Code("output-failed")
        /// The graph itself is malformed (unknown port, unconnected required input).
        public static let invalidGraph = Code("invalid-graph")
        /// A node emitted on an output it had already ended (`NodeOutput.end(port:)`); a bug in the node.
        public static let outputEnded = Code("output-ended")
    }

    public var code: Code
    public var message: String
    /// The id of the node that failed, once the engine knows it.
    public var nodeID: String?
    /// The input file whose graph failed.
    public var file: String?
    /// Start time (seconds) of the last packet the node received or emitted.
    public var mediaTime: Double?
    /// The error the node threw, when it was not a `NodeError` itself.
    public var underlying: (any Error)?

    public init(code: Code, message: String, nodeID: String? = nil, file: String? = nil, mediaTime: Double? = nil,
                underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.nodeID = nodeID
        self.file = file
        self.mediaTime = mediaTime
        self.underlying = underlying
    }

    /// A short class name for manifests: the underlying error's type when there is one.
    public var errorClass: String {
        if let underlying { return String(describing: type(of: underlying)) }
        return "NodeError.\(code)"
    }

    public var description: String {
        var parts: [String] = []
        if let nodeID { parts.append("node '\(nodeID)'") }
        if let file { parts.append("file \(file)") }
        if let mediaTime { parts.append(String(format: "at %.3f s", mediaTime)) }
        let location = parts.isEmpty ? "" : parts.joined(separator: ", ") + ": "
        return location + message
    }
}
