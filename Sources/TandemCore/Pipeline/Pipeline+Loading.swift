import Foundation
import Yams

extension Pipeline {
    /// Reads and validates a pipeline file.
    /// - Parameters:
    ///   - overrides: `--set key=value` pairs; each key must be one of the file's `params`.
    /// - Throws: `PipelineValidationError` with every problem found, each at `file:line:column`.
    public static func load(contentsOf url: URL, catalog: NodeCatalog, overrides: [(String, String)] = []) throws -> Pipeline {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw PipelineValidationError(issues: [PipelineIssue(file: url.path, line: 0, column: 0,
                                                                 message: "cannot read the pipeline file: \(error.localizedDescription)")])
        }
        return try load(yaml: text, file: url.path, catalog: catalog, overrides: overrides)
    }

    /// Validates pipeline text; `file` is only used in messages.
    /// - Throws: `PipelineValidationError`.
    public static func load(yaml: String, file: String, catalog: NodeCatalog, overrides: [(String, String)] = []) throws -> Pipeline {
        var loader = PipelineLoader(file: file, catalog: catalog)
        let pipeline = loader.load(yaml, overrides: overrides)
        guard loader.issues.isEmpty, let pipeline else { throw PipelineValidationError(issues: loader.issues) }
        return pipeline
    }

    /// Parses the text of a `--set` value the way a plain YAML scalar would be read.
    public static func parseValue(_ text: String) -> ParameterValue {
        if text == "true" { return .bool(true) }
        if text == "false" { return .bool(false) }
        if let int = Int(text) { return .int(int) }
        if text.contains(where: \.isNumber), let double = Double(text) { return .double(double) }
        return .string(text)
    }
}

/// Turns YAML into a `Pipeline`, collecting every problem instead of stopping at the first.
struct PipelineLoader {
    let file: String
    let catalog: NodeCatalog
    private(set) var issues: [PipelineIssue] = []

    init(file: String, catalog: NodeCatalog) {
        self.file = file
        self.catalog = catalog
    }

    private static let topKeys = ["version", "description", "params", "nodes", "sinks"]
    private static let nodeKeys = ["id", "kind", "doc", "params", "inputs"]

    /// One parsed `inputs` entry, kept with its YAML node for messages.
    private struct RawInput {
        var node: Int
        var port: String
        var source: String
        var portNode: Yams.Node
        var sourceNode: Yams.Node
    }

    private struct RawNode {
        var id: String
        var kind: String
        var descriptor: NodeDescriptor?
        var parameters: [String: ParameterValue]
        var entry: Yams.Node
        var kindNode: Yams.Node?
    }

    mutating func issue(_ node: Yams.Node?, _ message: String) {
        issues.append(PipelineIssue(file: file, line: node?.mark?.line ?? 0, column: node?.mark?.column ?? 0, message: message))
    }

    mutating func issue(at mark: Mark?, _ message: String) {
        issues.append(PipelineIssue(file: file, line: mark?.line ?? 0, column: mark?.column ?? 0, message: message))
    }

    private static func hint(_ word: String, _ candidates: some Sequence<String>) -> String {
        EditDistance.suggestion(for: word, among: candidates).map { " (did you mean '\($0)'?)" } ?? ""
    }

    mutating func load(_ text: String, overrides: [(String, String)]) -> Pipeline? {
        let root: Yams.Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            switch error {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
                issue(at: mark, "YAML syntax: \(problem)")
            default:
                issue(at: nil, "YAML: \(error)")
            }
            return nil
        } catch {
            issue(at: nil, "YAML: \(error)")
            return nil
        }
        guard let root, let top = root.mapping else {
            issue(root, "a pipeline file is a mapping with 'version', 'params' and 'nodes'")
            return nil
        }
        for key in top.keys {
            let name = key.string ?? ""
            if !Self.topKeys.contains(name) { issue(key, "unknown key '\(name)'\(Self.hint(name, Self.topKeys))") }
        }

