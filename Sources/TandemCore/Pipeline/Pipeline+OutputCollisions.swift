/// Two inputs of one batch whose outputs would land on the same path.
public struct OutputCollision: Sendable, Equatable, CustomStringConvertible {
    /// The two inputs' relative paths.
    public var first: String
    public var second: String
    /// The shared output path, relative to the output folder (with `{index}` as 000000).
    public var output: String
    public var description: String { "\(first) and \(second) would both write \(output)" }
}

extension Pipeline {
    /// Inputs whose outputs would collide: the same sink template resolved for two inputs gives
    /// one path (`{relpath}` drops the extension, so `a.mp4` and `a.wav` collide; `{stem}` drops
    /// the folder).
    ///
    /// Within one run the later input silently replaced the earlier one's outputs; across shards
    /// on several machines both would rename onto the same file and both manifests claim it. So a
    /// batch refuses such inputs before anything runs. A template without a per-input placeholder
    /// collides as soon as there are two inputs.
    /// - Returns: at most `limit` collisions, in input order.
    public func outputCollisions(_ inputs: [InputFile], catalog: NodeCatalog, limit: Int = 10) -> [OutputCollision] {
        var templates: [(node: String, template: PathTemplate)] = []
        for node in nodes {
            guard let descriptor = catalog.descriptor(node.kind) else { continue }
            for spec in descriptor.parameters {
                guard case .pathTemplate = spec.type, case .string(let text)? = node.parameters[spec.name],
                      let template = try? PathTemplate(text) else { continue }
                templates.append((node.id, template))
            }
        }
        var collisions: [OutputCollision] = []
        for (node, template) in templates {
            var owner: [String: String] = [:]
            for input in inputs {
                let output = template.resolve(input: input, nodeID: node)
                if let first = owner[output] {
                    collisions.append(OutputCollision(first: first, second: input.relativePath, output: output))
                    if collisions.count >= limit { return collisions }
                } else {
                    owner[output] = input.relativePath
                }
            }
        }
        return collisions
    }
}
