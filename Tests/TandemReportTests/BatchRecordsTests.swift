import Foundation
import Testing
import TandemCore
@testable import TandemReport

@Suite struct BatchRecordsTests {
    func record(_ name: String, _ status: ManifestRecord.Status, finished: Double?) -> ManifestRecord {
        ManifestRecord(path: "/in/\(name)", relpath: name, size: 1, mtime: 1, status: status, finished: finished)
    }

    @Test func newestRecordOfEachInputWinsAcrossShards() {
        let main = [record("a", .failed, finished: 10), record("b", .ok, finished: nil), record("c", .ok, finished: 30)]
        let shard0 = [record("a", .ok, finished: 20), record("b", .failed, finished: nil)]
        let shard1 = [record("c", .failed, finished: 25), record("d", .skipped, finished: 5)]
        let merged = BatchRecords(merging: [main, shard0, shard1])
        #expect(merged.records.map(\.relpath) == ["a", "b", "c", "d"])
        // a: the shard's later time; b: no times, so the later line; c: the main manifest's later time.
        #expect(merged.records.map(\.status) == [.ok, .failed, .ok, .skipped])
    }

    @Test func recordsWithATimeAreNewerThanOldRecordsWithout() {
        let merged = BatchRecords(merging: [[record("a", .ok, finished: 1)], [record("a", .failed, finished: nil)]])
        #expect(merged.records.map(\.status) == [.ok])
    }

    @Test func shardManifestNames() {
        #expect(BatchRecords.isShardManifest("manifest.shard-0-of-4.jsonl"))
        #expect(BatchRecords.isShardManifest("manifest.shard-12-of-16.jsonl"))
        #expect(!BatchRecords.isShardManifest("manifest.jsonl"))
        #expect(!BatchRecords.isShardManifest("manifest.shard-a-of-4.jsonl"))
        #expect(!BatchRecords.isShardManifest("manifest.shard-1-of-4.jsonl.tmp"))
    }

    @Test func readsManifestAndShardsFromAFolder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-records-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Manifest(url: folder.appendingPathComponent("manifest.jsonl")).append(record("a", .failed, finished: 1))
        try Manifest(url: folder.appendingPathComponent("manifest.shard-1-of-2.jsonl")).append(record("a", .ok, finished: 2))
        try Manifest(url: folder.appendingPathComponent("manifest.shard-0-of-2.jsonl")).append(record("b", .ok, finished: 2))
        let batch = try BatchRecords.read(outputDirectory: folder)
        #expect(batch.manifests.map(\.lastPathComponent) == ["manifest.jsonl", "manifest.shard-0-of-2.jsonl", "manifest.shard-1-of-2.jsonl"])
        #expect(batch.records.map(\.status) == [.ok, .ok])
    }

    @Test func aFolderWithoutManifestIsAClearError() {
        let folder = FileManager.default.temporaryDirectory
        #expect(throws: ReportError.self) { try BatchRecords.read(outputDirectory: folder.appendingPathComponent("no-such-\(UUID().uuidString)")) }
    }
}