        var version = 1
        if let versionNode = top["version"] {
            if let v = scalarValue(versionNode), case .int(let n) = v, Pipeline.supportedVersions.contains(n) {
                version = n
            } else {
                issue(versionNode, "unsupported version '\(versionNode.string ?? "?")'; this build reads version \(Pipeline.supportedVersions.upperBound)")
            }
        } else {
            issue(root, "missing 'version: 1'")
        }

        var parameters: [String: ParameterValue] = [:]
        if let paramsNode = top["params"] {
            if let mapping = paramsNode.mapping {
                for (key, value) in mapping {
                    guard let name = key.string, let parsed = scalarValue(value) else {
                        issue(value, "pipeline parameter '\(key.string ?? "?")' must be a single value (number, bool or string)")
                        continue
                    }
                    parameters[name] = parsed
                }
            } else {
                issue(paramsNode, "'params' must be a mapping of names to values")
            }
        }
        for (key, text) in overrides {
            guard parameters[key] != nil else {
                issue(at: nil, "--set \(key)=\(text): the pipeline has no parameter '\(key)'\(Self.hint(key, parameters.keys))")
                continue
            }
            parameters[key] = Pipeline.parseValue(text)
        }

        var entries: [Yams.Node] = []
        for section in ["nodes", "sinks"] {
            guard let list = top[section] else { continue }
            guard let sequence = list.sequence else {
                issue(list, "'\(section)' must be a list of nodes")
                continue
            }
            entries.append(contentsOf: sequence)
        }
        if top["nodes"] == nil && top["sinks"] == nil { issue(root, "missing 'nodes'") }

