import Foundation
import TandemCore

/// The current record of every input of an output folder, from all its manifests.
///
/// A batch may be recorded in `manifest.jsonl` and in per-shard manifests
/// (`manifest.shard-I-of-N.jsonl`, one per machine of a cluster job), and an input can appear
/// several times (reruns, `--resume`, a changed shard count). Which record is an input's state is
/// decided where manifests are defined (`Manifest.latestRecords(in:)`: the newest by `finished`),
/// so the report, `tandem status` and `--resume` agree.
public struct BatchRecords: Sendable {
    /// One record per input, sorted by relative path (then absolute path).
    public var records: [ManifestRecord]
    /// The manifests read, `manifest.jsonl` first.
    public var manifests: [URL]

    public init(records: [ManifestRecord], manifests: [URL]) {
        self.records = records.sorted { ($0.relpath, $0.path) < ($1.relpath, $1.path) }
        self.manifests = manifests
    }

    /// Reads every manifest of `directory`.
    /// - Throws: `ReportError.noManifest` when there is none.
    public static func read(outputDirectory directory: URL) throws -> BatchRecords {
        let manifests = Manifest.urls(in: directory)
        guard !manifests.isEmpty else {
            throw ReportError(.noManifest, path: directory.path,
                              message: "no manifest.jsonl or manifest.shard-I-of-N.jsonl here: not an output folder of `tandem run`")
        }
        return BatchRecords(records: Array(Manifest.latestRecords(in: directory).values), manifests: manifests)
    }
}
