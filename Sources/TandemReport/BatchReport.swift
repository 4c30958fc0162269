import Foundation
import TandemCore
import TandemMedia

/// The HTML report of a batch: `OUT/report/index.html` (summary and a filterable table of inputs)
/// plus one page per input (`OUT/report/inputs/00042.html`) with its probe facts, a strip of frames,
/// pictures, players and timed transcripts.
///
/// The folder is self-contained and works offline from `file://`: plain HTML and CSS, one script
/// written for it, no network request. Outputs are referenced by relative paths (`../../x`), so
/// `OUT` can be copied or served as is. The table's rows live in `data/inputs.js` and are drawn a
/// page at a time, so 10,000 inputs give a small index page and a data file of a few megabytes.
/// Every string that comes from an input is escaped (`HTML`).
public struct BatchReport: Sendable {
    public struct Options: Sendable {
        /// Frames decoded from each video input for its strip (0: none; frames the pipeline wrote
        /// itself are shown either way).
        public var framesPerInput = 6
        /// Copy each input into `report/media/` so its player survives moving the folder without the
        /// inputs; otherwise the player points at the input where it is, by a relative path.
        public var copyInputs = false
        public init() {}
    }

    public let outputDirectory: URL
    public var options: Options

    public init(outputDirectory: URL, options: Options = Options()) {
        self.outputDirectory = outputDirectory.standardizedFileURL
        self.options = options
    }

    /// `OUT/report`.
    public var reportDirectory: URL { outputDirectory.appendingPathComponent("report") }
    /// Marks a folder as written by the report, so a rerun may replace it.
    static let marker = ".tandem-report"

    /// Everything the pages need about one input.
    struct Entry {
        var index: Int
        var record: ManifestRecord
        /// Relative to the report folder.
        var page: String
        var info: MediaInfo?
        var probeProblem: String?
        var frames: [FrameStrip.Frame]
        /// The input's player source, relative to the input page; nil when the input is gone.
        var player: String?
        var results: InputResults
    }

    /// Writes the report (replacing an earlier one) and returns the index page's URL.
    /// - Throws: `ReportError` when there is no manifest or the folder cannot be written.
    @discardableResult
    public func write() throws -> URL {
        let batch = try BatchRecords.read(outputDirectory: outputDirectory)
        let runs = RunRecord.readAll(in: outputDirectory)
        let runProblem = runs.problems.isEmpty ? nil : runs.problems.joined(separator: "; ")
        let root = reportDirectory
        try prepare(root)
        let digits = max(5, String(batch.records.count).count)
        var entries: [Entry] = []
        entries.reserveCapacity(batch.records.count)
        for (index, record) in batch.records.enumerated() {
            entries.append(entry(index: index, record: record, digits: digits, root: root))
        }
        do {
            try write(ReportAssets.css, to: root.appendingPathComponent("assets/report.css"))
            try write(ReportAssets.script, to: root.appendingPathComponent("assets/report.js"))
            try write(try inputsScript(entries), to: root.appendingPathComponent("data/inputs.js"))
            for (position, entry) in entries.enumerated() {
                let previous = position > 0 ? entries[position - 1].page : nil
                let next = position + 1 < entries.count ? entries[position + 1].page : nil
                try write(inputPage(entry, previous: previous, next: next), to: root.appendingPathComponent(entry.page))
            }
            let index = root.appendingPathComponent("index.html")
            try write(indexPage(entries, batch: batch, runs: runs.records, runProblem: runProblem), to: index)
            return index
        } catch let error as ReportError {
            throw error
        } catch {
            throw ReportError(.writeFailed, path: root.path, message: "cannot write the report: \(error)")
        }
    }

    /// Empties `root` when an earlier report made it; refuses a folder of that name the report did not make.
    private func prepare(_ root: URL) throws {
        let manager = FileManager.default
        if manager.fileExists(atPath: root.path) {
            guard manager.fileExists(atPath: root.appendingPathComponent(Self.marker).path) else {
                throw ReportError(.writeFailed, path: root.path,
                                  message: "this folder exists and was not written by `tandem report`; move it away first")
            }
            do { try manager.removeItem(at: root) } catch {
                throw ReportError(.writeFailed, path: root.path, message: "cannot replace the earlier report: \(error)")
            }
        }
        do {
            try manager.createDirectory(at: root.appendingPathComponent("inputs"), withIntermediateDirectories: true)
            try Data("written by tandem report; the whole folder is replaced when the report is written again\n".utf8)
                .write(to: root.appendingPathComponent(Self.marker))
        } catch {
            throw ReportError(.writeFailed, path: root.path, message: "cannot create the report folder: \(error)")
        }
    }

    private func write(_ text: String, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// Probes the input, samples its frames and sorts its outputs.
    private func entry(index: Int, record: ManifestRecord, digits: Int, root: URL) -> Entry {
        let name = String(repeating: "0", count: max(0, digits - String(index).count)) + String(index)
        let input = URL(fileURLWithPath: record.path)
        let exists = FileManager.default.fileExists(atPath: input.path)
        var info: MediaInfo?
        var problem: String?
        if exists {
            do { info = try MediaFile.open(input).info } catch { problem = "\(error)" }
        } else {
            problem = "the input is no longer at \(record.path)"
        }
        let results = InputResults(outputs: record.outputs, root: outputDirectory)
        let media = root.appendingPathComponent("media/\(name)")
        var frames: [FrameStrip.Frame] = []
        if info?.firstStream(.video) != nil, results.frames.isEmpty {
            frames = FrameStrip(count: options.framesPerInput).extract(from: input, into: media, reportRoot: root)
        }
        var player: String?
        if exists, info != nil {
            if options.copyInputs {
                let copy = media.appendingPathComponent(input.lastPathComponent)
                do {
                    try FileManager.default.createDirectory(at: media, withIntermediateDirectories: true)
                    try FileManager.default.copyItem(at: input, to: copy)
                    player = "../media/\(name)/" + input.lastPathComponent
                } catch {
                    player = Self.relativePath(from: root.appendingPathComponent("inputs"), to: input)
                }
            } else {
                player = Self.relativePath(from: root.appendingPathComponent("inputs"), to: input)
            }
        }
        return Entry(index: index, record: record, page: "inputs/\(name).html", info: info, probeProblem: problem,
                     frames: frames, player: player, results: results)
    }

    /// The path of `file` relative to `directory` (both absolute), with `..` where needed. Lexical,
    /// as a browser resolves a relative link: symbolic links are not followed.
    static func relativePath(from directory: URL, to file: URL) -> String {
        let from = directory.standardizedFileURL.pathComponents
        let to = file.standardizedFileURL.pathComponents
        var common = 0
        while common < from.count, common < to.count, from[common] == to[common] { common += 1 }
        return (Array(repeating: "..", count: from.count - common) + to[common...]).joined(separator: "/")
    }
}
