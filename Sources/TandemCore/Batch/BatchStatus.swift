import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The state of a batch in an output folder, merged from its manifests and its input list
/// (`tandem status DIR`): how many inputs are done, failed (by error class) or still pending, the
/// slowest inputs, and one line per shard.
///
/// It reads files only, so it works from any machine that sees the output folder, while shards
/// are queued, running or finished. An input's state is its newest record in any manifest;
/// an input recorded done whose file changed since (size or mtime) counts as pending, because
/// `--resume` would process it again.
public struct BatchStatus: Sendable, Codable {
    /// Failed inputs of one error class.
    public struct ErrorClass: Sendable, Codable, Equatable {
        public var errorClass: String
        public var count: Int
        /// The first few failed inputs of the class, with their messages.
        public var examples: [Example]
    }

    /// One failed input.
    public struct Example: Sendable, Codable, Equatable {
        public var relpath: String
        public var message: String
    }

    /// One input's processing time.
    public struct Timing: Sendable, Codable, Equatable {
        public var relpath: String
        public var wallSeconds: Double
    }

    /// The counts of one shard (or of the whole unsharded batch).
    public struct ShardLine: Sendable, Codable, Equatable {
        /// `I/N`, or nil for an unsharded batch.
        public var shard: String?
        /// The manifest the shard writes, and whether it exists yet.
        public var manifest: String
        public var manifestExists: Bool
        public var inputs = 0
        public var ok = 0
        public var skipped = 0
        public var failed = 0
        public var pending = 0
        /// Processing time of the shard's recorded inputs (their newest records), summed.
        public var wallSeconds = 0.0
        /// When the shard's newest record was written (seconds since 1970), nil before any.
        public var lastRecord: Double?
    }

    /// The output folder (absolute).
    public var directory: String
    /// Whether `inputs.json` was found; without it, inputs no shard has recorded yet are unknown
    /// and `pending` counts only inputs whose record went stale.
    public var inputsKnown: Bool
    /// The shard count of the batch (nil: unsharded or unknown).
    public var shards: Int?
    /// The pipeline and the scheduler's job id, when `tandem submit` recorded them.
    public var pipeline: String?
    public var job: String?
    public var total = 0
    /// Processed by the newest run of their shard.
    public var ok = 0
    /// Done by an earlier run; the newest run found them unchanged and skipped them.
    public var skipped = 0
    public var failed = 0
    /// Not recorded yet, or recorded done but changed (or gone) since.
    public var pending = 0
    /// Of `pending`: inputs recorded done whose file changed or disappeared since.
    public var changed = 0
    /// Records of inputs that are not in the input list (from an earlier batch into the same folder); not counted.
    public var unlisted = 0
    public var errors: [ErrorClass] = []
    public var slowest: [Timing] = []
    public var perShard: [ShardLine] = []

    /// Whether every input is done: nothing failed, nothing pending, and the input list was known.
    public var isComplete: Bool { inputsKnown && failed == 0 && pending == 0 }

