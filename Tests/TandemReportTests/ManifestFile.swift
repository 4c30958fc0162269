import Foundation
import TandemCore

/// Writes a whole manifest at once: `Manifest.append` flushes each line to disk, which is right for a
/// batch but makes a 10,000-record fixture take minutes on a busy disk.
enum ManifestFile {
    static func write(_ records: [ManifestRecord], to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = Data()
        for record in records {
            data += try encoder.encode(record)
            data.append(UInt8(ascii: "\n"))
        }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }
}
