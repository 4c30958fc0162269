import ArgumentParser
import Foundation
import TandemCore
import TandemNodes

/// `tandem graph PIPELINE [--png FILE]` — the pipeline as Graphviz DOT, or rendered with `dot`.
struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph", abstract: "Print a pipeline as Graphviz DOT; --png renders it when Graphviz is installed.")

    @Argument(help: "The pipeline file (YAML).") var pipeline: String
    @Option(help: "Render to this PNG file with Graphviz's `dot` instead of printing DOT.") var png: String?
    @Option(name: .customLong("set"), help: "Override a pipeline parameter (key=value); repeatable.") var overrides: [String] = []

    func run() throws {
        let loaded = try PipelineLoading.load(pipeline, overrides: overrides)
        let dot = loaded.dot(catalog: .standard)
        guard let png else {
            print(dot, terminator: "")
            return
        }
        guard let tool = ["/usr/bin/dot", "/usr/local/bin/dot", "/opt/homebrew/bin/dot"].first(where: FileManager.default.isExecutableFile) else {
            throw usageError("Graphviz's `dot` is not installed (apt-get install graphviz); run without --png to get DOT text")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["-Tpng", "-o", png]
        let pipe = Pipe()
        process.standardInput = pipe
        try process.run()
        pipe.fileHandleForWriting.write(Data(dot.utf8))
        try pipe.fileHandleForWriting.close()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ExitCode(process.terminationStatus) }
        print("wrote \(png)")
    }
}
