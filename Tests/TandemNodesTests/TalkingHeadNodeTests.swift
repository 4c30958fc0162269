import Foundation
import Testing
import TandemCore
import TandemMedia
@testable import TandemNodes

/// The lip-assistance nodes through the graph: face-track → mouth-roi → lip-activity on a video of
/// the astronaut whose mouth moves for part of the clip; av-enhance → whisper → assign-speakers with
/// the embedded Whisper model; and the whole pipeline on bad inputs.
@Suite(.serialized) struct TalkingHeadNodeTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let model = packageRoot.appendingPathComponent("Models/whisper-tiny.en").path
    static let clip = Bundle.module.url(forResource: "Fixtures/whisper/clip1", withExtension: "wav")!
    static let reference = "The quick brown fox jumped over the lazy dog."

    /// 50 frames at 25 fps of the astronaut (scikit-image's photograph, 256×256 gray) with a dark
    /// mouth gap opening and closing at 5 Hz on frames 15–34, written as H.264.
    static func astronautVideo(_ url: URL) throws {
        let base = try Data(contentsOf: Bundle.module.url(forResource: "Fixtures/talking-head/astronaut_256x256", withExtension: "gray")!)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let writer = try VideoFileWriter(url: url, width: 256, height: 256, frameRate: Rational(25, 1), preset: "ultrafast")
        for i in 0..<50 {
            var gray = [UInt8](base)
            let open = (15..<35).contains(i) ? Int((3 + 3 * sin(2 * .pi * 5 * Double(i) / 25)).rounded()) : 0
            for y in 72..<(72 + open) { for x in 104..<122 { gray[y * 256 + x] = 20 } }
            let rgb = gray.flatMap { [$0, $0, $0] }
            try writer.write(VideoFrame(layout: .rgb24, width: 256, height: 256, stride: 768, bytes: SharedArray(rgb), pts: Int64(i),
                                        timeBase: Rational(1, 25), frameIndex: i, seconds: Double(i) / 25))
        }
        try writer.finish()
    }

    func segments(_ packets: [Packet]) -> [Segment] {
        packets.flatMap { (p: Packet) -> [Segment] in if case .segments(let s) = p { return s } else { return [] } }
    }

    func transcript(_ packets: [Packet]) -> [TranscriptSegment] {
        packets.flatMap { (p: Packet) -> [TranscriptSegment] in if case .transcript(let s) = p { return s } else { return [] } }
    }

    @Test func lipsGiveTheSpeakingStretchOfTheFace() throws {
        var harness = GraphHarness()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        let video = harness.root.appendingPathComponent("in/astronaut.mp4")
        try Self.astronautVideo(video)
        try harness.add("decode", "decode", ["layout": .string("gray8")])
        try harness.add("faces", "face-track", ["redetect_interval": .int(25), "confirmation_frames": .int(0)])
        try harness.add("mouths", "mouth-roi")
        try harness.add("lips", "lip-activity")
        try harness.connect("decode.video", to: "faces.video")
        try harness.connect("decode.video", to: "mouths.video")
        try harness.connect("faces.faces", to: "mouths.faces")
        try harness.connect("decode.video", to: "lips.video")
        try harness.connect("mouths.mouths", to: "lips.mouths")
        let faces = try harness.collect("c-faces", from: "faces.faces")
        let crops = try harness.collect("c-crops", from: "mouths.crops")
        let speech = try harness.collect("c-speech", from: "lips.speech")
        let visible = try harness.collect("c-visible", from: "lips.visible")
        _ = try harness.run(on: video)
        #expect(faces.packets.count == 50)
        #expect(crops.packets.allSatisfy { if case .tensor(let t) = $0 { t.shape == [1, 88, 88] } else { false } })
        #expect(!crops.packets.isEmpty)
        let spoken = segments(speech.packets).filter { $0.label == "face0" }
        #expect(spoken.count == 1, "\(segments(speech.packets))")
        if let s = spoken.first { #expect(s.start > 0.2 && s.start < 0.65 && s.end > 1.35 && s.end < 1.8, "\(s)") }
        let onScreen = segments(visible.packets)
        #expect(onScreen.count == 1 && onScreen.first?.start == 0 && (onScreen.first?.end ?? 0) > 1.9, "\(onScreen)")
    }

    /// av-enhance → whisper → assign-speakers on clip1 with given visual speech.
    func fuse(_ audio: AudioBuffer, speech: [Segment]?) throws -> (transcript: [TranscriptSegment], notes: [Segment]) {
        var harness = GraphHarness()
        try harness.graph.add("audio", AudioSource(buffer: audio))
        try harness.add("fusion", "av-enhance")
        try harness.add("whisper", "whisper", ["model": .string(Self.model), "beam_size": .int(1), "best_of": .int(1)])
        try harness.add("speakers", "assign-speakers")
        try harness.connect("audio.audio", to: "fusion.audio")
        if let speech {
            try harness.graph.add("lips", SegmentSource(segments: speech))
            try harness.connect("lips.segments", to: "fusion.speech")
            try harness.connect("lips.segments", to: "speakers.speech")
        }
        try harness.connect("fusion.audio", to: "whisper.audio")
        try harness.connect("fusion.windows", to: "whisper.segments")
        try harness.connect("whisper.transcript", to: "speakers.transcript")
        let text = try harness.collect("c-text", from: "speakers.transcript")
        let notes = try harness.collect("c-notes", from: "fusion.notes")
        _ = try harness.run(on: Self.clip)
        return (transcript(text.packets), segments(notes.packets))
    }

    @Test func theSpeakingFaceIsNamedAndNoiseOnlyStretchesGiveNoText() throws {
        let clip = try AudioReader(url: Self.clip).readAll()
        let duration = clip.durationSeconds
        let spoken = try fuse(clip, speech: [Segment(start: 0, end: duration, label: "face1", score: 0.9)])
        #expect(!spoken.transcript.isEmpty)
        #expect(spoken.transcript.allSatisfy { $0.speaker == "face1" })
        #expect(spoken.transcript.map(\.text).joined().lowercased().contains("lazy dog"))

        // A readable face that never speaks, over noise: nothing is decoded, nothing invented.
        var generator = SystemRandomNumberGenerator()
        let noise = (0..<32_000).map { _ in Float.random(in: -0.05...0.05, using: &generator) }
        let quiet = try fuse(AudioBuffer(sampleRate: 16_000, channelLayout: "mono", firstSample: 0, channels: [SharedArray(noise)]), speech: [])
        #expect(quiet.transcript.isEmpty)
        #expect(quiet.notes.contains { $0.label.contains("no visual speech") })
    }

    /// The pipeline on an audio-only file (falls back to plain recognition and says so) and on a
    /// video-only file (fails with a message).
    @Test func pipelineFallsBackOnAudioOnlyInput() throws {
        let harness = GraphHarness()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        let pipeline = try Pipeline.load(contentsOf: Self.packageRoot.appendingPathComponent("Pipelines/transcribe-talking-head.yaml"), catalog: .standard,
                                         overrides: [("model", Self.model), ("beam_size", "1")])
        func run(_ file: URL, as name: String) throws -> GraphExecution.Result {
            try GraphExecution(try pipeline.makeGraph(catalog: .standard), input: InputFile(url: file, relativePath: name),
                               outputDirectory: harness.root.appendingPathComponent("out")).run()
        }
        let result = try run(Self.clip, as: "clip1.wav")
        #expect(result.outputs.contains("talking-head/clip1.txt") && result.outputs.contains("talking-head/clip1.notes.json"))
        let out = harness.root.appendingPathComponent("out/talking-head")
        let text = try String(contentsOf: out.appendingPathComponent("clip1.txt"), encoding: .utf8)
        #expect(text.lowercased().contains("lazy dog"), "\(text)")
        let notes = try String(contentsOf: out.appendingPathComponent("clip1.notes.json"), encoding: .utf8)
        #expect(notes.contains("audio-only recognition"), "\(notes)")

        let video = harness.root.appendingPathComponent("in/video.mp4")
        try MediaSamples.video(video, frames: 5)
        #expect { try run(video, as: "video.mp4") } throws: { "\($0)".contains("no audio stream") }
    }
}
