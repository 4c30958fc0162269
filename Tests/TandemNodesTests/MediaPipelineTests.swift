import Foundation
import Testing
import TandemCore
import TandemMedia
@testable import TandemNodes

@Suite struct MediaPipelineTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-nodes-\(UUID().uuidString)")

    func runPipeline(_ yaml: String, on file: URL, relativePath: String) throws -> GraphExecution.Result {
        let pipeline = try Pipeline.load(yaml: yaml, file: "test.yaml", catalog: .standard)
        let graph = try pipeline.makeGraph(catalog: .standard)
        let input = InputFile(url: file, relativePath: relativePath)
        return try GraphExecution(graph, input: input, outputDirectory: root.appendingPathComponent("out")).run()
    }

    @Test func aTruncatedFileIsDecodedAndTheManifestSaysSo() throws {
        // A 4 s WAV cut to its first half: the header still states 4 s. The batch decodes what is
        // there (status ok, output written) and the manifest warns; the intact file gets no warning.
        let whole = root.appendingPathComponent("in/whole.wav"), cut = root.appendingPathComponent("in/cut.wav")
        try MediaSamples.tone(whole, seconds: 4, rate: 8_000)
        let bytes = try Data(contentsOf: whole)
        try bytes.prefix(bytes.count / 2).write(to: cut)
        let pipeline = try Pipeline.load(yaml: """
            version: 1
            nodes:
              - {id: decode, kind: decode}
              - {id: out, kind: write-audio, params: {path: "{stem}.wav"}, inputs: {audio: decode.audio}}
            """, file: "t.yaml", catalog: .standard)
        let out = root.appendingPathComponent("out")
        let inputs = try InputCollector(include: ["*.wav"]).collect([root.appendingPathComponent("in").path])
        let summary = try BatchRunner(pipeline: pipeline, catalog: .standard, options: BatchOptions(outputDirectory: out),
                                      progress: BatchProgress(mode: .none, statistics: false)).run(inputs)
        #expect(summary.ok == 2 && summary.warned == 1 && summary.text.contains("2 ok (1 with warnings)"), "\(summary.text)")
        let records = Manifest.read(out.appendingPathComponent("manifest.jsonl")).sorted { $0.relpath < $1.relpath }
        #expect(records.map(\.relpath) == ["cut.wav", "whole.wav"] && records.map(\.status) == [.ok, .ok])
        #expect(records.first?.outputs == ["cut.wav"])
        let warning = try #require(records.first?.warnings?.first)
        #expect(warning.hasPrefix("decode: the audio stream ends at 2.0 s of the 4.0 s"), "\(warning)")
        #expect(records.last?.warnings == nil)
        try? FileManager.default.removeItem(at: root)
    }

    /// An audio stream without a sample writes no file, and the record says so instead of a silent ok.
    @Test func audioWithoutSamplesIsWarnedNotWritten() throws {
        let empty = root.appendingPathComponent("in/empty.wav")
        try FileManager.default.createDirectory(at: empty.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AudioFileWriter.write(AudioBuffer(sampleRate: 8_000, channelLayout: "mono", firstSample: 0, channels: [SharedArray([Float]())]), to: empty)
        let result = try runPipeline("""
            version: 1
            nodes:
              - {id: decode, kind: decode}
              - {id: out, kind: write-audio, params: {path: "{stem}.flac"}, inputs: {audio: decode.audio}}
            """, on: empty, relativePath: "empty.wav")
        #expect(result.outputs.isEmpty)
        #expect(result.warnings == ["out: no audio samples arrived: empty.flac was not written"])
        try? FileManager.default.removeItem(at: root)
    }

    @Test func framesAreSampledAndWrittenWithAContactSheet() throws {
        let video = root.appendingPathComponent("in/clip.mp4")
        try MediaSamples.video(video, frames: 30, fps: 10)  // 3 s
        let result = try runPipeline("""
            version: 1
            nodes:
              - {id: decode, kind: decode}
              - {id: sample, kind: sample-frames, params: {fps: 2}, inputs: {video: decode.video}}
              - id: frames
                kind: write-frames
                params: {path: "{relpath}/f_{index}.png", contact_sheet: "{relpath}/sheet.jpg", columns: 3, tile_width: 32}
                inputs: {video: sample.video}
            """, on: video, relativePath: "clip.mp4")
        // Instants 0, 0.5, …, 2.5 s on a 3 s video (frames 0…2.9 s); 3 s is its end: six frames.
        #expect(result.outputs == ["clip/f_000000.png", "clip/f_000001.png", "clip/f_000002.png", "clip/f_000003.png",
                                   "clip/f_000004.png", "clip/f_000005.png", "clip/sheet.jpg"])
        // The sampling moved into the decoder (only the kept frames are converted): decode emits the
        // six frames and sample-frames passes them through.
        #expect(result.statistics.map(\.packetsOut) == [6, 6, 0])
        let sheet = try FrameReader(url: root.appendingPathComponent("out/clip/sheet.jpg")).next()
        // 3 columns of 32 px tiles with 2 px gaps; 2 rows of 24 px tiles.
        #expect(sheet?.width == 3 * 32 + 4 * 2)
        #expect(sheet?.height == 2 * 24 + 3 * 2)
        try? FileManager.default.removeItem(at: root)
    }

    @Test func audioIsResampledToMono16kAndWrittenAsFlac() throws {
        let wav = root.appendingPathComponent("in/tone.wav")
        try MediaSamples.tone(wav, seconds: 1.5)
        let result = try runPipeline("""
            version: 1
            nodes:
              - {id: decode, kind: decode, params: {sample_rate: 16000, channels: 1}}
              - {id: flac, kind: write-audio, params: {path: "{stem}.flac", sample_format: pcm16}, inputs: {audio: decode.audio}}
            """, on: wav, relativePath: "tone.wav")
        #expect(result.outputs == ["tone.flac"])
        let audio = try AudioReader(url: root.appendingPathComponent("out/tone.flac")).readAll()
        #expect(audio.sampleRate == 16_000)
        #expect(audio.channelCount == 1)
        #expect(abs(audio.frameCount - 24_000) <= 32)
        try? FileManager.default.removeItem(at: root)
    }

    @Test func tensorsAndJSONAreWritten() throws {
        let wav = root.appendingPathComponent("in/tone.wav")
        try MediaSamples.tone(wav, seconds: 0.5, rate: 8000)
        // Audio packets are not tensors: write-tensor must fail the file with a clear error.
        #expect(throws: NodeError.self) {
            _ = try runPipeline("""
                version: 1
                nodes:
                  - {id: decode, kind: decode}
                  - {id: t, kind: write-tensor, inputs: {in: decode.audio}}
                """, on: wav, relativePath: "tone.wav")
        }
        let result = try runPipeline("""
            version: 1
            nodes:
              - {id: decode, kind: decode, params: {chunk_frames: 1000}}
              - {id: j, kind: write-json, params: {path: "{stem}.json"}, inputs: {in: decode.audio}}
            """, on: wav, relativePath: "tone.wav")
        #expect(result.outputs == ["tone.json"])
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("out/tone.json"))) as? [String: Any]
        let packets = json?["packets"] as? [[String: Any]]
        #expect(packets?.count == 4)
        #expect(packets?.first?["sample_rate"] as? Int == 8000)
        #expect(packets?.last?["first_sample"] as? Int == 3000)
        try? FileManager.default.removeItem(at: root)
    }
}

