import Foundation
import Testing
import TandemCore
@testable import TandemNodes

/// A batch's outputs do not depend on how many graphs ran at once: each graph computes with its own
/// width (`ComputeContext`), and the kernels give the same bits at every width.
@Suite struct BatchWidthTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs `Pipelines/transcribe.yaml` (Whisper tiny.en, the real embedded model) over `inputs` and
    /// returns every output file's bytes by relative path.
    func transcribe(_ inputs: [InputFile], jobs: Int, threads: Int, root: URL) throws -> [String: Data] {
        let pipeline = try Pipeline.load(contentsOf: Self.packageRoot.appendingPathComponent("Pipelines/transcribe.yaml"), catalog: .standard,
                                         overrides: [("model", Self.packageRoot.appendingPathComponent("Models/whisper-tiny.en").path)])
        var options = BatchOptions(outputDirectory: root.appendingPathComponent("out-\(jobs)-\(threads)"))
        options.jobs = jobs
        options.threadsPerGraph = threads
        let summary = try BatchRunner(pipeline: pipeline, catalog: .standard, options: options,
                                      progress: BatchProgress(mode: .none, statistics: false)).run(inputs)
        #expect(summary.ok == inputs.count, "\(summary.text)")
        var files: [String: Data] = [:]
        let base = options.outputDirectory.appendingPathComponent("transcripts")
        for name in try FileManager.default.subpathsOfDirectory(atPath: base.path).sorted() {
            var isDirectory: ObjCBool = false
            let url = base.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[name] = try Data(contentsOf: url)
            }
        }
        return files
    }

    @Test func twoJobsGiveTheBitsOfOneJobAlone() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-width-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let clip = Bundle.module.url(forResource: "Fixtures/whisper/clip1", withExtension: "wav")!
        try FileManager.default.createDirectory(at: root.appendingPathComponent("in"), withIntermediateDirectories: true)
        let inputs = try ["a.wav", "b.wav"].map { name in
            let url = root.appendingPathComponent("in/\(name)")
            try FileManager.default.copyItem(at: clip, to: url)
            return InputFile(url: url, relativePath: name)
        }
        // Alone: one graph at a time, two threads each; under --jobs 2 on two cores: one thread each, side by side.
        let alone = try transcribe(inputs, jobs: 1, threads: 2, root: root)
        let together = try transcribe(inputs, jobs: 2, threads: 1, root: root)
        #expect(alone.keys.sorted() == ["a.json", "a.notes.json", "a.srt", "a.txt", "a.vtt", "b.json", "b.notes.json", "b.srt", "b.txt", "b.vtt"])
        #expect(together == alone)
    }
}