        var nodes: [RawNode] = []
        var firstLine: [String: Int] = [:]
        var rawInputs: [RawInput] = []
        for entry in entries {
            guard let mapping = entry.mapping else {
                issue(entry, "a node is a mapping with 'id', 'kind', 'params' and 'inputs'")
                continue
            }
            for key in mapping.keys {
                let name = key.string ?? ""
                if !Self.nodeKeys.contains(name) { issue(key, "unknown node key '\(name)'\(Self.hint(name, Self.nodeKeys))") }
            }
            let id = mapping["id"]?.string ?? ""
            if let idNode = mapping["id"] {
                if id.isEmpty || id.contains(where: { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) {
                    issue(idNode, "node id '\(id)' may only hold letters, digits, '-' and '_'")
                } else if let line = firstLine[id] {
                    issue(idNode, "duplicate node id '\(id)' (first defined at line \(line))")
                } else {
                    firstLine[id] = idNode.mark?.line ?? 0
                }
            } else {
                issue(entry, "node has no 'id'")
            }
            let kindNode = mapping["kind"]
            let kind = kindNode?.string ?? ""
            let descriptor = catalog.descriptor(kind)
            if kindNode == nil {
                issue(entry, "node '\(id)' has no 'kind'")
            } else if descriptor == nil {
                issue(kindNode, "unknown node kind '\(kind)'\(Self.hint(kind, catalog.kinds))")
            }
            let values = descriptor.map { checkParameters(mapping["params"], of: id, descriptor: $0, pipelineParameters: parameters, entry: entry) } ?? [:]
            let index = nodes.count
            nodes.append(RawNode(id: id, kind: kind, descriptor: descriptor, parameters: values, entry: entry, kindNode: kindNode))
            if let inputsNode = mapping["inputs"] {
                guard let inputs = inputsNode.mapping else {
                    issue(inputsNode, "'inputs' must map input ports to 'node.port'")
                    continue
                }
                for (portNode, sourceNode) in inputs {
                    let port = portNode.string ?? ""
                    if let descriptor, descriptor.inputIndex(port) == nil {
                        let names = descriptor.inputs.map(\.name)
                        let list = names.isEmpty ? "it has no inputs" : "inputs: \(names.joined(separator: ", "))"
                        issue(portNode, "node '\(id)' (\(kind)) has no input '\(port)'\(Self.hint(port, names)); \(list)")
                        continue
                    }
                    let valueNode = sourceNode.mapping?["from"] ?? sourceNode
                    guard let source = valueNode.string, !source.isEmpty else {
                        issue(sourceNode, "input '\(port)' of node '\(id)' must be 'node.port' (or 'from: node.port')")
                        continue
                    }
                    rawInputs.append(RawInput(node: index, port: port, source: source, portNode: portNode, sourceNode: valueNode))
                }
            }
        }
        if entries.isEmpty, top["nodes"] != nil { issue(top["nodes"], "the pipeline has no nodes") }

        // Connections, now that every id is known.
        let indexOf = Dictionary(nodes.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        var edges: [(from: Int, to: Int, input: RawInput)] = []
        var connected = Set<String>()
        for input in rawInputs {
            let node = nodes[input.node]
            let parts = input.source.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2 else {
                issue(input.sourceNode, "input '\(input.port)' of node '\(node.id)' must be 'node.port', got '\(input.source)'")
                continue
            }
            connected.insert("\(node.id).\(input.port)")
            guard let from = indexOf[parts[0]] else {
                issue(input.sourceNode, "input '\(input.port)' of node '\(node.id)' comes from unknown node '\(parts[0])'\(Self.hint(parts[0], indexOf.keys))")
                continue
            }
            guard let fromDescriptor = nodes[from].descriptor else { continue }
            guard let output = fromDescriptor.outputIndex(parts[1]) else {
                let names = fromDescriptor.outputs.map(\.name)
                let list = names.isEmpty ? "it has no outputs" : "outputs: \(names.joined(separator: ", "))"
                issue(input.sourceNode, "node '\(parts[0])' (\(nodes[from].kind)) has no output '\(parts[1])'\(Self.hint(parts[1], names)); \(list)")
                continue
            }
            if let descriptor = node.descriptor, let inputIndex = descriptor.inputIndex(input.port) {
                let produced = fromDescriptor.outputs[output].kind
                let accepted = descriptor.inputs[inputIndex].kind
                if !PortSpec.accepts(accepted, produced) {
                    issue(input.sourceNode, "port kinds differ: \(input.source) carries \(produced) but \(node.id).\(input.port) takes \(accepted)")
                    continue
                }
            }
            edges.append((from, input.node, input))
        }
        for node in nodes {
            guard let descriptor = node.descriptor else { continue }
            for port in descriptor.inputs where !port.isOptional && !connected.contains("\(node.id).\(port.name)") {
                issue(node.kindNode ?? node.entry, "node '\(node.id)' (\(node.kind)) needs input '\(port.name)' (\(port.kind)) in 'inputs'")
            }
        }
        reportCycles(nodes: nodes, edges: edges)

        guard issues.isEmpty else { return nil }
        let specs = nodes.map { node in
            Pipeline.NodeSpec(
                id: node.id, kind: node.kind, parameters: NodeParameters(node.parameters),
                inputs: edges.filter { nodes[$0.to].id == node.id }.map { edge in
                    let parts = edge.input.source.split(separator: ".", maxSplits: 1).map(String.init)
                    return Pipeline.Input(port: edge.input.port, fromNode: parts[0], fromPort: parts[1])
                },
                line: node.entry.mark?.line ?? 0)
        }
        return Pipeline(file: file, version: version, parameters: parameters, nodes: specs)
    }

    /// Checks a node's `params` against its descriptor and fills defaults.
    private mutating func checkParameters(_ paramsNode: Yams.Node?, of id: String, descriptor: NodeDescriptor,
                                          pipelineParameters: [String: ParameterValue], entry: Yams.Node) -> [String: ParameterValue] {
        var values: [String: ParameterValue] = [:]
        if let paramsNode {
            if let mapping = paramsNode.mapping {
                for (key, valueNode) in mapping {
                    let name = key.string ?? ""
                    guard let spec = descriptor.parameter(name) else {
                        let names = descriptor.parameters.map(\.name)
                        issue(key, "unknown parameter '\(name)' for kind '\(descriptor.kind)'\(Self.hint(name, names))")
                        continue
                    }
                    guard let raw = scalarValue(valueNode) else {
                        issue(valueNode, "parameter '\(name)' of node '\(id)' must be a single value, not a list or mapping")
                        continue
                    }
                    guard let value = substitute(raw, pipelineParameters, at: valueNode) else { continue }
                    switch value.checked(as: spec.type) {
                    case .success(let checked):
                        if case .pathTemplate = spec.type, case .string(let text) = checked {
                            do { _ = try PathTemplate(text) } catch let problem as PathTemplate.Problem {
                                issue(valueNode, "parameter '\(name)' of node '\(id)': \(problem.message)")
                                continue
                            } catch {}
                        }
                        values[name] = checked
                    case .failure(let problem):
                        issue(valueNode, "parameter '\(name)' of node '\(id)': \(problem.message)")
                    }
                }
            } else {
                issue(paramsNode, "'params' of node '\(id)' must be a mapping")
            }
        }
        for spec in descriptor.parameters where values[spec.name] == nil {
            if let value = spec.defaultValue {
                values[spec.name] = value
            } else if paramsNode?.mapping?[spec.name] == nil {
                issue(entry, "node '\(id)' (\(descriptor.kind)) needs parameter '\(spec.name)' (\(spec.type)): \(spec.doc)")
            }
        }
        if values.count == descriptor.parameters.count {
            for problem in catalog.problems(descriptor.kind, parameters: NodeParameters(values)) {
                let place = problem.parameter.flatMap { paramsNode?.mapping?[$0] } ?? entry
                issue(place, "node '\(id)' (\(descriptor.kind)): \(problem.message)")
            }
        }
        return values
    }

    /// Replaces `${name}` references by pipeline parameters. A value that is exactly one reference
    /// takes the parameter's type; references inside a longer string are spliced in as text.
    private mutating func substitute(_ value: ParameterValue, _ parameters: [String: ParameterValue], at node: Yams.Node) -> ParameterValue? {
        guard case .string(let text) = value, text.contains("${") else { return value }
        var result = ""
        var rest = Substring(text)
        var whole: ParameterValue?
        while let open = rest.range(of: "${") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                issue(node, "unclosed '${' in '\(text)'")
                return nil
            }
            let name = String(rest[open.upperBound..<close])
            guard let replacement = parameters[name] else {
                issue(node, "'${\(name)}' names no pipeline parameter\(Self.hint(name, parameters.keys))")
                return nil
            }
            if open.lowerBound == text.startIndex, rest.index(after: close) == text.endIndex { whole = replacement }
            result += replacement.description
            rest = rest[rest.index(after: close)...]
        }
        result += rest
        return whole ?? .string(result)
    }

    /// A scalar as a typed value: plain scalars may be bools or numbers, quoted ones are strings.
    private func scalarValue(_ node: Yams.Node) -> ParameterValue? {
        guard let scalar = node.scalar else { return nil }
        if scalar.style != .plain { return .string(scalar.string) }
        return Pipeline.parseValue(scalar.string)
    }

    /// Reports each cycle once, at the input entry that closes it.
    private mutating func reportCycles(nodes: [RawNode], edges: [(from: Int, to: Int, input: RawInput)]) {
        var outgoing = [[(to: Int, input: RawInput)]](repeating: [], count: nodes.count)
        for edge in edges { outgoing[edge.from].append((edge.to, edge.input)) }
        var state = [UInt8](repeating: 0, count: nodes.count)
        var stack: [Int] = []
        func visit(_ node: Int, _ loader: inout PipelineLoader) {
            state[node] = 1
            stack.append(node)
            for (next, input) in outgoing[node] {
                if state[next] == 1 {
                    let cycle = stack[stack.lastIndex(of: next)!...].map { nodes[$0].id } + [nodes[next].id]
                    loader.issue(input.sourceNode, "cycle: \(cycle.joined(separator: " → "))")
                } else if state[next] == 0 {
                    visit(next, &loader)
                }
            }
            stack.removeLast()
            state[node] = 2
        }
        for node in nodes.indices where state[node] == 0 { visit(node, &self) }
    }
}
