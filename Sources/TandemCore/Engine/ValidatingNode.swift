/// A node kind whose parameters need checks beyond their declared types — a model directory that
/// must exist and hold the right files — so that `tandem validate` and `tandem run` report the
/// problem at the pipeline file's line before any input is opened, not once per input file.
public protocol ValidatingNode: ConfigurableNode {
    /// The problems of `parameters` (already type-checked, defaults filled in); empty when they are usable.
    /// Must be cheap and side-effect free: it runs once per node when a pipeline is loaded.
    static func problems(in parameters: NodeParameters) -> [NodeParameterProblem]
}

/// One problem a `ValidatingNode` found in its parameters.
public struct NodeParameterProblem: Sendable, Equatable {
    /// The parameter concerned (the message is placed at its value in the pipeline file), or nil for the node as a whole.
    public var parameter: String?
    /// What is wrong and how to fix it.
    public var message: String

    public init(parameter: String?, message: String) {
        self.parameter = parameter
        self.message = message
    }
}
