import Foundation
import Testing
import TandemCore
@testable import TandemModels

@Suite struct DecodePlanTests {
    let speech = [Segment(start: 2, end: 5, label: "face0"), Segment(start: 12, end: 20, label: "face1"),
                  Segment(start: 31, end: 40, label: "face0")]

    @Test func gateKeepsTextOfVisualSpeechWhileTheWholeAudioIsHeard() {
        let plan = DecodePlan.make(speech: speech, duration: 50, options: LipAssistOptions(gate: true, enhance: false, segment: true))
        // Windows cut in the visual silence at 25.5 s, as without the gate; every sample is heard.
        #expect(plan.windows.map(\.start) == [0, 25.5] && plan.windows.map(\.end) == [25.5, 50])
        #expect(plan.windows.map(\.audible) == [[Segment(start: 0, end: 25.5, label: "all")], [Segment(start: 25.5, end: 50, label: "all")]])
        #expect(plan.windows.map { $0.keep.map(\.label) } == [["face0", "face1"], ["face0"]], "text comes from visual speech only")
    }

    @Test func gateAloneIsOnePassAndNoSpeechDecodesNothing() {
        let plan = DecodePlan.make(speech: speech, duration: 50, options: LipAssistOptions(gate: true, enhance: false, segment: false))
        #expect(plan.windows.count == 1 && plan.windows[0].start == 0 && plan.windows[0].end == 50)
        #expect(plan.windows[0].keep.count == 3)
        #expect(DecodePlan.make(speech: [], duration: 50, options: LipAssistOptions(gate: true, segment: false)).windows.isEmpty)
        #expect(DecodePlan.make(speech: [], duration: 50, options: LipAssistOptions(gate: true, segment: true)).windows.isEmpty)
    }

    @Test func segmentAloneCutsInsideSilences() {
        let plan = DecodePlan.make(speech: speech, duration: 50, options: LipAssistOptions(gate: false, enhance: false, segment: true))
        // Cuts at silence middles (8.5, 25.5); the first window ends at the last cut within 30 s.
        #expect(plan.windows.map(\.start) == [0, 25.5])
        #expect(plan.windows.last?.end == 50)
        for window in plan.windows {
            #expect(window.end - window.start <= 30)
            #expect(!speech.contains { $0.start < window.start && $0.end > window.start }, "no cut inside speech")
        }
    }

    @Test func longSpeechIsSplitAndAudioOnlyIsOnePass() {
        let long = DecodePlan.make(speech: [Segment(start: 0, end: 70)], duration: 70, options: LipAssistOptions())
        #expect(long.windows.map(\.start) == [0, 30, 60])
        #expect(DecodePlan.make(speech: speech, duration: 50, options: .audioOnly).windows == [
            DecodePlan.Window(start: 0, end: 50, keep: [Segment(start: 0, end: 50, label: "all")])])
    }

    @Test func silencesAreTheShrunkComplement() {
        let s = DecodePlan.silences(speech: speech, duration: 50, margin: 0.5)
        #expect(s.map(\.start) == [0.5, 5.5, 20.5, 40.5])
        #expect(s.map(\.end) == [1.5, 11.5, 30.5, 49.5])
    }
}

@Suite struct LipAssistedTranscriberTests {
    /// A recogniser that "hears" one word per second of audio wherever the audio is non-zero,
    /// the way a hallucinating model turns noise into text.
    static let scripted: LipAssistedTranscriber.Recognize = { samples in
        let rate = 100
        var out: [TranscriptSegment] = []
        for second in 0..<(samples.count / rate) {
            let chunk = samples[(second * rate)..<((second + 1) * rate)]
            if chunk.contains(where: { $0 != 0 }) {
                out.append(TranscriptSegment(start: Double(second), end: Double(second) + 1, text: "w\(second)"))
            }
        }
        return out
    }

    let noise: [Float] = (0..<1000).map { Float(sin(Double($0) * 1.7)) }   // 10 s at 100 Hz, never zero

