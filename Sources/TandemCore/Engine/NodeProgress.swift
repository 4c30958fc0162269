/// How far one node has got with one input: reported by nodes whose work on a single input is long
/// (generation's denoising steps), shown by the batch's progress display beside the file.
public struct NodeProgress: Sendable, Equatable {
    /// The input's path below its root, when the graph runs for an input.
    public var input: String?
    public var nodeID: String
    public var done: Int
    public var total: Int
    /// What is counted, plural (`steps`).
    public var unit: String

    public init(input: String?, nodeID: String, done: Int, total: Int, unit: String) {
        self.input = input
        self.nodeID = nodeID
        self.done = done
        self.total = total
        self.unit = unit
    }
}

/// Receives node progress; called on the node's thread, so it must be quick and thread-safe.
public typealias NodeProgressHandler = @Sendable (NodeProgress) -> Void
