import Foundation
import Testing
import TandemCore
@testable import TandemAV

/// `LipSync` on made-in-test signals: a speech envelope of syllables, and mouth openings that follow it
/// (with the lips' lead), do not change (a nod moves the mouth box, not the opening), or move on a rhythm
/// of their own (chewing, mouthing something else).
struct LipSyncTests {
    static let hop = 512, rate = 16_000
    static let hopSeconds = Double(hop) / Double(rate)
    static let fps = 25.0

    /// Syllable centres inside `talk`, 0.16–0.32 s apart (3–6 a second), drawn from `seed`.
    static func syllables(in talk: [ClosedRange<Double>], seed: UInt64) -> [Double] {
        var generator = SplitMix64(seed: seed)
        var centres: [Double] = []
        for range in talk {
            var t = range.lowerBound + 0.1
            while t < range.upperBound - 0.1 {
                centres.append(t)
                t += 0.16 + 0.16 * Double(generator.next() >> 11) / Double(1 << 53)
            }
        }
        return centres
    }

    /// 0…1: a raised-cosine bump of half-width 0.09 s at each syllable centre.
    static func shape(_ t: Double, syllables: [Double]) -> Double {
        syllables.reduce(0) { peak, c in
            let d = abs(t - c)
            return max(peak, d < 0.09 ? 0.5 + 0.5 * cos(.pi * d / 0.09) : 0)
        }
    }

    /// Per-hop power: syllables at a level 30 dB above a floor of 1e-6, plus a little noise.
    static func power(seconds: Double, syllables: [Double], seed: UInt64 = 7) -> [Double] {
        var generator = SplitMix64(seed: seed)
        return (0..<Int(seconds / hopSeconds)).map { k in
            let t = (Double(k) + 0.5) * hopSeconds
            let jitter = 1 + 0.2 * Double(generator.next() >> 11) / Double(1 << 53)
            return 1e-6 * jitter + 1e-3 * pow(shape(t, syllables: syllables), 2)
        }
    }

    /// A mouth opening per frame: `value(t)` plus noise of 0.01 from `seed`.
    static func track(seconds: Double, seed: UInt64, _ value: (Double) -> Double) -> LipSync.Track {
        var generator = SplitMix64(seed: seed)
        let times = (0..<Int(seconds * fps)).map { Double($0) / fps }
        return LipSync.Track(times: times, opening: times.map { value($0) + 0.01 * (Double(generator.next() >> 11) / Double(1 << 53) - 0.5) })
    }

    static func envelope(_ power: [Double]) -> LipSync.Envelope {
        LipSync.Envelope(power: power, hopSeconds: hopSeconds, floor: -60, smoothing: 0.05)
    }

    static func seconds(_ segments: [Segment], label: String, within range: ClosedRange<Double>) -> Double {
        segments.filter { $0.label == label }.reduce(0) { $0 + max(0, min($1.end, range.upperBound) - max($1.start, range.lowerBound)) }
    }

    // An interview: off-camera questions at 1–4 s and 9–12 s, the face answers at 5–8 s and 13–16 s.
    static let questions: [ClosedRange<Double>] = [1...4, 9...12]
    static let answers: [ClosedRange<Double>] = [5...8, 13...16]

    @Test func lipsThatOpenWithTheSyllablesLeadingBy150msAreConfirmed() {
        let spoken = Self.syllables(in: Self.questions + Self.answers, seed: 1)
        let answerSyllables = spoken.filter { t in Self.answers.contains { $0.contains(t) } }
        // The face opens its mouth with its own answers' syllables, 150 ms before they sound.
        let face = Self.track(seconds: 18, seed: 2) { 0.3 + 0.5 * Self.shape($0 + 0.15, syllables: answerSyllables) }
        let lips = Self.answers.map { Segment(start: $0.lowerBound - 0.2, end: $0.upperBound + 0.2, label: "face0", score: 0.9) }
        let result = LipSync().confirmed(lips, tracks: ["face0": face], envelope: Self.envelope(Self.power(seconds: 18, syllables: spoken)))
        for answer in Self.answers {
            #expect(Self.seconds(result.kept, label: "face0", within: answer) >= 0.8 * 3, "\(answer): \(result.kept)")
        }
    }

    @Test func aNodMovesTheMouthButNotItsOpeningAndIsNotConfirmed() {
        let spoken = Self.syllables(in: Self.questions + Self.answers, seed: 3)
        let answerSyllables = spoken.filter { t in Self.answers.contains { $0.contains(t) } }
        let face = Self.track(seconds: 18, seed: 4) { 0.3 + 0.5 * Self.shape($0 + 0.15, syllables: answerSyllables) }
        // Lip activity saw as much motion during the questions (the listener nods) as during the answers.
        let lips = (Self.questions + Self.answers).map { Segment(start: $0.lowerBound - 0.2, end: $0.upperBound + 0.2, label: "face0", score: 0.9) }
        let result = LipSync().confirmed(lips, tracks: ["face0": face], envelope: Self.envelope(Self.power(seconds: 18, syllables: spoken)))
        for question in Self.questions {
            #expect(Self.seconds(result.kept, label: "face0", within: question) <= 0.2 * 3, "\(question): \(result.kept)")
        }
        #expect((result.dropped["face0"] ?? 0) >= 2 * 0.8 * 3.4, "\(result.dropped)")
    }

