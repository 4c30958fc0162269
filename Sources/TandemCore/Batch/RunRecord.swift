import Foundation

/// `run.json` of an output folder: which pipeline made the batch, with which `--set` overrides.
///
/// The manifest says what happened to each input; this says what was asked, so a report (or a
/// person, months later) can tell which parameters produced the outputs. `tandem run` writes it
/// when it starts and again, with the end time, when it finishes (atomically, so it is never torn).
/// Like manifests, each shard has its own file (`run.shard-I-of-N.json`): every file of the folder
/// has one writer, and rerunning one shard changes nothing of the others. Output folders made before
/// this file existed simply have none.
public struct RunRecord: Sendable, Codable, Equatable {
    /// The pipeline file as given on the command line, and its absolute path.
    public var pipeline: String
    public var pipelinePath: String
    /// The pipeline file's text when the run started (the file may change later).
    public var pipelineText: String
    /// `--set key=value` overrides, in command-line order.
    public var overrides: [Override]
    /// Every pipeline parameter after overrides, as text.
    public var parameters: [String: String]
    /// The whole command line.
    public var command: [String]
    /// Seconds since 1970.
    public var started: Double
    public var finished: Double?
    /// Wall time of the whole run (this machine's share with shards), when it finished.
    public var wallSeconds: Double?
    public var jobs: Int
    /// `I/N` when the run was one shard of a batch.
    public var shard: String?

    public struct Override: Sendable, Codable, Equatable {
        public var key: String
        public var value: String
        public init(key: String, value: String) { self.key = key; self.value = value }
    }

    enum CodingKeys: String, CodingKey {
        case pipeline, overrides, parameters, command, started, finished, jobs, shard
        case pipelinePath = "pipeline_path", pipelineText = "pipeline_text", wallSeconds = "wall_seconds"
    }

    public init(pipeline: String, pipelinePath: String, pipelineText: String, overrides: [Override], parameters: [String: String],
                command: [String], started: Double, finished: Double? = nil, wallSeconds: Double? = nil, jobs: Int = 1, shard: String? = nil) {
        self.pipeline = pipeline
        self.pipelinePath = pipelinePath
        self.pipelineText = pipelineText
        self.overrides = overrides
        self.parameters = parameters
        self.command = command
        self.started = started
        self.finished = finished
        self.wallSeconds = wallSeconds
        self.jobs = jobs
        self.shard = shard
    }

    /// The file name of an unsharded run's record.
    public static let fileName = "run.json"

    /// The record's file name for a run of `shard` (`nil`: the whole batch).
    public static func fileName(for shard: Shard?) -> String {
        guard let shard, shard.count > 1 else { return fileName }
        return "run.shard-\(shard.index)-of-\(shard.count).json"
    }

    /// Whether `name` is a run record's file name (`run.json`, `run.shard-I-of-N.json`).
    public static func isFileName(_ name: String) -> Bool {
        if name == fileName { return true }
        guard name.hasPrefix("run.shard-"), name.hasSuffix(".json") else { return false }
        let parts = name.dropFirst("run.shard-".count).dropLast(".json".count).components(separatedBy: "-of-")
        return parts.count == 2 && parts.allSatisfy { Int($0) != nil }
    }

    /// Writes the record to its file in `directory` (`fileName(for: shard)`) atomically.
    /// - Throws: when the folder cannot be written.
    public func write(in directory: URL, shard: Shard?) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try AtomicOutput.write(try encoder.encode(self) + Data("\n".utf8), to: directory.appendingPathComponent(Self.fileName(for: shard)))
    }

    /// Every run record in `directory` (the unsharded one and each shard's), by file name, with
    /// the files that could not be read and why.
    public static func readAll(in directory: URL) -> (records: [RunRecord], problems: [String]) {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter(isFileName).sorted()
        var records: [RunRecord] = []
        var problems: [String] = []
        for name in names {
            do {
                records.append(try JSONDecoder().decode(RunRecord.self, from: Data(contentsOf: directory.appendingPathComponent(name))))
            } catch {
                problems.append("\(name) is not readable: \(error)")
            }
        }
        return (records, problems)
    }
}
