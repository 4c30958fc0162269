import Foundation
import Testing
import TandemCore
@testable import TandemAV

/// The fusion's streaming pieces (`LevelMeter`, `WindowCutter`) against the whole-recording fusion.
struct SpeechFusionStreamingTests {
    static let rate = 16_000, hop = 512

    /// `seconds` of audio: a 200 Hz tone inside `talk` (seconds, rounded to whole hops so no hop is part
    /// tone), over a background of steady power (±`noise`, alternating), so the running floor is exact once
    /// half a second of quiet has been heard.
    static func audio(seconds: Double, talk: [ClosedRange<Double>], noise: Float = 0.003) -> [Float] {
        let frames = talking(talk)
        return (0..<Int(seconds * Double(rate))).map { i in
            let voiced: Float = frames.contains { $0.contains(i / hop) } ? 0.3 * Float(sin(2 * .pi * 200 * Double(i) / Double(rate))) : 0
            return voiced + (i % 2 == 0 ? noise : -noise)
        }
    }

    static func talking(_ talk: [ClosedRange<Double>]) -> [Range<Int>] {
        talk.map { Int(($0.lowerBound * Double(rate) / Double(hop)).rounded())..<Int(($0.upperBound * Double(rate) / Double(hop)).rounded()) }
    }

    static func voice(_ count: Int, talk: [ClosedRange<Double>]) -> [Float] {
        let frames = talking(talk)
        return (0..<count).map { f in frames.contains { $0.contains(f) } ? 0.95 : 0.02 }
    }

    /// Sentences of 2–6 s with pauses of 0.15–1.2 s (some bridged, some not), after 2 s of quiet.
    static func script(seconds: Double) -> [ClosedRange<Double>] {
        var generator = SplitMix64(seed: 7)
        var talk: [ClosedRange<Double>] = []
        var t = 2.0
        while t < seconds - 3 {
            let length = 2 + Double(generator.next() % 400) / 100, pause = 0.15 + Double(generator.next() % 105) / 100
            talk.append(t...min(seconds, t + length))
            t += length + pause
        }
        return talk
    }

    /// Feeds `samples` in pieces of varying size; returns the windows with the seconds of audio fed when each came.
    static func streamed(_ samples: [Float], probabilities: [Float], limit: Double = 30) -> [(window: Segment, fedSeconds: Double)] {
        var meter = SpeechFusion.LevelMeter(hop: hop)
        var cutter = SpeechFusion.WindowCutter(hop: hop, sampleRate: rate, limit: limit)
        var result: [(Segment, Double)] = []
        var start = 0, fed = 0, step = 1
        while start < samples.count {
            let end = min(samples.count, start + 700 + (step * 4099) % 9000)
            let power = meter.append(samples[start..<end])
            let frames = fed..<(fed + power.count)
            result += cutter.append(power: power, probabilities: probabilities[frames]).map { ($0, Double(end) / Double(rate)) }
            fed += power.count
            start = end
            step += 1
        }
        let last = meter.partial.map { _ in probabilities[fed] } ?? 0
        result += cutter.finish(lastPower: meter.partial, lastProbability: last, sampleCount: samples.count)
            .map { ($0, Double(samples.count) / Double(rate)) }
        return result
    }

    @Test func levelsInPiecesAreTheLevelsOfTheWhole() {
        let samples = Self.audio(seconds: 3.3, talk: [1...2])
        var whole = SpeechFusion.LevelMeter(hop: Self.hop), pieces = SpeechFusion.LevelMeter(hop: Self.hop)
        whole.append(samples)
        var start = 0
        for size in [1, 511, 512, 513, 7000, 100_000] where start < samples.count {
            pieces.append(samples[start..<min(samples.count, start + size)])
            start += size
        }
        #expect(pieces.finished() == whole.finished())
        #expect(whole.finished().power.count == (samples.count + Self.hop - 1) / Self.hop)
        // The map from the levels is the map from the samples.
        let track = VoiceTrack(probabilities: Self.voice(samples.count / Self.hop + 1, talk: [1...2]), hop: Self.hop)
        let fusion = SpeechFusion()
        #expect(fusion.map(levels: pieces.finished(), sampleRate: Self.rate, voice: track, lips: nil)
                == fusion.map(samples, sampleRate: Self.rate, voice: track, lips: nil))
    }

    /// Once the running floor has converged (here after the first 2 s), the windows cut as the audio
    /// arrives are the whole-recording fusion's, each is sent long before the end, and none exceeds the limit.
    @Test func streamedWindowsAreTheWholeRecordingsOnceTheFloorHasConverged() {
        let seconds = 150.0
        let talk = Self.script(seconds: seconds)
        let samples = Self.audio(seconds: seconds, talk: talk)
        let probabilities = Self.voice(samples.count / Self.hop + 1, talk: talk)
        let map = SpeechFusion().map(samples, sampleRate: Self.rate, voice: VoiceTrack(probabilities: probabilities, hop: Self.hop), lips: nil)
        let whole = SpeechFusion.windows(for: map, duration: seconds, listening: .everything, limit: 30)
        let streamed = Self.streamed(samples, probabilities: probabilities)
        #expect(whole.count >= 5)
        #expect(streamed.map(\.window) == whole)
        #expect(streamed.allSatisfy { $0.window.end - $0.window.start <= 30 + 1e-9 })
        // Some cut fell in a pause rather than at the limit.
        #expect(whole.dropLast().contains { abs($0.end - $0.start - 30) > 0.01 })
        // Each window but the last is sent within two limits of audio past its end: nothing waits for the whole.
        for (window, fed) in streamed.dropLast() { #expect(fed <= window.end + 2 * 30 + 1, "window \(window) sent at \(fed) s") }
    }

    /// A long silence is not waited out past `maximumWait`: the window is cut at the limit, and memory
    /// (the frames held) stays bounded.
    @Test func aLongSilenceIsNotWaitedOut() {
        let seconds = 200.0
        let talk: [ClosedRange<Double>] = [2...20, 180...195]
        let samples = Self.audio(seconds: seconds, talk: talk)
        let probabilities = Self.voice(samples.count / Self.hop + 1, talk: talk)
        let streamed = Self.streamed(samples, probabilities: probabilities)
        #expect(streamed.allSatisfy { $0.window.end - $0.window.start <= 30 + 1e-9 })
        #expect(streamed.first.map { $0.fedSeconds < 100 } == true)
        #expect(streamed.last?.window.end == seconds)
        // Contiguous cover of the recording.
        for (a, b) in zip(streamed, streamed.dropFirst()) { #expect(a.window.end == b.window.start) }
    }

    /// A recording within one window gives that one window.
    @Test func aShortRecordingIsOneWindow() {
        let samples = Self.audio(seconds: 12, talk: [1...5, 6...11])
        let probabilities = Self.voice(samples.count / Self.hop + 1, talk: [1...5, 6...11])
        #expect(Self.streamed(samples, probabilities: probabilities).map(\.window) == [Segment(start: 0, end: 12, label: "window")])
    }
}
