/// One line of a manifest (`manifest.jsonl` or `manifest.shard-I-of-N.jsonl`): what happened to one input.
public struct ManifestRecord: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable { case ok, failed, skipped }

    /// Why an input failed.
    public struct Failure: Sendable, Codable, Equatable {
        /// The error's type and code (`MediaError.openFailed`, `NodeError.output-failed`).
        public var errorClass: String
        public var message: String
        public var node: String?
        /// Media time in seconds where the failing node was.
        public var time: Double?

        enum CodingKeys: String, CodingKey { case errorClass = "class", message, node, time }

        public init(errorClass: String, message: String, node: String? = nil, time: Double? = nil) {
            self.errorClass = errorClass
            self.message = message
            self.node = node
            self.time = time
        }
    }

    /// Absolute path of the input.
    public var path: String
    public var relpath: String
    public var size: Int64
    /// Modification time, seconds since 1970 (nanosecond resolution where the file system has it).
    public var mtime: Double
    public var status: Status
    public var error: Failure?
    /// Outputs relative to the output folder.
    public var outputs: [String]
    public var wallSeconds: Double
    public var nodes: [NodeStatistics]
    /// What the run noticed but went on despite (a truncated file, damaged packets); nil when nothing.
    public var warnings: [String]?
    /// When the record was written, seconds since 1970 (nil in manifests of older versions).
    ///
    /// Several manifests of one folder (one per shard, and `manifest.jsonl`) can hold records of the
    /// same input when the shard count changed between runs; the newest record is the input's state.
    public var finished: Double?

    enum CodingKeys: String, CodingKey {
        case path, relpath, size, mtime, status, error, outputs, nodes, warnings, finished
        case wallSeconds = "wall_seconds"
    }

    public init(path: String, relpath: String, size: Int64, mtime: Double, status: Status, error: Failure? = nil,
                outputs: [String] = [], wallSeconds: Double = 0, nodes: [NodeStatistics] = [], warnings: [String]? = nil,
                finished: Double? = nil) {
        self.path = path
        self.relpath = relpath
        self.size = size
        self.mtime = mtime
        self.status = status
        self.error = error
        self.outputs = outputs
        self.wallSeconds = wallSeconds
        self.nodes = nodes
        self.warnings = warnings
        self.finished = finished
    }
}
