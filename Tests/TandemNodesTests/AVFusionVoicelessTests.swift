import Foundation
import Testing
import TandemCore
import TandemMedia
@testable import TandemNodes

/// `av-fusion` with `skip_voiceless` (the talking-head pipeline, gate on): the windows it sends to recognition leave
/// out long stretches where no voice could hold a word the gate keeps, and keep quiet voice the lips could lift.
@Suite(.serialized) struct AVFusionVoicelessTests {
    static let clip = Bundle.module.url(forResource: "Fixtures/whisper/clip1", withExtension: "wav")!

    func segments(_ box: PacketCollector.Box) -> [Segment] {
        box.packets.flatMap { (p: Packet) -> [Segment] in if case .segments(let s) = p { return s } else { return [] } }
    }

    func spans(_ list: [Segment]) -> [[Double]] {
        list.map { [($0.start * 100).rounded() / 100, ($0.end * 100).rounded() / 100] }
    }

    /// Runs av-fusion on `audio`, with voice probabilities and lips given when not nil (the whole-recording path), else
    /// with Silero VAD run as the audio arrives (the streaming path).
    func fuse(_ audio: AudioBuffer, voice: [Segment]? = nil, lips: [Segment]? = nil, skip: Bool)
        throws -> (windows: [Segment], speech: [Segment], notes: [String]) {
        var harness = GraphHarness()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        try harness.graph.add("audio", AudioSource(buffer: audio))
        try harness.add("fusion", "av-fusion", ["skip_voiceless": .bool(skip), "voice_hop": .int(512)])
        try harness.connect("audio.audio", to: "fusion.audio")
        if let voice {
            try harness.graph.add("voice", SegmentSource(segments: voice))
            try harness.connect("voice.segments", to: "fusion.voice")
        }
        if let lips {
            try harness.graph.add("lips", SegmentSource(segments: lips))
            try harness.connect("lips.segments", to: "fusion.lips")
        }
        let windows = try harness.collect("c-windows", from: "fusion.windows")
        let speech = try harness.collect("c-speech", from: "fusion.speech")
        let notes = try harness.collect("c-notes", from: "fusion.notes")
        let input = harness.root.appendingPathComponent("in.wav")
        try FileManager.default.createDirectory(at: harness.root, withIntermediateDirectories: true)
        try Data().write(to: input)
        _ = try harness.run(on: input)
        return (segments(windows), segments(speech), segments(notes).map(\.label))
    }

    static func noise(seconds: Double, amplitude: Float, seed: UInt64 = 11) -> [Float] {
        var generator = SplitMix64(seed: seed)
        return (0..<Int(seconds * 16_000)).map { _ in Float.random(in: -amplitude...amplitude, using: &generator) }
    }

    static func buffer(_ samples: [Float]) -> AudioBuffer {
        AudioBuffer(sampleRate: 16_000, channelLayout: "mono", firstSample: 0, channels: [SharedArray(samples)])
    }

    /// 40 s of noise with a quiet voice at 20–22 s that the detector is unsure of (0.3) and the lips move with: the lips
    /// lift it to speech, so its window is still sent, with a second on either side; the 19 s of noise before it and
    /// the 17 s after it are not. Without `skip_voiceless` the whole recording is.
    @Test func noiseIsNotSentButAQuietVoiceTheLipsLiftIs() throws {
        var samples = Self.noise(seconds: 40, amplitude: 0.01)
        for i in (20 * 16_000)..<(22 * 16_000) { samples[i] += 0.03 * sin(2 * .pi * 200 * Float(i) / 16_000) }
        let voice = [Segment(start: 0, end: 20, label: "voice", score: 0.05), Segment(start: 20, end: 22, label: "voice", score: 0.3),
                     Segment(start: 22, end: 40, label: "voice", score: 0.05)]
        let lips = [Segment(start: 19.9, end: 22.1, label: "face0", score: 0.9)]
        let skipped = try fuse(Self.buffer(samples), voice: voice, lips: lips, skip: true)
        #expect(spans(skipped.windows) == [[19, 23.02]], "\(skipped.windows)")
        #expect(skipped.speech.contains { $0.label == "face0" && $0.start < 20.1 && $0.end > 21.9 }, "\(skipped.speech)")
        #expect(skipped.notes.contains { $0.hasPrefix("36.0 s of 40.0 s without a voice") }, "\(skipped.notes)")

        let whole = try fuse(Self.buffer(samples), voice: voice, lips: lips, skip: false)
        #expect(spans(whole.windows) == [[0, 30], [30, 40]], "\(whole.windows)")
        #expect(whole.speech == skipped.speech)
        #expect(!whole.notes.contains { $0.contains("without a voice") })
    }

    /// As the audio arrives (Silero VAD in the node): 12 s of noise alone sends no window to decode; 15 s of noise before
    /// a spoken sentence sends the sentence with a second before it, not the noise.
    @Test func streamedNoiseIsNotSentAndTheSpeechAfterItIs() throws {
        let noise = try fuse(Self.buffer(Self.noise(seconds: 12, amplitude: 0.01)), skip: true)
        // Only the empty mark that tells whisper no window starts before the end.
        #expect(spans(noise.windows) == [[12, 12]], "\(noise.windows)")
        #expect(noise.notes.contains { $0.hasPrefix("12.0 s of 12.0 s without a voice") }, "\(noise.notes)")
        #expect(spans(try fuse(Self.buffer(Self.noise(seconds: 12, amplitude: 0.01)), skip: false).windows) == [[0, 12]])

        let sentence = try AudioReader(url: Self.clip).readAll()
        #expect(sentence.sampleRate == 16_000 && sentence.channelCount == 1)
        let samples = Self.noise(seconds: 15, amplitude: 0.001) + sentence.channels[0].array
        let spoken = try fuse(Self.buffer(samples), skip: true)
        let end = Double(samples.count) / 16_000
        #expect(!spoken.windows.isEmpty && spoken.windows[0].start > 13 && spoken.windows[0].start < 15.5, "\(spoken.windows)")
        #expect(abs((spoken.windows.last?.end ?? 0) - end) < 1e-6, "\(spoken.windows)")
        #expect(zip(spoken.windows, spoken.windows.dropFirst()).allSatisfy { $0.end == $1.start }, "\(spoken.windows)")
    }
}
