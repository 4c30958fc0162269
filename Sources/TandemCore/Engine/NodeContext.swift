import Foundation

/// What a node may know about the run it is part of, handed to `Node.start(_:)`.
public struct NodeContext: @unchecked Sendable {
    // @unchecked: `outputs` is a lock-protected class; the rest are values.
    /// The node's id in the graph (`{id}` in its output templates).
    public var nodeID: String
    /// The input file this graph processes, when run by the batch runner.
    public var input: InputFile?
    /// Where writer nodes create their outputs (atomically, committed when the graph completes).
    public var outputs: OutputFiles
    /// The names of the node's output ports that have consumers.
    public var connectedOutputs: Set<String>
    /// The names of the node's input ports that are wired to a producer. An optional input that is wired but
    /// receives no packet (a detector that found nothing) means "nothing", not "not asked".
    public var connectedInputs: Set<String>
    /// Where `warn` puts its messages (the run's, shared by its nodes).
    public var warnings: RunWarnings
    /// Where `reportProgress` goes (the batch's progress display), if anywhere.
    public var progress: NodeProgressHandler?

    public init(nodeID: String, input: InputFile?, outputs: OutputFiles, connectedOutputs: Set<String>, connectedInputs: Set<String> = [],
                warnings: RunWarnings = RunWarnings(), progress: NodeProgressHandler? = nil) {
        self.nodeID = nodeID
        self.input = input
        self.outputs = outputs
        self.connectedOutputs = connectedOutputs
        self.connectedInputs = connectedInputs
        self.warnings = warnings
        self.progress = progress
    }

    /// Reports how far a long piece of work inside one input has got (`done` of `total` `unit`s, e.g.
    /// denoising steps), for nodes whose single input takes minutes: the batch shows it beside the file.
    public func reportProgress(_ done: Int, of total: Int, unit: String) {
        progress?(NodeProgress(input: input?.relativePath, nodeID: nodeID, done: done, total: total, unit: unit))
    }

    /// Records something the user should know about this input although the run goes on; it appears
    /// in the manifest as `"<node id>: <message>"`.
    public func warn(_ message: String) {
        warnings.add("\(nodeID): \(message)")
    }

    /// Creates an output file for `template`; see `OutputFiles.create`.
    public func createOutput(_ template: PathTemplate, index: Int = 0) throws -> AtomicOutput {
        try outputs.create(template, nodeID: nodeID, index: index)
    }
}
