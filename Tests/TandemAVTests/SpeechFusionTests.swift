import Foundation
import Testing
import TandemCore
@testable import TandemAV

/// The fusion on scripted audio, voice probabilities and lip stretches: no model, no video.
struct SpeechFusionTests {
    static let rate = 16_000
    static let hop = 512

    /// `seconds` of audio: a 200 Hz tone of amplitude `speech` inside `talk` stretches, over white noise of amplitude `noise`.
    static func audio(seconds: Double, talk: [ClosedRange<Double>], speech: Float = 0.3, noise: Float = 0.01, seed: UInt64 = 1) -> [Float] {
        var generator = SplitMix64(seed: seed)
        var samples = [Float](repeating: 0, count: Int(seconds * Double(rate)))
        for i in samples.indices {
            let t = Double(i) / Double(rate)
            var voiced: Float = 0
            for range in talk where range.contains(t) { voiced = speech * Float(sin(2 * .pi * 200 * t)) }
            // Uniform in [-1, 1) from the top 24 bits, so the noise is the same on every platform.
            let uniform = Float(generator.next() >> 40) / Float(1 << 23) - 1
            samples[i] = voiced + noise * uniform
        }
        return samples
    }

    /// Voice probabilities: `high` inside `talk`, `low` elsewhere, one per hop.
    static func voice(seconds: Double, talk: [ClosedRange<Double>], high: Float = 0.95, low: Float = 0.02) -> VoiceTrack {
        let count = Int(seconds * Double(rate)) / hop + 1
        return VoiceTrack(probabilities: (0..<count).map { i in
            let t = (Double(i) + 0.5) * Double(hop) / Double(rate)
            return talk.contains { $0.contains(t) } ? high : low
        }, hop: hop)
    }

    @Test func offCameraQuestionIsKeptAndNamedOffScreen() {
        // An off-camera question 1–3 s (the face listens, mouth closed), then the face answers 5–8 s.
        let talk: [ClosedRange<Double>] = [1...3, 5...8]
        let samples = Self.audio(seconds: 10, talk: talk)
        let lips = [Segment(start: 4.8, end: 8.1, label: "face0", score: 0.8)]
        let map = SpeechFusion().map(samples, sampleRate: Self.rate, voice: Self.voice(seconds: 10, talk: talk), lips: lips)
        let question = map.speech.filter { $0.end > 1 && $0.start < 3 }
        let answer = map.speech.filter { $0.end > 5 && $0.start < 8 }
        #expect(question.count == 1 && question[0].label == SpeechMap.offScreen, "\(map.speech)")
        #expect(answer.count == 1 && answer[0].label == "face0", "\(map.speech)")
        #expect(abs(map.offScreenSeconds - 2.4) < 0.2, "\(map.offScreenSeconds)")
        #expect(map.notes.contains { $0.contains("off-screen") })
    }

    @Test func lipsWithoutAudibleSpeechVouchForNothing() {
        // A listener mouths along 2–6 s over noise only: no speech, however clearly the lips move.
        let samples = Self.audio(seconds: 8, talk: [])
        let lips = [Segment(start: 2, end: 6, label: "face0", score: 0.9)]
        let map = SpeechFusion().map(samples, sampleRate: Self.rate, voice: Self.voice(seconds: 8, talk: []), lips: lips)
        #expect(map.speech.isEmpty, "\(map.speech)")
    }

