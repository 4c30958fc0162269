import Foundation

/// `run.json` of an output folder: which pipeline made the batch, with which `--set` overrides.
///
/// The manifest says what happened to each input; this says what was asked, so a report (or a
/// person, months later) can tell which parameters produced the outputs. `tandem run` writes it
/// when it starts and again, with the end time, when it finishes. Shards of one batch write the same
/// pipeline and overrides; each write replaces the file atomically, so concurrent shards never
/// leave a torn file. Output folders made before this file existed simply have none.
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

    /// The file name inside an output folder.
    public static let fileName = "run.json"

    /// Writes the record to `directory/run.json` atomically.
    /// - Throws: when the folder cannot be written.
    public func write(in directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try AtomicOutput.write(try encoder.encode(self) + Data("\n".utf8), to: directory.appendingPathComponent(Self.fileName))
    }

    /// The record in `directory`, nil when the folder has none.
    /// - Throws: `DecodingError` when the file exists but is not a run record.
    public static func read(in directory: URL) throws -> RunRecord? {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent(fileName)) else { return nil }
        return try JSONDecoder().decode(RunRecord.self, from: data)
    }
}
