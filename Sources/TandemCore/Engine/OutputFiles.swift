import Foundation

/// The outputs one input's graph writes: each is an `AtomicOutput` (a hidden temporary file), all
/// committed together when the graph completed and all discarded when it failed or was cancelled,
/// so outputs appear under their final names only for files that finished.
public final class OutputFiles: @unchecked Sendable {
    // @unchecked: `outputs` and `finalPaths` are guarded by `lock`; writer nodes on different threads create outputs.
    public let directory: URL
    public let input: InputFile?
    private let lock = NSLock()
    private var outputs: [AtomicOutput] = []
    private var finalPaths: Set<String> = []
    /// Hidden temporaries found in each output folder when this run first wrote there.
    private var staleTemporaries: [String: [String]] = [:]

    /// - Parameters:
    ///   - directory: the output folder every template is relative to.
    ///   - input: the input file the templates' placeholders come from (`nil` for graphs built in code).
    public init(directory: URL, input: InputFile?) {
        self.directory = directory
        self.input = input
    }

    /// Creates the temporary file for `template` resolved for this input.
    /// - Returns: the output; write to its `temporaryURL`.
    /// - Throws: `NodeError` with code `.outputFailed` when two writers resolve to the same path or
    ///   the folder cannot be created.
    public func create(_ template: PathTemplate, nodeID: String, index: Int = 0) throws -> AtomicOutput {
        let relative = template.resolve(input: input ?? InputFile(url: directory, relativePath: "output"), nodeID: nodeID, index: index)
        let url = directory.appendingPathComponent(relative)
        let added = lock.withLock { finalPaths.insert(relative).inserted }
        guard added else {
            throw NodeError(code: .outputFailed, message: "two outputs of this file resolve to '\(relative)'; add {index} or {id} to the template")
        }
        do {
            removeStaleTemporaries(of: url)
            let output = try AtomicOutput(finalURL: url)
            lock.withLock { outputs.append(output) }
            return output
        } catch {
            throw NodeError(code: .outputFailed, message: "cannot create \(url.path): \(error.localizedDescription)", underlying: error)
        }
    }

    /// Removes temporaries a killed earlier run left for this same final file (`.name.tandem-tmp-…`,
    /// and `..name.tandem-tmp-…` from writers that stage their own temporary inside ours).
    ///
    /// Only names derived from this final name are touched, so other inputs writing into the same
    /// folder at the same time keep theirs. Each folder is listed once per run.
    private func removeStaleTemporaries(of url: URL) {
        let directory = url.deletingLastPathComponent().path
        let names = lock.withLock { () -> [String] in
            if let cached = staleTemporaries[directory] { return cached }
            let found = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.contains(".tandem-tmp-") }
            staleTemporaries[directory] = found
            return found
        }
        guard !names.isEmpty else { return }
        let stem = url.deletingPathExtension().lastPathComponent
        for name in names where name.hasPrefix(".\(stem).tandem-tmp-") || name.hasPrefix("..\(stem).tandem-tmp-") {
            try? FileManager.default.removeItem(atPath: directory + "/" + name)
        }
    }

    /// Renames every output into place.
    /// - Returns: the final paths, relative to `directory`, sorted.
    /// - Throws: `NodeError` `.outputFailed`; the remaining temporaries are then discarded.
    public func commitAll() throws -> [String] {
        let all = lock.withLock { outputs }
        do {
            for output in all where FileManager.default.fileExists(atPath: output.temporaryURL.path) {
                try output.commit()
            }
        } catch {
            discardAll()
            throw NodeError(code: .outputFailed, message: "\(error.localizedDescription)", underlying: error)
        }
        let base = directory.standardizedFileURL.path
        return all.filter { FileManager.default.fileExists(atPath: $0.finalURL.path) }
            .map { String($0.finalURL.standardizedFileURL.path.dropFirst(base.count + 1)) }
            .sorted()
    }

    /// Removes every uncommitted temporary file.
    public func discardAll() {
        for output in lock.withLock({ outputs }) { output.discard() }
    }
}