    @Test func backgroundAtTheNoiseFloorIsNotForegroundSpeech() {
        // Babble trips the detector everywhere (0.7), but its level is the floor; the foreground
        // speaker (3–5 s) stands 10 dB above it.
        let samples = Self.audio(seconds: 8, talk: [3...5], speech: 0.1, noise: 0.03)
        var voice = Self.voice(seconds: 8, talk: [3...5], high: 0.95, low: 0.7)
        // A stretch where both sound and picture are silent, so the floor is measured on the babble's level.
        for i in 0..<Int(1.0 * Double(Self.rate)) / Self.hop { voice.probabilities[i] = 0.05 }
        let map = SpeechFusion().map(samples, sampleRate: Self.rate, voice: voice, lips: [])
        #expect(map.speech.count == 1, "\(map.speech)")
        if let s = map.speech.first { #expect(s.start > 2.5 && s.start < 3.0 && s.end > 5.0 && s.end < 5.5, "\(s)") }
    }

    @Test func unsureAudioIsLiftedOnlyWhereLipsMove() {
        let samples = Self.audio(seconds: 8, talk: [2...4, 5...7], speech: 0.02, noise: 0.02)
        let voice = Self.voice(seconds: 8, talk: [2...4, 5...7], high: 0.35, low: 0.05)
        let lips = [Segment(start: 1.9, end: 4.1, label: "face0", score: 0.8)]
        let map = SpeechFusion().map(samples, sampleRate: Self.rate, voice: voice, lips: lips)
        #expect(map.speech.count == 1 && map.speech[0].label == "face0", "\(map.speech)")
        #expect(map.liftedSeconds > 1.5)
        var off = SpeechFusion.Configuration()
        off.lift = false
        #expect(SpeechFusion(configuration: off).map(samples, sampleRate: Self.rate, voice: voice, lips: lips).speech.isEmpty)
    }

    /// `seconds` of white noise of amplitude `noise` (scaled by `noiseGain` inside its ranges) plus a 200 Hz tone of
    /// each given amplitude inside its range.
    static func mix(seconds: Double, tones: [(ClosedRange<Double>, Float)], noise: Float, noiseGain: [(ClosedRange<Double>, Float)] = []) -> [Float] {
        var generator = SplitMix64(seed: 7)
        return (0..<Int(seconds * Double(rate))).map { i in
            let t = Double(i) / Double(rate)
            let tone = tones.first { $0.0.contains(t) }.map { $0.1 * Float(sin(2 * .pi * 200 * t)) } ?? 0
            let gain = noiseGain.first { $0.0.contains(t) }?.1 ?? 1
            return tone + gain * noise * (Float(generator.next() >> 40) / Float(1 << 23) - 1)
        }
    }

    /// Voice probabilities: each range's value inside it, `low` elsewhere.
    static func voice(seconds: Double, pieces: [(ClosedRange<Double>, Float)], low: Float = 0.02) -> VoiceTrack {
        VoiceTrack(probabilities: (0..<(Int(seconds * Double(rate)) / hop + 1)).map { i in
            let t = (Double(i) + 0.5) * Double(hop) / Double(rate)
            return pieces.first { $0.0.contains(t) }?.1 ?? low
        }, hop: hop)
    }

    /// The held-out failure in small: a clip at 10 dB SNR whose mouth moves in a pause where the noise is 0.8 dB
    /// louder and the detector unsure. Sure speech stands 10 dB above the floor, so a syllable of it is not 0.8 dB.
    @Test func aPauseOfNoiseWithMovingLipsIsNotLiftedInAClipAt10dB() {
        // Tone power 0.045 against uniform noise 0.116²/3 = 0.0045: 10 dB.
        let samples = Self.mix(seconds: 10, tones: [(2...4, 0.3)], noise: 0.116, noiseGain: [(5.5...7, 1.1)])
        let voice = Self.voice(seconds: 10, pieces: [(2...4, 0.95), (5.5...7, 0.35)])
        let lips = [Segment(start: 1.9, end: 4.1, label: "face0", score: 0.8), Segment(start: 5.3, end: 7.2, label: "face0", score: 0.8)]
        let map = SpeechFusion().map(samples, sampleRate: Self.rate, voice: voice, lips: lips)
        #expect(map.speech.count == 1 && map.speech[0].end < 4.5, "\(map.speech)")
        #expect(map.liftedSeconds == 0)
        #expect(map.notes.contains { $0.contains("median stands 10.") }, "\(map.notes)")
        // Without the sure speech's measure (the lift as it was: 0.5 dB above the floor), the pause was speech.
        var old = SpeechFusion.Configuration()
        old.liftBelowSpeech = 60
        let lifted = SpeechFusion(configuration: old).map(samples, sampleRate: Self.rate, voice: voice, lips: lips)
        #expect(lifted.speech.contains { $0.start < 6 && $0.end > 6.5 }, "\(lifted.speech)")
    }

    /// Under heavy noise (sure speech under 2 dB above the floor) a quiet sentence 0.7 dB above it, unsure to the
    /// detector, is still lifted where the lips move.
    @Test func quietSpeechUnderHeavyNoiseWithMovingLipsIsLifted() {
        // Tones of power 0.00245 (1.9 dB above the noise's 0.0045) and 0.0008 (0.7 dB).
        let samples = Self.mix(seconds: 10, tones: [(1...3, 0.07), (5...7, 0.04)], noise: 0.116)
        let voice = Self.voice(seconds: 10, pieces: [(1...3, 0.9), (5...7, 0.35)])
        let lips = [Segment(start: 0.9, end: 3.1, label: "face0", score: 0.8), Segment(start: 4.9, end: 7.1, label: "face0", score: 0.8)]
        let map = SpeechFusion().map(samples, sampleRate: Self.rate, voice: voice, lips: lips)
        #expect(map.speech.contains { $0.start < 5.2 && $0.end > 6.8 && $0.label == "face0" }, "\(map.speech)")
        #expect(map.liftedSeconds > 1.5, "\(map.liftedSeconds)")
        #expect(map.notes.contains { $0.hasPrefix("lips lifted unsure audio to speech at") }, "\(map.notes)")
    }

    @Test func twoFacesTakingTurnsAreNamedEach() {
        let talk: [ClosedRange<Double>] = [1...3, 3.6...6]
        let samples = Self.audio(seconds: 7, talk: talk)
        let lips = [Segment(start: 0.9, end: 3.1, label: "face0", score: 0.8), Segment(start: 3.5, end: 6.1, label: "face1", score: 0.8)]
        let map = SpeechFusion().map(samples, sampleRate: Self.rate, voice: Self.voice(seconds: 7, talk: talk), lips: lips)
        #expect(map.speech.map(\.label) == ["face0", "face1"], "\(map.speech)")
        let words = [TranscriptWord(word: " one", start: 1.5, end: 2.0, probability: 0.9),
                     TranscriptWord(word: " two", start: 4.0, end: 4.5, probability: 0.9)]
        let kept = SpeechFusion().keep([TranscriptSegment(start: 1.5, end: 4.5, text: " one two", averageLogProbability: -0.2, words: words)],
                                       map: map, lips: lips)
        #expect(kept.map(\.speaker) == ["face0", "face1"] && kept.map(\.text) == [" one", " two"], "\(kept)")
        #expect(kept.flatMap { $0.words ?? [] }.map(\.speaker) == ["face0", "face1"])
    }

    @Test func textOutsideSpeechOrRatedNoSpeechIsDropped() {
        let map = SpeechMap(speech: [Segment(start: 1, end: 3, label: SpeechMap.offScreen, score: 0.9)], quiet: [], noiseFloor: -60)
        let words = [TranscriptWord(word: " hello", start: 1.2, end: 1.6, probability: 0.9),
                     TranscriptWord(word: " thanks", start: 5.0, end: 5.4, probability: 0.5)]
        let segment = TranscriptSegment(start: 1.2, end: 5.4, text: " hello thanks", averageLogProbability: -0.3, words: words)
        let kept = SpeechFusion().keep([segment], map: map, lips: nil)
        #expect(kept.count == 1 && kept[0].text == " hello" && kept[0].speaker == SpeechMap.offScreen)
        let invented = TranscriptSegment(start: 1.2, end: 2, text: " hello", averageLogProbability: -1.4, noSpeechProbability: 0.8, words: [words[0]])
        #expect(SpeechFusion().keep([invented], map: map, lips: nil).isEmpty)
    }

    /// Whisper times the last word before a long pause as running on into the silence (" dog" 2.68–5.06 s
    /// where the voice ends at 3.4 s): its middle lies past the speech, so the middle rule drops it. With
    /// `minimumWordOverlap` a word reaching 0.1 s into speech is kept, clamped to the voice, while a word
    /// wholly in the silence still goes.
    @Test func aWordStretchedIntoThePauseIsKeptByItsOverlap() {
        let map = SpeechMap(speech: [Segment(start: 0, end: 3.6, label: "speech", score: 0.9)], quiet: [], noiseFloor: nil)
        let words = [TranscriptWord(word: " lazy", start: 2.42, end: 2.68, probability: 0.9),
                     TranscriptWord(word: " dog.", start: 2.68, end: 5.06, probability: 0.8),
                     TranscriptWord(word: " You", start: 6.0, end: 7.0, probability: 0.3)]
        let segment = TranscriptSegment(start: 2.42, end: 7, text: " lazy dog. You", averageLogProbability: -0.3, words: words)
        let middleOnly = SpeechFusion().keep([segment], map: map, lips: nil)
        #expect(middleOnly.flatMap { $0.words ?? [] }.map(\.word) == [" lazy"])
        var rules = SpeechFusion.TextRules()
        rules.minimumWordOverlap = 0.1
        let kept = SpeechFusion().keep([segment], map: map, lips: nil, rules: rules).flatMap { $0.words ?? [] }
        #expect(kept.map(\.word) == [" lazy", " dog."], "\(kept)")
        // Clamped to the voice: the stretch without the fusion's padding.
        #expect(kept.last.map { abs($0.end - (3.6 - SpeechFusion().configuration.padding)) < 1e-9 } == true, "\(kept)")
    }

    /// The mirror case at an utterance's onset, seen on recorded speech (a soft first syllable): Whisper starts
    /// the first word after a silence at the window's start (" Please" 0–1.82 s where the voice starts at
    /// 1.62 s), so its middle lies a second before the speech and the middle rule drops it; its overlap keeps it.
    @Test func aFirstWordStretchedBackIntoTheSilenceIsKeptByItsOverlap() {
        // The fusion's stretch: the voice (1.62–3.6 s) with its padding on both sides.
        let padding = SpeechFusion().configuration.padding
        let map = SpeechMap(speech: [Segment(start: 1.62 - padding, end: 3.6 + padding, label: "speech", score: 0.9)], quiet: [], noiseFloor: nil)
        let words = [TranscriptWord(word: " Please", start: 0, end: 1.82, probability: 0.9),
                     TranscriptWord(word: " try", start: 1.82, end: 2.12, probability: 0.9)]
        let segment = TranscriptSegment(start: 0, end: 2.12, text: " Please try", averageLogProbability: -0.3, words: words)
        #expect(SpeechFusion().keep([segment], map: map, lips: nil).flatMap { $0.words ?? [] }.map(\.word) == [" try"])
        var rules = SpeechFusion.TextRules()
        rules.minimumWordOverlap = 0.1
        let kept = SpeechFusion().keep([segment], map: map, lips: nil, rules: rules).flatMap { $0.words ?? [] }
        #expect(kept.map(\.word) == [" Please", " try"], "\(kept)")
        // Clamped to the voice: the stretch without the fusion's padding.
        #expect(kept.first.map { abs($0.start - 1.62) < 1e-9 } == true, "\(kept)")
    }

    /// Music's level moves, so its spread lifts the margin foreground speech must clear; speech at the
    /// background's level fails it. The detector's own speech is still mapped (`voiced`), apart from `speech`.
    @Test func voicedHoldsTheDetectorsSpeechTheLevelTestRejects() {
        let samples = Self.audio(seconds: 8, talk: [3...5], speech: 0.01, noise: 0.03)
        var voice = Self.voice(seconds: 8, talk: [3...5], high: 0.95, low: 0.05)
        for i in 0..<Int(1.0 * Double(Self.rate)) / Self.hop { voice.probabilities[i] = 0.05 }
        let map = SpeechFusion().map(samples, sampleRate: Self.rate, voice: voice, lips: [])
        #expect(map.speech.isEmpty, "\(map.speech)")
        #expect(map.voiced.count == 1, "\(map.voiced)")
        if let v = map.voiced.first {
            #expect(v.label == SpeechMap.voice && v.start > 2.5 && v.start < 3.0 && v.end > 5.0 && v.end < 5.5 && v.score > 0.7, "\(v)")
        }
        // Once started, the detector's voice goes on through a dip above threshold − hysteresis (Silero's rule),
        // and not through one below it.
        var dip = voice
        for i in Int(3.6 * Double(Self.rate)) / Self.hop..<Int(4.4 * Double(Self.rate)) / Self.hop { dip.probabilities[i] = 0.4 }
        #expect(SpeechFusion().map(samples, sampleRate: Self.rate, voice: dip, lips: []).voiced.count == 1)
        var strict = SpeechFusion.Configuration()
        strict.voicedHysteresis = 0
        #expect(SpeechFusion(configuration: strict).map(samples, sampleRate: Self.rate, voice: dip, lips: []).voiced.count == 2)
        // Without a detector the level alone says nothing about a voice under the floor.
        #expect(SpeechFusion().map(samples, sampleRate: Self.rate, voice: nil, lips: []).voiced.isEmpty)
    }

    /// Text on the detector's voice that the level test rejected stays only when Whisper is sure of it: a low
    /// no-speech probability and a high average log-probability. Unsure text there, and sure text where the
    /// detector hears nothing, go.
    @Test func sureTextOnTheDetectorsVoiceIsKeptAndUnsureTextDropped() {
        let map = SpeechMap(speech: [], quiet: [], noiseFloor: -30,
                            voiced: [Segment(start: 1, end: 3, label: SpeechMap.voice, score: 0.9)])
        let word = TranscriptWord(word: " hello", start: 1.4, end: 1.9, probability: 0.9)
        let rules = SpeechFusion.TextRules()
        func segment(noSpeech: Double, logProbability: Double, words: [TranscriptWord] = [word]) -> TranscriptSegment {
            TranscriptSegment(start: words[0].start, end: words[words.count - 1].end, text: words.map(\.word).joined(),
                              averageLogProbability: logProbability, noSpeechProbability: noSpeech, words: words)
        }
        let sure = segment(noSpeech: rules.sureNoSpeechProbability / 2, logProbability: rules.sureLogProbability / 2)
        let kept = SpeechFusion().keep([sure], map: map, lips: nil)
        #expect(kept.count == 1 && kept[0].text == " hello" && kept[0].speaker == SpeechMap.offScreen, "\(kept)")
        // Unsure by either signal: dropped.
        #expect(SpeechFusion().keep([segment(noSpeech: rules.sureNoSpeechProbability + 0.05, logProbability: -0.1)], map: map, lips: nil).isEmpty)
        #expect(SpeechFusion().keep([segment(noSpeech: 0.01, logProbability: rules.sureLogProbability - 0.1)], map: map, lips: nil).isEmpty)
        // Sure, but outside the detector's voice: dropped.
        let elsewhere = TranscriptWord(word: " there", start: 5.0, end: 5.4, probability: 0.9)
        #expect(SpeechFusion().keep([segment(noSpeech: 0.01, logProbability: -0.1, words: [elsewhere])], map: map, lips: nil).isEmpty)
        // The rule off: dropped.
        var off = rules
        off.sureNoSpeechProbability = 0
        #expect(SpeechFusion().keep([sure], map: map, lips: nil, rules: off).isEmpty)
        // A segment without words is kept when the voice covers it.
        var bare = sure
        bare.words = nil
        #expect(SpeechFusion().keep([bare], map: map, lips: nil).count == 1)
    }

    /// Whisper times the first word after a pause from the silence before it (held-out 0 dB clip: a misheard
    /// first word at 1.48–2.10 s where the voice began at 1.98 s). Kept words start no earlier than the voice
    /// (the stretch less the fusion's padding) and end no later; a speaker change inside the voice is no edge.
    @Test func keptWordsStayWithinTheVoice() {
        let map = SpeechMap(speech: [Segment(start: 1.8, end: 3.0, label: "face0", score: 0.9),
                                     Segment(start: 3.0, end: 4.2, label: SpeechMap.offScreen, score: 0.9)],
                            quiet: [], noiseFloor: -60)
        let words = [TranscriptWord(word: " early", start: 1.5, end: 2.1, probability: 0.7),
                     TranscriptWord(word: " across", start: 2.8, end: 3.3, probability: 0.9),
                     TranscriptWord(word: " late", start: 3.7, end: 4.3, probability: 0.9)]
        let segment = TranscriptSegment(start: 1.5, end: 4.3, text: " early across late", averageLogProbability: -0.3, words: words)
        let kept = SpeechFusion().keep([segment], map: map, lips: nil).flatMap { $0.words ?? [] }
        #expect(kept.map(\.word) == [" early", " across", " late"])
        #expect(abs(kept[0].start - 2.0) < 1e-9 && kept[0].end == 2.1, "\(kept)")
        #expect(kept[1].start == 2.8 && kept[1].end == 3.3, "\(kept)")
        #expect(kept[2].start == 3.7 && abs(kept[2].end - 4.0) < 1e-9, "\(kept)")
        // At the recording's start there was no padding to take off.
        let atStart = SpeechMap(speech: [Segment(start: 0, end: 1.2, label: SpeechMap.offScreen, score: 0.9)], quiet: [], noiseFloor: -60)
        let first = TranscriptSegment(start: 0, end: 0.5, text: " hi", averageLogProbability: -0.3,
                                      words: [TranscriptWord(word: " hi", start: 0, end: 0.5, probability: 0.9)])
        #expect(SpeechFusion().keep([first], map: atStart, lips: nil).first?.words?.first?.start == 0)
    }

    /// Under steady noise (10 dB) the detector's voice ran through the pause between two sentences while the
    /// foreground speech stopped and started with them (tuning clip `tune-real-talking-head-10-1`), and Whisper, sure
    /// of the text, timed the second sentence's first word "that" from the end of the first (3.82–6.06 s, spoken from
    /// 5.8 s). The word belongs to the foreground sentence it overlaps, and is timed by it, not by the detector's voice.
    @Test func aSureWordAcrossAPauseIsTimedByTheForegroundSpeechItOpens() {
        let padding = SpeechFusion().configuration.padding
        let map = SpeechMap(speech: [Segment(start: 1.62 - padding, end: 3.65 + padding, label: "face0", score: 0.97),
                                     Segment(start: 5.7 - padding, end: 8.83 + padding, label: "face0", score: 0.98)],
                            quiet: [], noiseFloor: -50, voiced: [Segment(start: 0, end: 12.4, label: SpeechMap.voice, score: 0.96)])
        let words = [TranscriptWord(word: " muted,", start: 3.04, end: 3.46, probability: 0.9),
                     TranscriptWord(word: " that", start: 3.82, end: 6.06, probability: 0.9),
                     TranscriptWord(word: " feature", start: 6.06, end: 6.52, probability: 0.9)]
        let segment = TranscriptSegment(start: 3.04, end: 6.52, text: " muted, that feature", averageLogProbability: -0.2,
                                        noSpeechProbability: 0.01, words: words)
        var rules = SpeechFusion.TextRules()
        rules.minimumWordOverlap = 0.1
        let kept = SpeechFusion().keep([segment], map: map, lips: nil, rules: rules).flatMap { $0.words ?? [] }
        #expect(kept.map(\.word) == [" muted,", " that", " feature"], "\(kept)")
        #expect(kept.count == 3 && abs(kept[1].start - 5.7) < 1e-9 && kept[1].end == 6.06, "\(kept)")
    }

    @Test func silentAudioAndMissingDetectorAreNoted() {
        let silent = [Float](repeating: 0, count: 3 * Self.rate)
        let map = SpeechFusion().map(silent, sampleRate: Self.rate, voice: nil, lips: nil)
        #expect(map.speech.isEmpty && map.notes.contains { $0.contains("silent") })
        let talk: [ClosedRange<Double>] = [1...2]
        let levelOnly = SpeechFusion().map(Self.audio(seconds: 3, talk: talk), sampleRate: Self.rate, voice: nil, lips: nil)
        #expect(levelOnly.speech.count == 1 && levelOnly.speech[0].label == SpeechMap.offScreen, "\(levelOnly.speech)")
        #expect(levelOnly.notes.contains { $0.contains("no audio voice activity") } && levelOnly.notes.contains { $0.contains("no readable face") })
    }

    @Test func windowsAreCutWhereNobodySpeaks() {
        let map = SpeechMap(speech: [Segment(start: 1, end: 12, label: "a"), Segment(start: 13, end: 29, label: "a"),
                                     Segment(start: 31, end: 40, label: "a"), Segment(start: 50, end: 52, label: "a")],
                            quiet: [], noiseFloor: nil)
        // 12–13 s is joined (its pause is under a second once padded), 29–31 s is not; with a 20 s limit
        // the first region is cut in the middle of its pause.
        let speechOnly = SpeechFusion.windows(for: map, duration: 60, listening: .speech, limit: 20)
        #expect(speechOnly.map(\.start) == [0.6, 12.5, 30.6, 49.6], "\(speechOnly)")
        #expect(speechOnly.map(\.end) == [12.5, 29.4, 40.4, 52.4], "\(speechOnly)")
        let all = SpeechFusion.windows(for: map, duration: 60, listening: .everything)
        #expect(all.first?.start == 0 && all.last?.end == 60 && all.allSatisfy { $0.end - $0.start <= 30 })
        #expect(all.map(\.end).dropLast().allSatisfy { cut in !map.speech.contains { $0.start < cut && cut < $0.end } })
        #expect(SpeechFusion.windows(for: SpeechMap(speech: [], quiet: [], noiseFloor: nil), duration: 60, listening: .speech).isEmpty)
    }
}
