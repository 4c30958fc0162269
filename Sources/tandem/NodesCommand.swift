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
            let hint = catalog.kinds.min { a, b in distance(a, kind) < distance(b, kind) }.map { " (did you mean '\($0)'?)" } ?? ""
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

    private func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where i <= a.count {
            var previous = row[0]
            row[0] = i
            for j in 1...max(b.count, 1) where j <= b.count {
                let saved = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = saved
            }
        }
        return row[b.count]
    }
}