    @Test func gateDropsTextOutsideVisualSpeech() throws {
        var options = LipAssistOptions(gate: true, enhance: false, segment: true)
        options.textTolerance = 0
        let t = LipAssistedTranscriber(sampleRate: 100, options: options, recognize: Self.scripted)
        let result = try t.transcribe(noise, speech: [Segment(start: 2, end: 4, label: "face0"), Segment(start: 7, end: 8, label: "face1")])
        #expect(result.segments.map(\.start) == [2, 3, 7])
        #expect(result.segments.map(\.speaker) == ["face0", "face0", "face1"])
        // With the default 1 s tolerance, w1 (middle 1.5 s) and w4 (4.5 s) stay too, clamped into speech.
        let tolerant = LipAssistedTranscriber(sampleRate: 100, options: LipAssistOptions(gate: true, enhance: false), recognize: Self.scripted)
        let kept = try tolerant.transcribe(noise, speech: [Segment(start: 2, end: 4, label: "face0"), Segment(start: 7, end: 8, label: "face1")])
        #expect(kept.segments.map(\.text) == ["w1", "w2", "w3", "w4", "w6", "w7", "w8"])
        #expect(kept.segments.allSatisfy { s in [(2.0, 4.0), (7.0, 8.0)].contains { s.start >= $0.0 && s.end <= $0.1 } })
        let ungated = LipAssistedTranscriber(sampleRate: 100, options: .audioOnly, recognize: Self.scripted)
        #expect(try ungated.transcribe(noise, speech: []).segments.count == 10)
    }

    @Test func gatedTimestampsStayInsideTheKeptSpeech() throws {
        // The recogniser claims one segment over 1.5–4.5 s of a clip whose visual speech is 2–4 s.
        let t = LipAssistedTranscriber(sampleRate: 100, options: LipAssistOptions(gate: true, enhance: false, segment: false)) { _ in
            [TranscriptSegment(start: 1.5, end: 4.5, text: "hello")]
        }
        let result = try t.transcribe(noise, speech: [Segment(start: 2, end: 4, label: "face0")])
        #expect(result.segments.map(\.start) == [2] && result.segments.map(\.end) == [4])
        // A last segment stretched to the end of the clip (middle 6 s) still covers 2 s of speech: kept.
        let stretched = LipAssistedTranscriber(sampleRate: 100, options: LipAssistOptions(gate: true, enhance: false)) { _ in
            [TranscriptSegment(start: 2, end: 10, text: "the words")]
        }
        let kept = try stretched.transcribe(noise, speech: [Segment(start: 2, end: 4, label: "face0")])
        #expect(kept.segments.map(\.text) == ["the words"] && kept.segments.map(\.end) == [4])
        // A start drifting 0.3 s back into the previous stretch does not pull the times there.
        let drifting = LipAssistedTranscriber(sampleRate: 100, options: LipAssistOptions(gate: true, enhance: false)) { _ in
            [TranscriptSegment(start: 3.7, end: 9, text: "second sentence")]
        }
        let second = try drifting.transcribe(noise, speech: [Segment(start: 2, end: 4, label: "face0"), Segment(start: 6, end: 8, label: "face0")])
        #expect(second.segments.map(\.start) == [6] && second.segments.map(\.end) == [8])
    }

    @Test func wordsAreGatedByTheirOwnTimes() throws {
        // One segment runs 2–9 s across a pause: "the birch canoe" is spoken at 2–4 s, "thank you" is
        // invented in the noise at 7.5–8.5 s, where no lips move.
        let words = [TranscriptWord(word: " The", start: 2.1, end: 2.4, probability: 0.9),
                     TranscriptWord(word: " birch", start: 2.4, end: 3.0, probability: 0.9),
                     TranscriptWord(word: " canoe.", start: 3.0, end: 4.3, probability: 0.9),   // middle 3.65 s
                     TranscriptWord(word: " Thank", start: 7.5, end: 8.0, probability: 0.3),
                     TranscriptWord(word: " you.", start: 8.0, end: 8.5, probability: 0.3)]
        let segment = TranscriptSegment(start: 2, end: 9, text: " The birch canoe. Thank you.", words: words)
        let speech = [Segment(start: 2, end: 4, label: "face0")]
        let kept = try #require(LipAssistedTranscriber.attribute(segment, keep: speech, speech: speech, wordTolerance: 0.5))
        #expect(kept.text == " The birch canoe.")
        #expect(kept.words?.map(\.word) == [" The", " birch", " canoe."])
        #expect(kept.start == 2.1 && kept.end == 4 && kept.speaker == "face0")
        #expect(kept.words?.allSatisfy { $0.start >= 2 && $0.end <= 4 } == true)
        // A word just past the tolerance goes; one just inside stays.
        let edge = TranscriptSegment(start: 4, end: 5, text: " well well", words: [
            TranscriptWord(word: " well", start: 4.2, end: 4.6, probability: 0.9),    // middle 4.4 s: 0.4 s out
            TranscriptWord(word: " well", start: 4.6, end: 5.0, probability: 0.9)])   // middle 4.8 s: 0.8 s out
        #expect(LipAssistedTranscriber.attribute(edge, keep: speech, speech: speech, wordTolerance: 0.5)?.text == " well")
        // No word near the lips: the segment goes, although its span covers 2 s of visual speech,
        // which keeps it when there are no word times.
        let invented = TranscriptSegment(start: 1, end: 9, text: " Thank you.", words: Array(words[3...]))
        #expect(LipAssistedTranscriber.attribute(invented, keep: speech, speech: speech) == nil)
        var wordless = invented
        wordless.words = nil
        #expect(LipAssistedTranscriber.attribute(wordless, keep: speech, speech: speech)?.text == " Thank you.")
        // Ungated, words are untouched.
        #expect(LipAssistedTranscriber.attribute(segment, keep: nil, speech: speech)?.text == segment.text)
    }

