/// The node kinds a pipeline file may name, each with its descriptor and a factory.
///
/// Every layer registers its nodes with one line per kind (`catalog.register(WriteJSON.self)`);
/// `TandemNodes` assembles the standard catalog the CLI uses.
public struct NodeCatalog: Sendable {
    struct Entry: Sendable {
        let descriptor: NodeDescriptor
        let make: @Sendable (NodeParameters) throws -> any Node
        let problems: @Sendable (NodeParameters) -> [NodeParameterProblem]
    }

    private var entries: [String: Entry] = [:]

    public init() {}

    /// Adds `type` under its `descriptor.kind`; a later registration of the same kind replaces the earlier.
    public mutating func register<N: ConfigurableNode & SendableMetatype>(_ type: N.Type) {
        entries[N.descriptor.kind] = Entry(descriptor: N.descriptor, make: { try N(parameters: $0) },
                                           problems: { (N.self as? any ValidatingNode.Type)?.problems(in: $0) ?? [] })
    }

    /// All registered kinds, sorted by name.
    public var kinds: [String] { entries.keys.sorted() }

    public func descriptor(_ kind: String) -> NodeDescriptor? { entries[kind]?.descriptor }

    /// What a `ValidatingNode` kind finds wrong with checked parameters (empty for other kinds).
    public func problems(_ kind: String, parameters: NodeParameters) -> [NodeParameterProblem] {
        entries[kind]?.problems(parameters) ?? []
    }

    /// Builds a node of `kind` from checked parameters.
    /// - Throws: `NodeError` `.invalidGraph` for an unknown kind, or what the node's initialiser throws.
    public func make(_ kind: String, parameters: NodeParameters) throws -> any Node {
        guard let entry = entries[kind] else {
            throw NodeError(code: .invalidGraph, message: "unknown node kind '\(kind)'")
        }
        return try entry.make(parameters)
    }
}