    /// Reads the batch in `directory`.
    /// - Parameters:
    ///   - slowest: how many of the slowest inputs to list.
    ///   - examples: how many failed inputs to show per error class.
    /// - Throws: `BatchInputList.Problem` when `inputs.json` is damaged, or when the folder holds
    ///   neither an input list nor a manifest (no batch ran or was submitted there).
    public init(directory: URL, slowest limit: Int = 5, examples: Int = 3) throws {
        let directory = directory.standardizedFileURL
        self.directory = directory.path
        let list = try BatchInputList.read(from: directory)
        let manifests = Manifest.urls(in: directory)
        guard list != nil || !manifests.isEmpty else {
            throw BatchInputList.Problem(path: directory.path, message: "no batch here: neither \(BatchInputList.fileName) nor a manifest")
        }
        let latest = Manifest.latestRecords(in: directory)
        inputsKnown = list != nil
        shards = list?.shards
        pipeline = list?.pipeline
        job = list?.job
        let entries = list?.inputs ?? latest.values.map { .init(path: $0.path, relpath: $0.relpath) }.sorted { $0.path < $1.path }
        let listed = Set(entries.map(\.path))
        unlisted = latest.keys.filter { !listed.contains($0) }.count
        total = entries.count

        var lines: [ShardLine]
        if let count = shards {
            lines = (0..<count).map { index in
                let name = Manifest.fileName(for: try? Shard(index: index, count: count))
                return ShardLine(shard: "\(index)/\(count)", manifest: name,
                                 manifestExists: FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path))
            }
        } else {
            let name = Manifest.fileName(for: nil)
            lines = [ShardLine(shard: nil, manifest: name, manifestExists: FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path))]
        }
        var failures: [String: ErrorClass] = [:]
        var timings: [Timing] = []
        for entry in entries {
            let line = shards.map { Int(Shard.fnv1a64(entry.relpath) % UInt64($0)) } ?? 0
            lines[line].inputs += 1
            guard let record = latest[entry.path] else {
                pending += 1
                lines[line].pending += 1
                continue
            }
            lines[line].wallSeconds += record.wallSeconds
            lines[line].lastRecord = max(lines[line].lastRecord ?? 0, record.finished ?? 0)
            switch record.status {
            case .failed:
                failed += 1
                lines[line].failed += 1
                let errorClass = record.error?.errorClass ?? "unknown"
                var group = failures[errorClass] ?? ErrorClass(errorClass: errorClass, count: 0, examples: [])
                group.count += 1
                if group.examples.count < examples {
                    group.examples.append(Example(relpath: entry.relpath, message: record.error?.message ?? ""))
                }
                failures[errorClass] = group
            case .ok, .skipped:
                guard Self.unchanged(entry.path, since: record) else {
                    pending += 1
                    changed += 1
                    lines[line].pending += 1
                    continue
                }
                if record.status == .ok {
                    ok += 1
                    lines[line].ok += 1
                    timings.append(Timing(relpath: entry.relpath, wallSeconds: record.wallSeconds))
                } else {
                    skipped += 1
                    lines[line].skipped += 1
                }
            }
        }
        errors = failures.values.sorted { ($0.count, $1.errorClass) > ($1.count, $0.errorClass) }
        slowest = Array(timings.sorted { ($0.wallSeconds, $1.relpath) > ($1.wallSeconds, $0.relpath) }.prefix(limit))
        perShard = lines
    }

    /// Whether the file at `path` still has the size and mtime `record` saw (what `--resume` checks).
    private static func unchanged(_ path: String, since record: ManifestRecord) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        let mtime = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
        return Int64(info.st_size) == record.size && abs(mtime - record.mtime) < 1e-6
    }

    /// The report for people: totals, failures by class with examples, the slowest inputs, the shards.
    public var text: String {
        var lines: [String] = []
        let split = shards.map { " in \($0) shard\($0 == 1 ? "" : "s")" } ?? ""
        lines.append("\(directory): \(total) input\(total == 1 ? "" : "s")\(split)")
        if let pipeline { lines.append("  pipeline \(pipeline)\(job.map { ", job \($0)" } ?? "")") }
        lines.append("  ok       \(ok)")
        lines.append("  skipped  \(skipped)\(skipped > 0 ? "  (done by an earlier run, unchanged since)" : "")")
        lines.append("  failed   \(failed)")
        let stale = changed > 0 ? "  (\(changed) changed or gone since their record)" : ""
        lines.append("  pending  \(inputsKnown ? String(pending) : "unknown: no \(BatchInputList.fileName)")\(stale)")
        if unlisted > 0 {
            lines.append("  (\(unlisted) record\(unlisted == 1 ? "" : "s") of inputs not in \(BatchInputList.fileName) left out)")
        }
        if !errors.isEmpty {
            lines.append("failed, by error class:")
            for group in errors {
                lines.append("  \(group.errorClass): \(group.count)")
                for example in group.examples { lines.append("    \(example.relpath): \(example.message)") }
            }
        }
        if !slowest.isEmpty {
            lines.append("slowest:")
            for timing in slowest { lines.append("  \(String(format: "%8.2f", timing.wallSeconds)) s  \(timing.relpath)") }
        }
        lines.append("shards:")
        for line in perShard {
            let name = line.shard.map { "shard \($0)" } ?? "all"
            let manifest = line.manifestExists ? line.manifest : "\(line.manifest) (not yet written)"
            let counts = "\(line.inputs) inputs, \(line.ok) ok, \(line.skipped) skipped, \(line.failed) failed, \(line.pending) pending"
            lines.append("  \(name): \(counts); \(String(format: "%.1f", line.wallSeconds)) s of work; \(manifest)")
        }
        let state: String
        if isComplete {
            state = "complete"
        } else if !inputsKnown {
            state = failed > 0 ? "failed inputs (pending unknown)" : "unknown (no input list)"
        } else {
            state = "incomplete (\(failed) failed, \(pending) pending)"
        }
        lines.append("state: \(state)")
        return lines.joined(separator: "\n")
    }

    /// The same as `text`, as one JSON object (snake_case keys), for other programs.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        var object = try JSONSerialization.jsonObject(with: encoder.encode(self)) as? [String: Any] ?? [:]
        object["complete"] = isComplete
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
