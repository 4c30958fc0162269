import Foundation
import Testing
import TandemCore
import TandemMedia
import TandemModels
import TandemNN
@testable import TandemNodes

/// The `timesformer` node with the tiny random-weight checkpoint of the model tests (divided space-time,
/// 4 frames of 32², 5 labels) plus a preprocessor_config.json sized for it.
@Suite struct TimesformerNodeTests {
    static let checkpoint = Bundle.module.url(forResource: "Fixtures/timesformer-tiny", withExtension: nil)!
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func video(_ harness: GraphHarness, frames: Int = 12) throws -> URL {
        let url = harness.root.appendingPathComponent("in/clip.mp4")
        try MediaSamples.video(url, frames: frames, fps: 10, width: 64, height: 48)
        return url
    }

    @Test func oneClipGivesTheLibrarysEmbeddingAndLabels() throws {
        var harness = GraphHarness()
        let url = try video(harness)
        try harness.add("decode", "decode", ["sampling": .string("uniform"), "count": .int(4)])
        try harness.add("tsf", "timesformer", ["checkpoint": .string(Self.checkpoint.path), "top_k": .int(3)])
        try harness.connect("decode.video", to: "tsf.video")
        let embeddings = try harness.collect("e", from: "tsf.embedding")
        let labels = try harness.collect("l", from: "tsf.labels")
        _ = try harness.run(on: url)
        defer { try? FileManager.default.removeItem(at: harness.root) }

        let model = try TimesformerModel.load(directory: Self.checkpoint)
        let preprocessor = try TimesformerPreprocessor.load(directory: Self.checkpoint)
        let reader = try FrameReader(url: url, sampling: .uniform(count: 4))
        var frames: [VideoFrame] = []
        while let frame = try reader.next() { frames.append(frame) }
        let expected = model.predict(views: [try preprocessor.pixels(frames: frames)], topK: 3)

        guard case .tensor(let embedding)? = embeddings.packets.first, case .segments(let top)? = labels.packets.first else {
            Issue.record("expected one embedding and one label packet, got \(embeddings.packets.count) and \(labels.packets.count)")
            return
        }
        #expect(embeddings.packets.count == 1)
        #expect(embedding.shape == [64])
        #expect(embedding.data.array == expected.embedding.scalars)
        #expect(embedding.startSeconds == frames.first?.seconds)
        #expect(top.map(\.label) == expected.top.map(\.label))
        #expect(top.map { Float($0.score) } == expected.top.map(\.probability))
        #expect(top.count == 3)
    }

    @Test func perClipEmitsOneResultPerGroupOfFrames() throws {
        var harness = GraphHarness()
        let url = try video(harness, frames: 14)
        try harness.add("decode", "decode")
        try harness.add("tsf", "timesformer", ["checkpoint": .string(Self.checkpoint.path), "per_clip": .bool(true), "top_k": .int(0)])
        try harness.connect("decode.video", to: "tsf.video")
        let embeddings = try harness.collect("e", from: "tsf.embedding")
        let labels = try harness.collect("l", from: "tsf.labels")
        _ = try harness.run(on: url)
        defer { try? FileManager.default.removeItem(at: harness.root) }
        // 14 frames in clips of 4: three clips, the last two frames dropped.
        let starts = embeddings.packets.compactMap { if case .tensor(let t) = $0 { t.startSeconds } else { nil } }
        #expect(starts.count == 3)
        for (start, expected) in zip(starts, [0.0, 0.4, 0.8]) { #expect(abs(start - expected) < 1e-6) }
        #expect(labels.packets.isEmpty)
    }

    @Test func embedVideosPipelineWritesAnEmbeddingAndLabelsPerVideo() throws {
        let harness = GraphHarness()
        let url = try video(harness)
        let pipeline = try Pipeline.load(contentsOf: Self.packageRoot.appendingPathComponent("Pipelines/embed-videos.yaml"), catalog: .standard,
                                         overrides: [("checkpoint", Self.checkpoint.path), ("frames", "4")])
        let result = try GraphExecution(try pipeline.makeGraph(catalog: .standard), input: InputFile(url: url, relativePath: "clip.mp4"),
                                        outputDirectory: harness.root.appendingPathComponent("out")).run()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        #expect(result.outputs.sorted() == ["embeddings/clip.labels.json", "embeddings/clip.npy"])
        let tensor = try readNpy(harness.root.appendingPathComponent("out/embeddings/clip.npy"))
        #expect(tensor.shape == [1, 64])
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: harness.root.appendingPathComponent("out/embeddings/clip.labels.json")))
        let segments = ((json as? [String: Any])?["packets"] as? [[String: Any]])?.first?["segments"] as? [[String: Any]]
        #expect(segments?.count == 5)  // top 5 of the fixture's 5 classes
        let scores = segments?.compactMap { $0["score"] as? Double } ?? []
        #expect(scores == scores.sorted(by: >))
        #expect(abs(scores.reduce(0, +) - 1) < 1e-4)
    }

    @Test func aMissingCheckpointFailsValidationWithHowToGetOne() throws {
        let file = Self.packageRoot.appendingPathComponent("Pipelines/embed-videos.yaml")
        let unset = try #require(throws: PipelineValidationError.self) { try Pipeline.load(contentsOf: file, catalog: .standard) }
        #expect(unset.issues.count == 1)
        #expect(unset.issues.first?.message.contains("huggingface-cli download facebook/timesformer-base-finetuned-k400") == true)
        #expect(unset.issues.first?.line ?? 0 > 0)

        let missing = try #require(throws: PipelineValidationError.self) {
            try Pipeline.load(contentsOf: file, catalog: .standard, overrides: [("checkpoint", "/nonexistent/timesformer")])
        }
        #expect(missing.description.contains("/nonexistent/timesformer"))
        #expect(missing.description.contains("huggingface-cli download"))
    }

    /// `tandem run` stops before opening any input: exit status 2, the message, no manifest.
    @Test func tandemRunRefusesTheMissingCheckpointBeforeAnyInput() throws {
        let harness = GraphHarness()
        let url = try video(harness, frames: 2)
        defer { try? FileManager.default.removeItem(at: harness.root) }
        let out = harness.root.appendingPathComponent("out")
        let process = Process()
        process.executableURL = try CLIBatchTests.tandemBinary()
        process.arguments = ["run", Self.packageRoot.appendingPathComponent("Pipelines/embed-videos.yaml").path, url.path,
                             "--out", out.path, "--set", "checkpoint=missing-checkpoint-dir"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 2)
        #expect(message.contains("missing-checkpoint-dir"))
        #expect(message.contains("huggingface-cli download facebook/timesformer-base-finetuned-k400"))
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("manifest.jsonl").path))
    }
}
