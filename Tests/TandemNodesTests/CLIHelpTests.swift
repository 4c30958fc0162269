import Foundation
import Testing

/// The commands' help reads as paragraphs wrapped to the terminal: a discussion written over several source lines
/// must not keep those line breaks, which would leave short broken lines between the wrapped ones.
@Suite struct CLIHelpTests {
    /// The `--help` text of `tandem ARGUMENTS...`, as printed on an 80-column terminal.
    func help(_ arguments: [String]) throws -> String {
        try CLIBatchTests.runCapturing(arguments + ["--help"], environment: ["COLUMNS": "80"]).output
    }

    /// The lines between the overview and the usage, split into paragraphs at blank lines.
    func discussionParagraphs(_ help: String) -> [[String]] {
        let lines = help.components(separatedBy: "\n")
        guard let usage = lines.firstIndex(where: { $0.hasPrefix("USAGE:") }) else { return [] }
        let overviewEnd = lines.firstIndex(where: { $0.isEmpty }) ?? usage
        guard overviewEnd < usage else { return [] }
        return lines[overviewEnd..<usage].split(whereSeparator: { $0.isEmpty }).map(Array.init)
    }

    @Test(arguments: [["run"], ["separate"], ["report"], ["status"], ["frames"], ["submit", "slurm"]])
    func discussionIsWrappedAsParagraphs(_ command: [String]) throws {
        let paragraphs = discussionParagraphs(try help(command))
        #expect(!paragraphs.isEmpty, "\(command) has a discussion")
        for paragraph in paragraphs {
            for (line, next) in zip(paragraph, paragraph.dropFirst()) {
                let nextWord = next.split(separator: " ").first ?? ""
                // ArgumentParser fills a line to one column short of the terminal's width.
                #expect(line.count + 1 + nextWord.count >= 80, "a broken line in \(command)'s help: '\(line)' before '\(nextWord)'")
                #expect(line.count <= 80, "a line wider than the terminal in \(command)'s help: \(line)")
            }
        }
    }
}
