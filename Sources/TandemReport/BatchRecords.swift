import Foundation
import TandemCore

/// The current record of every input of an output folder, merged from all its manifests.
///
/// A batch may be recorded in `manifest.jsonl` and in per-shard manifests
/// (`manifest.shard-I-of-N.jsonl`, one per machine of a cluster job), and an input can appear
/// several times (reruns, `--resume`). The newest record of each input is its state: records
/// carry the time they were made (`finished`); records from before that field existed count as
/// older than any that has it, and among themselves the later one (file order: `manifest.jsonl`,
/// then the shards by name, each line by line) wins.
public struct BatchRecords: Sendable {
    /// One record per input, sorted by relative path (then absolute path).
    public var records: [ManifestRecord]
    /// The manifests read, `manifest.jsonl` first.
    public var manifests: [URL]

    public init(records: [ManifestRecord], manifests: [URL]) {
        self.records = records
        self.manifests = manifests
    }

    /// Whether `name` is a per-shard manifest's file name (`manifest.shard-3-of-16.jsonl`).
    public static func isShardManifest(_ name: String) -> Bool {
        guard name.hasPrefix("manifest.shard-"), name.hasSuffix(".jsonl") else { return false }
        let middle = name.dropFirst("manifest.shard-".count).dropLast(".jsonl".count)
        let parts = middle.components(separatedBy: "-of-")
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCII) && Int($0) != nil }
    }

    /// Reads every manifest of `directory`.
    /// - Throws: `ReportError.noManifest` when there is none.
    public static func read(outputDirectory directory: URL) throws -> BatchRecords {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        var manifests: [URL] = []
        if names.contains("manifest.jsonl") { manifests.append(directory.appendingPathComponent("manifest.jsonl")) }
        manifests += names.filter(isShardManifest).sorted().map { directory.appendingPathComponent($0) }
        guard !manifests.isEmpty else {
            throw ReportError(.noManifest, path: directory.path,
                              message: "no manifest.jsonl or manifest.shard-I-of-N.jsonl here: not an output folder of `tandem run`")
        }
        return BatchRecords(merging: manifests.map(Manifest.read), manifests: manifests)
    }

    /// Merges record lists given in file order (see the type's documentation for which record wins).
    public init(merging lists: [[ManifestRecord]], manifests: [URL] = []) {
        var newest: [String: ManifestRecord] = [:]
        for list in lists {
            for record in list {
                // Equal times (or none): the later line wins, as within one manifest.
                if let current = newest[record.path], (record.finished ?? -.infinity) < (current.finished ?? -.infinity) { continue }
                newest[record.path] = record
            }
        }
        records = newest.values.sorted { ($0.relpath, $0.path) < ($1.relpath, $1.path) }
        self.manifests = manifests
    }
}
