import Foundation

/// Writes a file under a temporary name beside its final path and renames it into place on `commit()`,
/// so a crash or a kill never leaves a half-written file under a final name.
///
/// The temporary name is hidden (`.name.tandem-tmp-<random>`) and lives in the final directory so the
/// rename is atomic (same file system). Dropping an uncommitted `AtomicOutput` removes the temporary file.
public final class AtomicOutput: @unchecked Sendable {
    // @unchecked: the state is only touched by the one owner that writes the file, then by commit/deinit.
    public let finalURL: URL
    public let temporaryURL: URL
    private var committed = false

    /// Prepares a temporary path for `finalURL`, creating the parent directory if needed.
    /// - Throws: `CocoaError` when the directory cannot be created.
    public init(finalURL: URL) throws {
        self.finalURL = finalURL
        let directory = finalURL.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let token = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let ext = finalURL.pathExtension
        // Keep the extension last so libraries that pick a format from the name still see it.
        let base = ".\(finalURL.deletingPathExtension().lastPathComponent).tandem-tmp-\(token)"
        temporaryURL = directory.appendingPathComponent(ext.isEmpty ? base : "\(base).\(ext)")
    }

    /// Renames the temporary file over the final path (atomic on one file system).
    public func commit() throws {
        guard !committed else { return }
        if rename(temporaryURL.path, finalURL.path) != 0 {
            throw CocoaError(.fileWriteUnknown, userInfo: [
                NSFilePathErrorKey: finalURL.path,
                NSLocalizedDescriptionKey: "cannot rename \(temporaryURL.path) to \(finalURL.path): \(String(cString: strerror(errno)))",
            ])
        }
        committed = true
    }

    /// Removes the temporary file without committing.
    public func discard() {
        if !committed { try? FileManager.default.removeItem(at: temporaryURL) }
        committed = true
    }

    /// Writes `data` to the temporary path and commits it.
    public static func write(_ data: Data, to url: URL) throws {
        let output = try AtomicOutput(finalURL: url)
        try data.write(to: output.temporaryURL)
        try output.commit()
    }

    deinit { if !committed { try? FileManager.default.removeItem(at: temporaryURL) } }
}