/// Collects the frame indices it receives (the test reads them after the run).
final class IndexBox: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Int] = []
    func append(_ value: Int) { lock.withLock { storage.append(value) } }
    var values: [Int] { lock.withLock { storage } }
}

struct FrameIndexSink: Node {
    static let descriptor = NodeDescriptor(kind: "test-frame-indices", doc: "", inputs: [PortSpec("video", .video)])
    let box: IndexBox
    mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        if case .video(let frame) = packet { box.append(frame.frameIndex) }
    }
}

@Suite struct SampleFramesTests {
    @Test(arguments: [(23, 0.7), (23, 3.0), (23, 10.0), (23, 25.0), (20, 1.0), (20, 2.0)])
    func fpsSamplingInTheGraphMatchesTheMediaLayer(frames: Int, rate: Double) throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-sample-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let video = root.appendingPathComponent("clip.mp4")
        try MediaSamples.video(video, frames: frames, fps: 10)
        var expected: [Int] = []
        let reader = try FrameReader(url: video, sampling: .fps(rate))
        while let frame = try reader.next() { expected.append(frame.frameIndex) }

        let box = IndexBox()
        var graph = Graph()
        try graph.add("decode", try DecodeNode(parameters: NodeParameters([:], for: DecodeNode.descriptor)))
        try graph.add("sample", SampleFramesNode(parameters: NodeParameters(["fps": .double(rate)], for: SampleFramesNode.descriptor)))
        try graph.add("sink", FrameIndexSink(box: box))
        try graph.connect("decode", "video", to: "sample", "video")
        try graph.connect("sample", "video", to: "sink", "video")
        let result = try GraphExecution(graph, input: InputFile(url: video, relativePath: "clip.mp4"), outputDirectory: root).run()
        #expect(box.values == expected)
        // The decoder took the choice: it emitted only the kept frames.
        #expect(result.statistics.map(\.packetsOut) == [expected.count, expected.count, 0])

