import Foundation

/// The outcome of a batch, for the final summary line and the exit code.
public struct BatchSummary: Sendable {
    public var ok = 0
    public var failed = 0
    public var skipped = 0
    /// Inputs processed with warnings (counted in `ok`): see their manifest records.
    public var warned = 0
    /// Inputs left to other shards.
    public var otherShards = 0
    public var wallSeconds = 0.0
    public var manifest: URL
    /// Whether the batch was interrupted (Ctrl-C); unfinished inputs have no record and rerun with `--resume`.
    public var cancelled = false

    /// 0 when every input succeeded, 1 when some failed, 130 when interrupted (as shells report SIGINT).
    public var exitCode: Int32 { cancelled ? 130 : (failed > 0 ? 1 : 0) }

    /// One line: counts, time and where the manifest is.
    public var text: String {
        let state = cancelled ? "interrupted" : "done"
        let warnings = warned > 0 ? " (\(warned) with warnings)" : ""
        return "tandem: \(state): \(ok) ok\(warnings), \(failed) failed, \(skipped) skipped in \(String(format: "%.2f", wallSeconds)) s; manifest: \(manifest.path)"
    }
}
