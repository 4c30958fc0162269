import Foundation

/// A validated pipeline file: nodes with checked parameters and connections, ready to become one
/// `Graph` per input file.
///
/// Load one with `Pipeline.load(contentsOf:catalog:overrides:)`; every problem of the file is
/// reported at once, before any input is opened.
public struct Pipeline: Sendable {
    /// One node of the file.
    public struct NodeSpec: Sendable {
        public var id: String
        public var kind: String
        public var parameters: NodeParameters
        /// `inputPort → (node, outputPort)`.
        public var inputs: [Input]
        /// Line of the node's entry in the file, for messages.
        public var line: Int
    }

    /// One connection into a node.
    public struct Input: Sendable, Hashable {
        public var port: String
        public var fromNode: String
        public var fromPort: String
    }

    /// The file the pipeline came from (as given, for messages).
    public var file: String
    public var version: Int
    /// The file's `params` after `--set` overrides.
    public var parameters: [String: ParameterValue]
    /// The nodes in the file's order.
    public var nodes: [NodeSpec]

    /// The versions of the pipeline format this build reads.
    public static let supportedVersions = 1...1

    /// Builds a fresh graph (new node instances) for one run.
    /// - Throws: what a node's initialiser throws (`NodeError`).
    public func makeGraph(catalog: NodeCatalog, capacity: ChannelCapacity = .standard) throws -> Graph {
        var graph = Graph(defaultCapacity: capacity)
        for node in nodes {
            do {
                try graph.add(node.id, try catalog.make(node.kind, parameters: node.parameters))
            } catch var error as NodeError {
                error.nodeID = error.nodeID ?? node.id
                throw error
            }
        }
        for node in nodes {
            for input in node.inputs {
                try graph.connect(input.fromNode, input.fromPort, to: node.id, input.port)
            }
        }
        return graph
    }

    /// Graphviz DOT text: one box per node (id and kind), one edge per connection labelled with its ports.
    public func dot(catalog: NodeCatalog) -> String {
        func quoted(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        var lines = ["digraph pipeline {", "  rankdir=LR;", "  node [shape=box, fontname=\"Helvetica\"];"]
        for node in nodes {
            let isSink = catalog.descriptor(node.kind)?.outputs.isEmpty ?? false
            let shape = isSink ? ", shape=folder" : (catalog.descriptor(node.kind)?.isSource ?? false ? ", shape=invhouse" : "")
            lines.append("  \(quoted(node.id)) [label=\(quoted(node.id + "\\n" + node.kind))\(shape)];")
        }
        for node in nodes {
            for input in node.inputs {
                let kind = catalog.descriptor(node.kind).flatMap { d in d.inputs.first { $0.name == input.port }?.kind }
                let label = "\(input.fromPort) → \(input.port)" + (kind.map { " (\($0))" } ?? "")
                lines.append("  \(quoted(input.fromNode)) -> \(quoted(node.id)) [label=\(quoted(label))];")
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }
}
