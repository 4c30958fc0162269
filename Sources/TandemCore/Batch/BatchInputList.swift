import Foundation

/// `inputs.json` of an output folder: every input of the batch (resolved, all shards) and the
/// shard count, so `tandem status` can tell inputs still pending from inputs never planned.
///
/// Manifests only know the inputs that finished; the list is what makes "pending" countable while
/// shards are queued or running. `tandem submit` writes it before anything runs; `tandem run`
/// (every shard of it) writes it when it is missing or says otherwise. It is replaced with a rename
/// of a uniquely named temporary file, so shards on several machines that record the same list at
/// once never leave a mixed file, and whichever rename lands last holds the same content.
public struct BatchInputList: Sendable, Codable, Equatable {
    /// One input: its absolute path and the relative path outputs and shards are derived from.
    public struct Entry: Sendable, Codable, Equatable {
        public var path: String
        public var relpath: String
        public init(path: String, relpath: String) {
            self.path = path
            self.relpath = relpath
        }
    }

    /// The file name inside the output folder.
    public static let fileName = "inputs.json"

    /// The format's version (1).
    public var version = 1
    /// The number of shards the batch is split into; `nil` for an unsharded run.
    public var shards: Int?
    /// Every input of the batch, sorted by path.
    public var inputs: [Entry]
    /// The pipeline file (absolute), when known (written by `tandem submit`).
    public var pipeline: String?
    /// The scheduler's job id of the last submission, when submitted by `tandem submit`.
    public var job: String?

    public init(inputs: [InputFile], shards: Int?, pipeline: String? = nil, job: String? = nil) {
        self.inputs = inputs.map { Entry(path: $0.url.path, relpath: $0.relativePath) }
        self.shards = shards
        self.pipeline = pipeline
        self.job = job
    }

    /// The list recorded in `directory`, or `nil` when there is none.
    /// - Throws: `BatchInputList.Problem` when the file exists but is not a valid list.
    public static func read(from directory: URL) throws -> BatchInputList? {
        let url = directory.appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        do { return try JSONDecoder().decode(BatchInputList.self, from: data) } catch {
            throw Problem(path: url.path, message: "not a valid input list (\(error))")
        }
    }

    /// Writes the list into `directory` unless the same inputs and shard count are recorded there
    /// already (the pipeline and job of an existing record are kept).
    /// - Throws: `CocoaError` when the folder or the file cannot be written.
    public func record(in directory: URL) throws {
        var merged = self
        if let existing = try? Self.read(from: directory) {
            if existing.inputs == inputs, existing.shards == shards { return }
            merged.pipeline = pipeline ?? existing.pipeline
            merged.job = job ?? existing.job
        }
        try merged.write(to: directory)
    }

    /// Writes the list into `directory`, replacing any (temporary file + rename).
    /// - Throws: `CocoaError` when the folder or the file cannot be written.
    public func write(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(UInt8(ascii: "\n"))
        // AtomicOutput's temporary name carries a random token: unique across machines and processes.
        try AtomicOutput.write(data, to: directory.appendingPathComponent(Self.fileName))
    }

    /// An input list that cannot be read.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var message: String
        public var description: String { "\(path): \(message)" }
    }
}
