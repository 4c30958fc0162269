import ArgumentParser
import Foundation
import TandemCore

/// `tandem status DIR [--json]` — where a batch stands, from its manifests and input list.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Merge a batch's manifests: ok, failed by error class, skipped, pending, per shard.",
        discussion: """
        Reads DIR/inputs.json (every input of the batch and the shard count, written by `tandem run` and \
        `tandem submit`) and every manifest in DIR (manifest.jsonl, manifest.shard-I-of-N.jsonl); an input's \
        newest record is its state. Pending: no record yet, or recorded done but changed since.

        Exit status: 0 every input done, 1 some failed or pending, 2 no batch in DIR.
        """)

    @Argument(help: "The batch's output folder.") var directory: String
    @Flag(help: "Print one JSON object instead of text.") var json = false
    @Option(help: "How many of the slowest inputs to list.") var slowest = 5

    func run() throws {
        let status: BatchStatus
        do { status = try BatchStatus(directory: URL(fileURLWithPath: directory), slowest: max(0, slowest)) } catch let problem as BatchInputList.Problem {
            throw usageError(problem.description)
        }
        print(json ? try status.json() : status.text)
        if !status.isComplete { throw ExitCode(1) }
    }
}
