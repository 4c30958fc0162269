#if canImport(Glibc)
import Foundation
import Testing
import TandemCore
import TandemReport

/// `tandem run` records what it ran (`run.json`); `tandem report` turns a folder into pages or says why not.
@Suite struct ReportCommandTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-report-cli-\(UUID().uuidString)")

    @Test func runRecordsThePipelineAndItsOverrides() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("out")
        #expect(try BrowserReportTests.tandem(["run", "Pipelines/audio.yaml", "Media/talking.mp4", "--out", out.path,
                                               "--set", "rate=8000", "--progress", "none", "--report"]) == 0)
        let runs = RunRecord.readAll(in: out)
        #expect(runs.problems.isEmpty)
        let run = try #require(runs.records.first)
        #expect(run.pipeline == "Pipelines/audio.yaml")
        #expect(run.pipelineText == (try String(contentsOf: BrowserReportTests.repository.appendingPathComponent("Pipelines/audio.yaml"), encoding: .utf8)))
        #expect(run.overrides == [RunRecord.Override(key: "rate", value: "8000")])
        #expect(run.parameters == ["rate": "8000", "channels": "1"])
        #expect(run.finished != nil && run.wallSeconds != nil)
        let records = Manifest.read(out.appendingPathComponent("manifest.jsonl"))
        #expect(records.count == 1 && records[0].finished != nil)
        let index = try String(contentsOf: out.appendingPathComponent("report/index.html"), encoding: .utf8)
        #expect(index.contains("<code>--set rate=8000</code>"))
    }

    @Test func runRecordFileNames() throws {
        #expect(RunRecord.fileName(for: nil) == "run.json")
        #expect(RunRecord.fileName(for: try Shard(index: 2, count: 4)) == "run.shard-2-of-4.json")
        #expect(RunRecord.isFileName("run.json") && RunRecord.isFileName("run.shard-2-of-4.json"))
        #expect(!RunRecord.isFileName("run.shard-x-of-4.json") && !RunRecord.isFileName("running.json"))
    }

    @Test func reportOfAFolderWithoutManifestIsAUsageError() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        #expect(try BrowserReportTests.tandem(["report", root.path]) == 2)
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("report").path))
    }
}
#endif
