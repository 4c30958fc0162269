import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A manifest of an output folder: one JSON line per input, appended as each input finishes.
///
/// An unsharded run writes `manifest.jsonl`; shard I of N writes only `manifest.shard-I-of-N.jsonl`.
/// Each file has one writer, because appends from several machines to one file on a shared file
/// system (NFS, Lustre) are not atomic: records can interleave or be lost. So shards need no lock
/// and nothing but the output folder in common; the one rule is that a shard never runs twice at
/// once. Within the writing process, each record is one `write(2)` of the whole line to a descriptor
/// opened with `O_APPEND` (several `--jobs` never interleave), then `fsync`ed, so a `kill -9` loses
/// at most the inputs still in flight. A torn last line (a crash inside `write`) is ignored when the
/// manifest is read back.
public final class Manifest: @unchecked Sendable {
    // @unchecked: the descriptor is only used through `append`, which holds `lock`.
    public let url: URL
    private let descriptor: Int32
    private let lock = NSLock()
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Opens (creating) the manifest for appending.
    /// - Throws: `CocoaError` with the system's message when the file cannot be opened.
    public init(url: URL) throws {
        self.url = url
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        descriptor = open(url.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path,
                                                           NSLocalizedDescriptionKey: "cannot open \(url.path): \(String(cString: strerror(errno)))"])
        }
    }

    deinit { close(descriptor) }

    /// Appends `record` as one line and flushes it to disk.
    /// - Throws: `CocoaError` when the write fails.
    public func append(_ record: ManifestRecord) throws {
        var line = try encoder.encode(record)
        line.append(UInt8(ascii: "\n"))
        try lock.withLock {
            let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard written == line.count else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path,
                                                               NSLocalizedDescriptionKey: "short write to \(url.path): \(String(cString: strerror(errno)))"])
            }
            fsync(descriptor)
        }
    }

    /// The manifest's file name for a run of `shard` (`nil`: the whole batch).
    public static func fileName(for shard: Shard?) -> String {
        guard let shard else { return "manifest.jsonl" }
        return "manifest.shard-\(shard.index)-of-\(shard.count).jsonl"
    }

    /// The shard a manifest file name belongs to: `nil` for `manifest.jsonl` and for names that are
    /// no manifest; `.some(shard)` for `manifest.shard-I-of-N.jsonl`.
    public static func shard(ofFileName name: String) -> Shard?? {
        if name == "manifest.jsonl" { return .some(nil) }
        guard name.hasPrefix("manifest.shard-"), name.hasSuffix(".jsonl") else { return nil }
        let middle = name.dropFirst("manifest.shard-".count).dropLast(".jsonl".count)
        let parts = middle.components(separatedBy: "-of-")
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]),
              let shard = try? Shard(index: index, count: count) else { return nil }
        return .some(shard)
    }

    /// Every manifest of the output folder `directory`: `manifest.jsonl` first, then the shards'
    /// files by shard count and index.
    public static func urls(in directory: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let found = names.compactMap { name -> (name: String, shard: Shard?)? in
            guard let shard = shard(ofFileName: name) else { return nil }
            return (name, shard)
        }
        return found.sorted { a, b in
            let left = a.shard.map { ($0.count, $0.index) } ?? (0, 0)
            let right = b.shard.map { ($0.count, $0.index) } ?? (0, 0)
            return left < right
        }.map { directory.appendingPathComponent($0.name) }
    }

    /// The state of every input recorded in any manifest of `directory`, keyed by absolute path:
    /// its newest record (by `finished`; within one file, a later line is newer).
    ///
    /// Records without `finished` (older versions) count as older than any that has one, and
    /// among themselves follow the order of `urls(in:)`.
    public static func latestRecords(in directory: URL) -> [String: ManifestRecord] {
        var latest: [String: ManifestRecord] = [:]
        for url in urls(in: directory) {
            for record in read(url) {
                if let current = latest[record.path], (current.finished ?? -.infinity) > (record.finished ?? -.infinity) { continue }
                latest[record.path] = record
            }
        }
        return latest
    }

    /// Every complete record of the manifest at `url`, in file order (empty when there is none).
    public static func read(_ url: URL) -> [ManifestRecord] {
        guard let data = try? Data(contentsOf: url) else { return [] }
        let decoder = JSONDecoder()
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? decoder.decode(ManifestRecord.self, from: Data($0)) }
    }
}
