import ArgumentParser
import Foundation
import TandemReport

/// `tandem report DIR` — an offline HTML page of a finished (or running) batch.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Write an HTML report of a batch's output folder (DIR/report/index.html).",
        discussion: """
        Reads DIR/manifest.jsonl, any DIR/manifest.shard-I-of-N.jsonl (the newest record of each input \
        wins) and DIR/run.json, probes each input, and writes DIR/report/: a summary page with a \
        filterable table of inputs, and one page per input with its pictures, players and timed \
        transcripts. Everything is referenced by relative paths; no server or network is needed.
        """)

    @Argument(help: "The output folder of a batch (tandem run --out).") var directory: String
    @Option(help: "Frames sampled from each video input for its strip (0: none).") var frames = 6
    @Flag(help: "Copy each input into the report so its player works after the folder is moved without the inputs.")
    var copyInputs = false

    func run() throws {
        guard frames >= 0 else { throw usageError("--frames must be 0 or more") }
        var options = BatchReport.Options()
        options.framesPerInput = frames
        options.copyInputs = copyInputs
        let report = BatchReport(outputDirectory: URL(fileURLWithPath: directory).standardizedFileURL, options: options)
        do {
            let page = try report.write()
            print(page.path)
        } catch let error as ReportError {
            throw usageError(error.description)
        }
    }
}
