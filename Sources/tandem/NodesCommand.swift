import ArgumentParser
import TandemCore
import TandemNodes

/// `tandem nodes [KIND]` — the node catalog: every kind with its ports and parameters.
struct NodesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodes", abstract: "List the node kinds, or describe one kind's ports and parameters.")

    @Argument(help: "A node kind to describe in full.") var kind: String?

    func run() throws {
        let catalog = NodeCatalog.standard
        guard let kind else {
            let width = catalog.kinds.map(\.count).max() ?? 0
            for name in catalog.kinds {
                let descriptor = catalog.descriptor(name)!
                print(name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + descriptor.doc)
            }
            return
        }
        guard let descriptor = catalog.descriptor(kind) else {
            let hint = EditDistance.suggestion(for: kind, among: catalog.kinds).map { " (did you mean '\($0)'?)" } ?? ""
            throw usageError("unknown node kind '\(kind)'\(hint)")
        }
        print("\(descriptor.kind) — \(descriptor.doc)")
        print("inputs:")
        if descriptor.inputs.isEmpty { print("  (none: a source)") }
        for port in descriptor.inputs {
            print("  \(port.name): \(port.kind)\(port.isOptional ? " (optional)" : "")\(port.doc.isEmpty ? "" : " — \(port.doc)")")
        }
        print("outputs:")
        if descriptor.outputs.isEmpty { print("  (none: a sink)") }
        for port in descriptor.outputs { print("  \(port.name): \(port.kind)\(port.doc.isEmpty ? "" : " — \(port.doc)")") }
        print("parameters:")
        if descriptor.parameters.isEmpty { print("  (none)") }
        for parameter in descriptor.parameters {
            let value = parameter.defaultValue.map { "default \($0)" } ?? "required"
            print("  \(parameter.name): \(parameter.type), \(value) — \(parameter.doc)")
        }
    }
}
