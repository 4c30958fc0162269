import Foundation
import Testing
import TandemCore
@testable import TandemReport

@Suite struct BatchRecordsTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-records-\(UUID().uuidString)")

    func record(_ name: String, _ status: ManifestRecord.Status, finished: Double?) -> ManifestRecord {
        ManifestRecord(path: "/in/\(name)", relpath: name, size: 1, mtime: 1, status: status, finished: finished)
    }

    @Test func newestRecordOfEachInputWinsAcrossShards() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        try ManifestFile.write([record("c", .ok, finished: 30), record("a", .failed, finished: 10)],
                               to: folder.appendingPathComponent("manifest.jsonl"))
        try ManifestFile.write([record("a", .ok, finished: 20)], to: folder.appendingPathComponent("manifest.shard-1-of-2.jsonl"))
        try ManifestFile.write([record("c", .failed, finished: 25), record("d", .skipped, finished: 5)],
                               to: folder.appendingPathComponent("manifest.shard-0-of-2.jsonl"))
        try Data("not a manifest\n".utf8).write(to: folder.appendingPathComponent("manifest.shard-x-of-2.jsonl"))
        let batch = try BatchRecords.read(outputDirectory: folder)
        #expect(batch.manifests.map(\.lastPathComponent) == ["manifest.jsonl", "manifest.shard-0-of-2.jsonl", "manifest.shard-1-of-2.jsonl"])
        // Sorted by path; a: the shard's later record; c: the main manifest's later record.
        #expect(batch.records.map(\.relpath) == ["a", "c", "d"])
        #expect(batch.records.map(\.status) == [.ok, .ok, .skipped])
    }

    @Test func aFolderWithoutManifestIsAClearError() {
        let error = #expect(throws: ReportError.self) {
            try BatchRecords.read(outputDirectory: folder.appendingPathComponent("no-such-folder"))
        }
        #expect(error?.code == .noManifest)
        #expect(error?.description.contains("no-such-folder") == true)
    }
}