    @Test func wordsArePlacedInTheStretchNearestThem() throws {
        // One segment covers two sentences (lips at 2–4 s and 7–9 s). Whisper stretched "that," across
        // the pause (3.6–5.3 s, middle 4.45 s) and put "so" at 6.4–6.8 s, just before the second.
        let words = [TranscriptWord(word: " do", start: 3.2, end: 3.6, probability: 0.9),
                     TranscriptWord(word: " that,", start: 3.6, end: 5.3, probability: 0.9),
                     TranscriptWord(word: " so", start: 6.4, end: 6.8, probability: 0.9),
                     TranscriptWord(word: " then", start: 7.1, end: 7.5, probability: 0.9)]
        let segment = TranscriptSegment(start: 3.2, end: 7.5, text: " do that, so then", words: words)
        let speech = [Segment(start: 2, end: 4, label: "face0"), Segment(start: 7, end: 9, label: "face0")]
        let kept = try #require(LipAssistedTranscriber.attribute(segment, keep: speech, speech: speech, wordTolerance: 0.5))
        #expect(kept.text == segment.text)
        #expect(kept.words?.map(\.start) == [3.2, 3.6, 7, 7.1] && kept.words?.map(\.end) == [3.6, 4, 7, 7.5])
        #expect(kept.start == 3.2 && kept.end == 7.5)
    }

    @Test func transcribeGatesWordsWithTheWindowOffset() throws {
        // Windows of at most 6 s are cut in the visual silence (at 5 s); the recogniser's word times
        // are window-relative.
        var options = LipAssistOptions(gate: true, enhance: false)
        options.windowSeconds = 6
        let t = LipAssistedTranscriber(sampleRate: 100, options: options) { samples in
            let duration = Double(samples.count) / 100
            return [TranscriptSegment(start: 0, end: duration, text: " hi noise", words: [
                TranscriptWord(word: " hi", start: duration - 2.8, end: duration - 2.2, probability: 0.9),
                TranscriptWord(word: " noise", start: duration - 0.6, end: duration - 0.2, probability: 0.2)])]
        }
        let result = try t.transcribe(noise, speech: [Segment(start: 2, end: 3, label: "face0"), Segment(start: 7, end: 8, label: "face0")])
        // Window 0–5 s: "hi" at 2.2–2.8 s is kept, "noise" at 4.4–4.8 s is not; window 5–10 s: "hi" at
        // 7.2–7.8 s kept, "noise" at 9.4–9.8 s dropped.
        #expect(result.segments.map(\.text) == [" hi", " hi"])
        #expect(zip(result.segments.map(\.start), [2.2, 7.2]).allSatisfy { abs($0 - $1) < 1e-9 })
    }

    @Test func gatedTextWhisperRatesAsNoSpeechIsDropped() throws {
        var strict = LipAssistOptions(gate: true, enhance: false, segment: true)
        strict.gatedNoSpeechThreshold = 0.5
        let t = LipAssistedTranscriber(sampleRate: 100, options: strict) { _ in
            [TranscriptSegment(start: 2.5, end: 3.5, text: "thank you", averageLogProbability: -1.2, noSpeechProbability: 0.55)]
        }
        #expect(try t.transcribe(noise, speech: [Segment(start: 2, end: 4, label: "face0")]).segments.isEmpty)
        // Off by default: the lips vouch for speech there.
        let kept = LipAssistedTranscriber(sampleRate: 100, options: LipAssistOptions(gate: true, enhance: false, segment: true)) { _ in
            [TranscriptSegment(start: 2.5, end: 3.5, text: "thank you", averageLogProbability: -1.2, noSpeechProbability: 0.55)]
        }
        #expect(try kept.transcribe(noise, speech: [Segment(start: 2, end: 4, label: "face0")]).segments.map(\.text) == ["thank you"])
    }

    @Test func noSpeechMeansNoTextAndNoPictureMeansAudioOnly() throws {
        let t = LipAssistedTranscriber(sampleRate: 100, options: LipAssistOptions(gate: true, enhance: false), recognize: Self.scripted)
        #expect(try t.transcribe(noise, speech: []).segments.isEmpty)
        let fallback = try t.transcribe(noise, speech: nil)
        #expect(fallback.segments.count == 10)
        #expect(fallback.notes.contains { $0.contains("audio-only") })
    }