        // With a second consumer of the decoder's frames, sample-frames keeps its own choice: same frames.
        let kept = IndexBox(), all = IndexBox()
        var shared = Graph()
        try shared.add("decode", try DecodeNode(parameters: NodeParameters([:], for: DecodeNode.descriptor)))
        try shared.add("sample", SampleFramesNode(parameters: NodeParameters(["fps": .double(rate)], for: SampleFramesNode.descriptor)))
        try shared.add("sink", FrameIndexSink(box: kept))
        try shared.add("every", FrameIndexSink(box: all))
        try shared.connect("decode", "video", to: "sample", "video")
        try shared.connect("decode", "video", to: "every", "video")
        try shared.connect("sample", "video", to: "sink", "video")
        let sharedResult = try GraphExecution(shared, input: InputFile(url: video, relativePath: "clip.mp4"), outputDirectory: root).run()
        #expect(kept.values == expected)
        #expect(all.values == Array(0..<frames))
        #expect(sharedResult.statistics.map(\.packetsOut) == [frames, expected.count, 0, 0])
        // Only instants before the video's end (frames / 10 s): none past it.
        #expect(expected.count == (0..<1000).filter { Double($0) / rate < Double(frames) / 10 - 1e-9 }.count)
    }
}

@Suite struct FrameSelectionTests {
    /// Frame indices `sample-frames` with `parameters` passes, run with `decode` alone feeding it
    /// (the choice moves into the decoder) or beside a second consumer (it stays in sample-frames).
    func kept(_ parameters: [String: ParameterValue], video: URL, shared: Bool) throws -> (indices: [Int], decoded: Int) {
        let box = IndexBox()
        var graph = Graph()
        try graph.add("decode", try DecodeNode(parameters: NodeParameters(["resize": .string("exact"), "width": .int(16), "height": .int(16)],
                                                                        for: DecodeNode.descriptor)))
        try graph.add("sample", SampleFramesNode(parameters: NodeParameters(parameters, for: SampleFramesNode.descriptor)))
        try graph.add("sink", FrameIndexSink(box: box))
        try graph.connect("decode", "video", to: "sample", "video")
        try graph.connect("sample", "video", to: "sink", "video")
        if shared {
            try graph.add("other", FrameIndexSink(box: IndexBox()))
            try graph.connect("decode", "video", to: "other", "video")
        }
        let result = try GraphExecution(graph, input: InputFile(url: video, relativePath: "clip.mp4"),
                                        outputDirectory: video.deletingLastPathComponent()).run()
        return (box.values, result.statistics[0].packetsOut)
    }

    @Test func everyAndFirstMoveIntoTheDecoderWithTheSameFrames() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-selection-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let video = root.appendingPathComponent("clip.mp4")
        try MediaSamples.video(video, frames: 23, fps: 10)
        for (parameters, expected) in [(["mode": ParameterValue.string("every"), "n": .int(4)], [0, 4, 8, 12, 16, 20]),
                                       (["mode": .string("first"), "n": .int(5)], [0, 1, 2, 3, 4]),
                                       (["mode": .string("first"), "n": .int(50)], Array(0..<23))] {
            let moved = try kept(parameters, video: video, shared: false)
            let stayed = try kept(parameters, video: video, shared: true)
            #expect(moved.indices == expected && stayed.indices == expected, "\(parameters)")
            #expect(moved.decoded == expected.count && stayed.decoded == 23, "\(parameters)")
        }
    }

    @Test func aDecoderWithItsOwnSamplingKeepsTheChoiceDownstream() throws {
        var decode = try DecodeNode(parameters: NodeParameters(["sampling": .string("uniform"), "count": .int(5)], for: DecodeNode.descriptor))
        let ownSampling = decode.takeFrameSelection(.every(2), onOutput: "video")
        #expect(!ownSampling)
        var plain = try DecodeNode(parameters: NodeParameters([:], for: DecodeNode.descriptor))
        let audioOutput = plain.takeFrameSelection(.every(2), onOutput: "audio")
        let videoOutput = plain.takeFrameSelection(.every(2), onOutput: "video")
        let second = plain.takeFrameSelection(.first(3), onOutput: "video")
        #expect(!audioOutput && videoOutput && !second)  // video only, one choice only
    }
}
