import ArgumentParser
import TandemCore

/// `tandem validate PIPELINE [--set k=v]` — checks a pipeline file without opening any input.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "Check a pipeline file; print every problem at file:line:column.")

    @Argument(help: "The pipeline file (YAML).") var pipeline: String
    @Option(name: .customLong("set"), help: "Override a pipeline parameter (key=value); repeatable.") var overrides: [String] = []

    func run() throws {
        let loaded = try PipelineLoading.load(pipeline, overrides: overrides)
        print("\(pipeline): ok (\(loaded.nodes.count) nodes)")
    }
}
