import Foundation
import Testing
import TandemCore

/// `tandem separate` and `tandem frames` are front ends to their bundled pipelines run through the batch
/// runner: the pipeline's outputs and a manifest, their flags as parameters, failures per input.
@Suite struct JobCommandTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-jobs-\(UUID().uuidString)")

    func run(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        try CLIBatchTests.runCapturing(arguments)
    }

    func records(_ out: URL) -> [ManifestRecord] {
        Manifest.read(out.appendingPathComponent("manifest.jsonl")).sorted { $0.relpath < $1.relpath }
    }

    @Test func framesWritesThePipelinesImagesWithTheFlagsAsParameters() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let clip = root.appendingPathComponent("in/clip.mp4")
        try MediaSamples.video(clip, frames: 20, fps: 10, width: 64, height: 48)
        let out = root.appendingPathComponent("out")
        let result = try run(["frames", clip.path, "--sampling", "uniform:3", "--size", "32x24", "--format", "jpg",
                              "--out", out.path, "--progress", "none"])
        #expect(result.status == 0, "\(result.errors)")
        let folder = out.appendingPathComponent("frames/clip")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names == ["contact_sheet.png", "frame_000000.jpg", "frame_000001.jpg", "frame_000002.jpg"], "\(names)")
        #expect(records(out).map(\.status) == [.ok])
        // fps:R is the pipeline's own per-second choice: 2 s of video at 1 fps.
        let again = try run(["frames", clip.path, "--sampling", "fps:1", "--out", root.appendingPathComponent("fps").path, "--progress", "none"])
        #expect(again.status == 0, "\(again.errors)")
        let kept = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("fps/frames/clip").path)
        #expect(kept.filter { $0.hasPrefix("frame_") }.count == 2, "\(kept)")
    }

    @Test func framesRefusesBadGrammarsAndRecordsFailedFiles() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("out")
        let sampling = try run(["frames", "x.mp4", "--sampling", "every:2", "--out", out.path])
        #expect(sampling.status == 2 && sampling.errors.contains("every:2"), "\(sampling.errors)")
        let size = try run(["frames", "x.mp4", "--size", "12y4", "--out", out.path])
        #expect(size.status == 2 && size.errors.contains("12y4"), "\(size.errors)")
        // A file that is not a video fails in the manifest; the batch goes on and exits 1.
        let bad = root.appendingPathComponent("in/bad.mp4"), good = root.appendingPathComponent("in/good.mp4")
        try FileManager.default.createDirectory(at: bad.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("not a video".utf8).write(to: bad)
        try MediaSamples.video(good, frames: 5)
        let batch = try run(["frames", root.appendingPathComponent("in").path, "--sampling", "all", "--out", out.path, "--progress", "none"])
        #expect(batch.status == 1, "\(batch.errors)")
        #expect(records(out).map(\.status) == [.failed, .ok])
    }

    @Test func separateRunsTheSeparationPipeline() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let tone = root.appendingPathComponent("in/tone.wav"), silent = root.appendingPathComponent("in/picture.mp4")
        try MediaSamples.tone(tone, seconds: 2, rate: 22_050)
        try MediaSamples.video(silent, frames: 10)
        let out = root.appendingPathComponent("out")
        // The tuning flags reach the pipeline's parameters (an unknown one would stop validation with exit 2).
        let result = try run(["separate", tone.path, silent.path, "--out", out.path, "--sources", "2", "--iterations", "5",
                              "--drop-margin", "0.01", "--keep-evidence", "2", "--bystander-periodicity", "2", "--progress", "none"])
        // The picture without sound fails with the reason; the tone is split by timbre alone.
        #expect(result.status == 1, "\(result.errors)")
        let records = records(out)
        #expect(records.map(\.relpath) == ["picture.mp4", "tone.wav"])
        #expect(records.map(\.status) == [.failed, .ok])
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("separated/tone/summary.json"))) as? [String: Any]
        #expect(summary?["sample_rate"] as? Int == 22_050, "\(String(describing: summary))")
        #expect(summary?["notes"] is [String])
        let files = (summary?["sources"] as? [[String: Any]] ?? []).compactMap { $0["file"] as? String }
        #expect(!files.isEmpty && files.allSatisfy { FileManager.default.fileExists(atPath: out.appendingPathComponent("separated/tone/\($0)").path) })
        // A flag the pipeline refuses is a usage error: exit 2, nothing run.
        let refused = try run(["separate", tone.path, "--out", root.appendingPathComponent("refused").path, "--sources", "many"])
        #expect(refused.status == 2, "\(refused.errors)")
    }

    /// The separation's products run on OpenBLAS without its pool (the factorisations cut them in two on their own
    /// threads), so its samples do not depend on how many threads OpenBLAS would start: it gives a product slightly
    /// different bits on one thread and on two.
    @Test func separateGivesTheSameSamplesWhateverOpenBLASsThreadCount() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let tone = root.appendingPathComponent("in/tone.wav")
        try MediaSamples.tone(tone, seconds: 2, rate: 22_050)
        var files: [[String: Data]] = []
        for threads in ["1", "2"] {
            let out = root.appendingPathComponent("out\(threads)")
            let result = try CLIBatchTests.runCapturing(["separate", tone.path, "--out", out.path, "--sources", "2", "--iterations", "5",
                                                         "--progress", "none"], environment: ["OPENBLAS_NUM_THREADS": threads])
            #expect(result.status == 0, "\(result.errors)")
            let folder = out.appendingPathComponent("separated/tone")
            let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            files.append(try Dictionary(uniqueKeysWithValues: names.map { ($0, try Data(contentsOf: folder.appendingPathComponent($0))) }))
        }
        #expect(files[0].keys.contains("source0.wav"), "\(files[0].keys)")
        #expect(files[0] == files[1], "\(files[0].keys.filter { files[0][$0] != files[1][$0] })")
    }

    /// Boxes from the user: a malformed one stops validation (exit 2, nothing run); one that fits one
    /// input's picture but not another's fails that input only, naming it, and the batch goes on (exit 1).
    @Test func separateChecksTheRegionsPerInput() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let small = root.appendingPathComponent("in/small.mp4"), large = root.appendingPathComponent("in/large.mp4")
        try MediaSamples.video(small, frames: 20, width: 64, height: 48, tone: true)
        try MediaSamples.video(large, frames: 20, width: 128, height: 96, tone: true)
        let malformed = try run(["separate", small.path, "--region", "0,0,-5,10", "--out", root.appendingPathComponent("malformed").path])
        #expect(malformed.status == 2 && malformed.errors.contains("0,0,-5,10"), "\(malformed.errors)")
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("malformed/manifest.jsonl").path))

        let out = root.appendingPathComponent("out")
        let result = try run(["separate", root.appendingPathComponent("in").path, "--region", "0,0,60,48", "--region", "60,0,60,48",
                              "--iterations", "5", "--out", out.path, "--progress", "none"])
        #expect(result.status == 1, "\(result.errors)")
        let records = records(out)
        #expect(records.map(\.relpath) == ["large.mp4", "small.mp4"])
        #expect(records.map(\.status) == [.ok, .failed])
        let message = records.last?.error?.message ?? ""
        #expect(message.contains("small.mp4") && message.contains("region 60,0,60,48 lies outside the 64×48 frame"), "\(message)")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("separated/large/summary.json"))) as? [String: Any]
        let boxes = (summary?["sources"] as? [[String: Any]] ?? []).compactMap { $0["region"] as? [String: Int] }
        #expect(boxes.map { $0["x"] } == [0, 60], "\(String(describing: summary))")
    }
}