    @Test func stretchesWithoutAReadableFaceAreDecodedUnaided() throws {
        // The face is on screen for 0–6 s (it leaves the frame at 6 s) and speaks at 2–4 s.
        let t = LipAssistedTranscriber(sampleRate: 100, options: LipAssistOptions(gate: true, enhance: false, segment: true), recognize: Self.scripted)
        let result = try t.transcribe(noise, speech: [Segment(start: 2, end: 4, label: "face0")],
                                      visible: [Segment(start: 0, end: 6, label: "visible")])
        #expect(result.segments.map(\.text) == ["w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "w9"])
        #expect(result.segments.map(\.start) == [2, 2, 3, 4, 6, 6, 7, 8, 9])
        #expect(result.segments.map(\.speaker) == ["face0", "face0", "face0", "face0", nil, nil, nil, nil, nil])
        #expect(result.notes.contains { $0.contains("no readable face at 6.0–10.0 s") })
    }

    @Test func visualSpeechMissingTheAudiosSpeechFallsBackToAudioOnly() throws {
        // 4 s of loud syllables after 1 s of faint noise, but the lips "speak" only for 0.3 s of it.
        let rate = 16_000
        let samples = (0..<(5 * rate)).map { i -> Float in
            let t = Double(i) / Double(rate)
            let noise = 0.001 * Float(sin(Double(i) * 2.3) * cos(Double(i) * 0.77))
            return t < 1 ? noise : noise + Float(0.3 * sin(2 * .pi * 200 * t) * (0.6 + 0.4 * sin(2 * .pi * 4 * t)))
        }
        let t = LipAssistedTranscriber(sampleRate: rate, options: LipAssistOptions(gate: true, enhance: false)) { _ in
            [TranscriptSegment(start: 1, end: 5, text: "all of it")]
        }
        let result = try t.transcribe(samples, speech: [Segment(start: 1.0, end: 1.3, label: "face0")])
        #expect(result.notes.contains { $0.hasPrefix("audio-only recognition: visual speech covers") }, "\(result.notes)")
        #expect(result.segments.map(\.text) == ["all of it"] && result.segments[0].speaker == nil)
        // Lips covering the speech keep the lip-assisted plan.
        let covered = try t.transcribe(samples, speech: [Segment(start: 0.9, end: 5, label: "face0")])
        #expect(!covered.notes.contains { $0.contains("audio-only") } && covered.segments.first?.speaker == "face0")
    }

    @Test func enhancementUsesTheVisualSilences() throws {
        /// Test-only capture of what the recogniser received; the lock makes the shared write safe.
        final class Capture: @unchecked Sendable { let lock = NSLock(); var audio: [Float] = [] }
        let capture = Capture()
        let rate = 16_000
        let samples = (0..<(3 * rate)).map { i -> Float in
            let t = Double(i) / Double(rate)
            let tone: Float = t >= 1 && t < 2 ? Float(sin(2 * .pi * 440 * t)) : 0
            return tone + 0.05 * Float(sin(Double(i) * 2.3) * cos(Double(i) * 0.77))
        }
        var always = LipAssistOptions(gate: false, enhance: true, segment: false)
        always.enhanceBelowSNR = nil
        let t = LipAssistedTranscriber(sampleRate: rate, options: always) { audio in
            capture.lock.withLock { capture.audio = audio }
            return []
        }
        let result = try t.transcribe(samples, speech: [Segment(start: 0.9, end: 2.1, label: "face0")])
        #expect(result.noiseSource == .noiseSegments)
        let captured = capture.lock.withLock { capture.audio }
        let quiet = captured[0..<(rate / 2)].map { Double($0 * $0) }.reduce(0, +)
        let before = samples[0..<(rate / 2)].map { Double($0 * $0) }.reduce(0, +)
        #expect(10 * log10(before / quiet) > 10, "noise-only audio attenuated")
        // The same audio is ~29 dB SNR: with a 15 dB limit the enhancer is skipped and says so.
        var limited = LipAssistOptions(gate: false, enhance: true, segment: false)
        limited.enhanceBelowSNR = 15
        let skipping = LipAssistedTranscriber(sampleRate: rate, options: limited) { _ in [] }
        let skipped = try skipping.transcribe(samples, speech: [Segment(start: 0.9, end: 2.1, label: "face0")])
        #expect(skipped.noiseSource == nil && skipped.notes.contains { $0.contains("enhancement skipped") })
        let snr = try #require(skipped.estimatedSNR)
        #expect(abs(snr - 29) < 3, "estimated \(snr) dB")
    }
}
