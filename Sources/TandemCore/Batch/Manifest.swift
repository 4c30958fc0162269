import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `manifest.jsonl` of an output folder: one JSON line per input, appended as each input finishes.
///
/// Each record is written with one `write(2)` of the whole line to a descriptor opened with
/// `O_APPEND`, then `fsync`ed, so lines never interleave (several `--jobs`, several shards on one
/// shared folder) and a `kill -9` loses at most the inputs still in flight. A torn last line (a
/// crash inside `write`) is ignored when the manifest is read back.
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

    /// Every complete record of the manifest at `url`, in file order (empty when there is none).
    public static func read(_ url: URL) -> [ManifestRecord] {
        guard let data = try? Data(contentsOf: url) else { return [] }
        let decoder = JSONDecoder()
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? decoder.decode(ManifestRecord.self, from: Data($0)) }
    }
}