    /// The fusion's map of the answers with two faces whose lips both move throughout them.
    static func twoFaceMap(speaker: LipSync.Track, other: LipSync.Track, spoken: [Double]) -> SpeechMap {
        let lips = Self.answers.flatMap { range in
            ["face0", "face1"].map { Segment(start: range.lowerBound - 0.2, end: range.upperBound + 0.2, label: $0, score: 0.9) }
        }
        var fusion = SpeechFusion()
        fusion.configuration.lift = false
        let power = Self.power(seconds: 18, syllables: spoken)
        let voice = VoiceTrack(probabilities: power.indices.map { k in
            Self.answers.contains { $0.contains((Double(k) + 0.5) * Self.hopSeconds) } ? 0.95 : 0.02 }, hop: Self.hop)
        let levels = SpeechFusion.LevelMeter.Levels(hop: Self.hop, power: power, sampleCount: power.count * Self.hop)
        return fusion.map(levels: levels, sampleRate: Self.rate, voice: voice, lips: lips, openings: ["face0": speaker, "face1": other])
    }

    @Test func aChewingFaceBesideTheSpeakerDoesNotTakeItsWords() {
        let spoken = Self.syllables(in: Self.answers, seed: 5)
        let speaker = Self.track(seconds: 18, seed: 14) { 0.3 + 0.5 * Self.shape($0 + 0.15, syllables: spoken) }
        // Chewing at 1.7 Hz from start to end, opening as wide as speech: it moves during the speech, not with it.
        let chewing = Self.track(seconds: 18, seed: 6) { 0.3 + 0.25 * (1 - cos(2 * .pi * 1.7 * $0)) }
        let envelope = Self.envelope(Self.power(seconds: 18, syllables: spoken))
        let sync = LipSync()
        for answer in Self.answers {
            let a = answer.lowerBound, b = answer.upperBound
            #expect(sync.correlation(speaker, from: a, to: b, envelope: envelope) > sync.correlation(chewing, from: a, to: b, envelope: envelope) + 0.3)
        }
        let map = Self.twoFaceMap(speaker: speaker, other: chewing, spoken: spoken)
        for answer in Self.answers {
            #expect(Self.seconds(map.speech, label: "face0", within: answer) >= 0.9 * 3, "\(answer): \(map.speech)")
        }
    }

    @Test func withTwoFacesMouthingTheSynchronisedOneNamesTheSpeech() {
        // Both faces' mouths open and close through all the speech; face0's with the sound, face1's with a text of its own.
        let spoken = Self.syllables(in: Self.answers, seed: 8)
        let other = Self.syllables(in: Self.answers, seed: 9)
        let face0 = Self.track(seconds: 18, seed: 10) { 0.3 + 0.5 * Self.shape($0 + 0.15, syllables: spoken) }
        let face1 = Self.track(seconds: 18, seed: 11) { 0.3 + 0.5 * Self.shape($0 + 0.15, syllables: other) }
        let map = Self.twoFaceMap(speaker: face0, other: face1, spoken: spoken)
        for answer in Self.answers {
            #expect(Self.seconds(map.speech, label: "face0", within: answer) >= 0.9 * 3, "\(answer): \(map.speech)")
            let pieces = map.speakers.filter { $0.end > answer.lowerBound && $0.start < answer.upperBound }
            let best = { (face: String) in pieces.filter { $0.label == face }.map(\.score).max() ?? 0 }
            #expect(best("face0") > best("face1"), "\(pieces)")
        }
    }

    @Test func theFusionNamesAnOffCameraQuestionOffScreenDespiteANoddingListener() {
        let spoken = Self.syllables(in: Self.questions + Self.answers, seed: 12)
        let answerSyllables = spoken.filter { t in Self.answers.contains { $0.contains(t) } }
        let face = Self.track(seconds: 18, seed: 13) { 0.3 + 0.5 * Self.shape($0 + 0.15, syllables: answerSyllables) }
        let lips = (Self.questions + Self.answers).map { Segment(start: $0.lowerBound - 0.2, end: $0.upperBound + 0.2, label: "face0", score: 0.9) }
        let power = Self.power(seconds: 18, syllables: spoken)
        let talk = Self.questions + Self.answers
        let voice = VoiceTrack(probabilities: power.indices.map { k in
            talk.contains { $0.contains((Double(k) + 0.5) * Self.hopSeconds) } ? 0.95 : 0.02 }, hop: Self.hop)
        let levels = SpeechFusion.LevelMeter.Levels(hop: Self.hop, power: power, sampleCount: power.count * Self.hop)
        let withSync = SpeechFusion().map(levels: levels, sampleRate: Self.rate, voice: voice, lips: lips, openings: ["face0": face])
        for question in Self.questions {
            #expect(Self.seconds(withSync.speech, label: SpeechMap.offScreen, within: question) >= 0.8 * 3, "\(question): \(withSync.speech)")
        }
        for answer in Self.answers {
            #expect(Self.seconds(withSync.speech, label: "face0", within: answer) >= 0.8 * 3, "\(answer): \(withSync.speech)")
        }
        #expect(withSync.notes.contains { $0.hasPrefix("face0: lips moved for") && $0.contains("without opening and closing like speech") }, "\(withSync.notes)")
        // Without the openings, every lip stretch names its face: the listener is taken for the questions' speaker.
        let without = SpeechFusion().map(levels: levels, sampleRate: Self.rate, voice: voice, lips: lips)
        #expect(Self.seconds(without.speech, label: "face0", within: Self.questions[0]) >= 0.8 * 3, "\(without.speech)")
        #expect(without.speakers == lips)
    }
}
