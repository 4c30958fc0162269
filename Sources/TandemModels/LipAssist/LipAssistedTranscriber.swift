import Foundation
import TandemCore
import TandemDSP

/// Speech recognition told when and what to listen to by the picture: plans windows from visual
/// speech segments (optionally enhancing the audio), runs a recogniser on each window, and keeps the
/// text the lips account for (`attribute`), each segment labelled with the face that spoke it.
///
/// The recogniser hears the whole audio, as in audio-only recognition; the picture decides which
/// text is kept, where windows are cut and whether anything is decoded at all. Stretches without a
/// readable face are decoded unaided, and visual speech that misses most of the audio's plain speech
/// falls back to audio-only recognition; the notes say so.
///
/// The recogniser is any function from 16 kHz samples to segments timed from the samples' start
/// (a `WhisperRecognizer` in practice), so the fusion is testable with a scripted recogniser.
public struct LipAssistedTranscriber: Sendable {
    public typealias Recognize = @Sendable ([Float]) throws -> [TranscriptSegment]
    /// A recogniser that also takes the text kept so far (nil for the first window), to prompt with
    /// it as Whisper prompts each window with the previous one's text.
    public typealias PromptedRecognize = @Sendable (_ samples: [Float], _ previousText: String?) throws -> [TranscriptSegment]

    public var options: LipAssistOptions
    public let sampleRate: Int
    let recognize: PromptedRecognize

    public init(sampleRate: Int = 16_000, options: LipAssistOptions = LipAssistOptions(), recognize: @escaping Recognize) {
        self.sampleRate = sampleRate
        self.options = options
        self.recognize = { samples, _ in try recognize(samples) }
    }

    public init(sampleRate: Int = 16_000, options: LipAssistOptions = LipAssistOptions(), prompted: @escaping PromptedRecognize) {
        self.sampleRate = sampleRate
        self.options = options
        self.recognize = prompted
    }

    /// What was decoded and how, alongside the transcript.
    public struct Result: Sendable {
        public var segments: [TranscriptSegment]
        public var plan: DecodePlan
        /// How the enhancer found its noise spectrum (nil when enhancement was off).
        public var noiseSource: NoiseSpectrum.Source?
        /// SNR (dB) estimated from visual speech vs visual silence, when enhancement was considered.
        public var estimatedSNR: Double?
        /// Human-readable notes: fallbacks taken, inputs that could not be used.
        public var notes: [String]
    }

    /// The audio and plan the recogniser gets: enhanced (when asked and possible) and planned from
    /// visual speech, with notes about fallbacks; `transcribe` decodes it, the `av-enhance` node emits it.
    public struct Prepared: Sendable {
        /// The audio to decode (enhanced, or the input).
        public var audio: [Float]
        public var plan: DecodePlan
        /// The switches actually applied (`audioOnly` after the fallback).
        public var options: LipAssistOptions
        /// The speech the plan was made from: visual speech plus `unseen` stretches (empty after the fallback).
        public var noiseSource: NoiseSpectrum.Source?
        public var estimatedSNR: Double?
        public var speech: [Segment]
        /// False after the audio-only fallback (no picture, or visual speech that misses the audio's speech).
        public var usesPicture: Bool
        public var notes: [String]
    }

    /// Enhances and plans `samples` (mono, `sampleRate`) from visual speech.
    /// - Parameters:
    ///   - speech: visual speech segments labelled with the speaking face, or nil when there is no
    ///     usable picture (audio-only input, no face found) — then the plan is plain audio-only
    ///     recognition and the notes say so.
    ///   - visible: where a readable face was on screen (nil: everywhere). Stretches without one are
    ///     decoded without lip assistance (labelled `unseen`), since the picture cannot rule out speech there.
    /// - Throws: what the enhancer throws.
    public func prepare(_ samples: [Float], speech: [Segment]?, visible: [Segment]? = nil) throws -> Prepared {
        let duration = Double(samples.count) / Double(sampleRate)
        var notes: [String] = []
        func audioOnly() -> Prepared {
            let plan = DecodePlan.make(speech: [], duration: duration, options: .audioOnly)
            return Prepared(audio: samples, plan: plan, options: .audioOnly, noiseSource: nil, estimatedSNR: nil, speech: [],
                            usesPicture: false, notes: notes)
        }
        guard var speech else {
            notes.append("audio-only recognition: no visual speech information (no video stream or no usable face)")
            return audioOnly()
        }
        let seen = visible ?? [Segment(start: 0, end: duration, label: "visible")]
        if let reason = Self.visualSpeechMisses(samples, sampleRate: sampleRate, speech: speech, seen: seen) {
            notes.append("audio-only recognition: \(reason)")
            return audioOnly()
        }
        let unseen = DecodePlan.silences(speech: seen, duration: duration, margin: 0).filter { $0.end - $0.start >= minimumUnseen }
        if !unseen.isEmpty, options.gate {
            let spans = unseen.map { String(format: "%.1f–%.1f s", $0.start, $0.end) }.joined(separator: ", ")
            notes.append("no readable face at \(spans): decoded there without lip assistance")
            speech = (speech + unseen.map { Segment(start: $0.start, end: $0.end, label: Self.unseenLabel, score: 0) })
                .sorted { $0.start < $1.start }
        }
        var audio = samples
        var noiseSource: NoiseSpectrum.Source?
        var estimatedSNR: Double?
        let heard = speech.filter { $0.label != Self.unseenLabel }
        // Noise is measured where a face is seen not speaking, never where no face is seen.
        let silences = DecodePlan.silences(speech: speech, duration: duration, margin: options.noiseMargin)
        if options.enhance && !heard.isEmpty {
            estimatedSNR = Self.estimateSNR(samples, sampleRate: sampleRate, speech: heard, silences: silences)
        }
        if options.enhance && !heard.isEmpty, let limit = options.enhanceBelowSNR, (estimatedSNR ?? .infinity) >= limit {
            // Without visual silence the SNR is unknown: distorting possibly clean speech is the worse risk.
            notes.append(estimatedSNR.map { "enhancement skipped: estimated SNR \(Int($0.rounded())) dB ≥ \(Int(limit)) dB" }
                         ?? "enhancement skipped: no visual silence to measure the noise in")
        } else if options.enhance && !heard.isEmpty, let limit = options.enhanceMaxNoiseFluctuation,
                  let fluctuation = try SpeechEnhancer(sampleRate: sampleRate).noiseFluctuation(samples, noiseSegments: silences),
                  fluctuation >= limit {
            notes.append(String(format: "enhancement skipped: the noise fluctuates by %.1f dB (≥ %.0f dB), more than a fixed noise spectrum can follow",
                                fluctuation, limit))
        } else if options.enhance && !heard.isEmpty {
            let enhancer = try SpeechEnhancer(sampleRate: sampleRate, rule: options.enhancementRule)
            let noise = try enhancer.noiseSpectrum(samples, noiseSegments: silences)
            noiseSource = noise.source
            if noise.source != .noiseSegments {
                notes.append("enhancement: too little visual silence for a noise estimate; used the 10th-percentile spectrum")
            }
            audio = try enhancer.enhance(samples, noiseSegments: silences)
        }
        if speech.isEmpty && options.gate {
            notes.append("no visual speech: nothing decoded")
        }
        let plan = DecodePlan.make(speech: speech, duration: duration, options: options)
        return Prepared(audio: audio, plan: plan, options: options, noiseSource: noiseSource, estimatedSNR: estimatedSNR,
                        speech: speech, usesPicture: true, notes: notes)
    }

    /// Label of the stretches decoded without lip assistance because no readable face was on screen.
    public static let unseenLabel = "unseen"
    /// Shortest stretch without a readable face that is decoded unaided: shorter gaps are tracker
    /// blinks, or the tracker's confirmation of a new face (10 frames, 0.4 s at 25 fps).
    public var minimumUnseen = 0.5

    /// Why visual speech cannot be trusted for this clip, or nil when it can: where a face is on
    /// screen, the audio is plainly active (`EnergyVoiceActivity`) for a while, yet the lips, which do
    /// speak somewhere, cover almost none of it. That happens when lip activity fails on a face (a drawing, a profile, a
    /// mouth the geometry misplaces), and gating would then throw away most of the speech.
    static func visualSpeechMisses(_ samples: [Float], sampleRate: Int, speech: [Segment], seen: [Segment],
                                   minimumActive: Double = 1.5, minimumCoverage: Double = 0.25) -> String? {
        // A face seen never speaking is believed (noise-only clips must stay empty, and babble or
        // music is "plainly active" too); lips that speak for a moment but miss the rest are not.
        guard !speech.isEmpty else { return nil }
        let active = EnergyVoiceActivity().segments(samples, sampleRate: sampleRate)
        let activeSeen = active.flatMap { a in
            seen.compactMap { s -> Segment? in
                let lo = max(a.start, s.start), hi = min(a.end, s.end)
                return hi > lo ? Segment(start: lo, end: hi, label: "energy") : nil
            }
        }
        let total = activeSeen.reduce(0) { $0 + $1.end - $1.start }
        guard total >= minimumActive else { return nil }
        let covered = EnergyVoiceActivity.overlap(activeSeen, DecodePlan.merged(speech))
        guard covered / total < minimumCoverage else { return nil }
        return String(format: "visual speech covers %.0f%% of the %.1f s where the audio is plainly active and a face is on screen; "
                      + "lip activity looks unreliable here", 100 * covered / total, total)
    }

    /// Transcribes `samples` (mono, `sampleRate`): `prepare`, then the recogniser on each window.
    /// - Parameters:
    ///   - speech: as for `prepare`.
    ///   - visible: as for `prepare`.
    /// - Throws: what the recogniser or the enhancer throws.
    public func transcribe(_ samples: [Float], speech: [Segment]?, visible: [Segment]? = nil) throws -> Result {
        let prepared = try prepare(samples, speech: speech, visible: visible)
        let segments = try decode(prepared.audio, plan: prepared.plan, gated: prepared.usesPicture && prepared.options.gate,
                                  speech: prepared.speech)
        return Result(segments: segments, plan: prepared.plan, noiseSource: prepared.noiseSource, estimatedSNR: prepared.estimatedSNR,
                      notes: prepared.notes)
    }

    /// SNR in dB from mean power inside visual speech (speech + noise) and inside visual silence
    /// (noise): `10 log10((P_speech − P_noise) / P_noise)`; nil without silence, +∞-like 99 for digital silence.
    static func estimateSNR(_ samples: [Float], sampleRate: Int, speech: [Segment], silences: [Segment]) -> Double? {
        func meanPower(_ segments: [Segment]) -> Double? {
            var sum = 0.0, count = 0
            for s in segments {
                let a = max(0, Int(s.start * Double(sampleRate))), b = min(samples.count, Int(s.end * Double(sampleRate)))
                if b > a { for i in a..<b { sum += Double(samples[i] * samples[i]) }; count += b - a }
            }
            return count > 0 ? sum / Double(count) : nil
        }
        guard let noisy = meanPower(speech), let noise = meanPower(silences) else { return nil }
        guard noise > 1e-12 else { return 99 }
        return 10 * log10(max(noisy - noise, 1e-12) / noise)
    }

    func decode(_ audio: [Float], plan: DecodePlan, gated: Bool, speech: [Segment]) throws -> [TranscriptSegment] {
        var out: [TranscriptSegment] = []
        for window in plan.windows {
            let first = max(0, Int((window.start * Double(sampleRate)).rounded()))
            let last = min(audio.count, Int((window.end * Double(sampleRate)).rounded()))
            guard last > first else { continue }
            var slice = [Float](repeating: 0, count: last - first)
            for keep in window.audible {
                let a = max(first, Int((keep.start * Double(sampleRate)).rounded()))
                let b = min(last, Int((keep.end * Double(sampleRate)).rounded()))
                if b > a { for i in a..<b { slice[i - first] = audio[i] } }
            }
            let previous = out.isEmpty ? nil : out.map(\.text).joined()
            for var segment in try recognize(slice, previous) {
                segment.start += window.start
                segment.end += window.start
                segment.words = segment.words?.map {
                    TranscriptWord(word: $0.word, start: $0.start + window.start, end: $0.end + window.start, probability: $0.probability)
                }
                if let kept = Self.attribute(segment, keep: gated ? window.keep : nil, speech: speech, tolerance: options.textTolerance,
                                             wordTolerance: options.wordTolerance,
                                             noSpeechThreshold: options.gatedNoSpeechThreshold) { out.append(kept) }
            }
        }
        return out
    }

    /// A recognised segment checked against the picture: nil when `keep` is given and the segment
    /// is text the recogniser placed where the picture saw no speech; a kept segment's times are
    /// clamped to the kept stretches (Whisper's times drift in noise, the lips' do not); `speaker` is
    /// set to the face that spoke most of it.
    ///
    /// With word times (`segment.words`), each word is judged by its own time: a word whose middle
    /// lies more than `wordTolerance` seconds from every kept stretch is dropped, and a kept word is
    /// clamped into the stretch nearest its middle; the text is rebuilt from the words kept (the tokens
    /// stay those decoded), the segment spans its words, and a segment with no word left is dropped. A segment often runs across a pause (both sentences in one segment, or a hallucinated
    /// phrase appended in the noise after the speech), so only its words can say which part the lips
    /// account for. Without word times, the whole segment is dropped when its middle lies more than
    /// `tolerance` seconds from every kept stretch and it covers less than 1 s (and less than half its
    /// length) of them.
    ///
    /// With `noSpeechThreshold`, a gated segment Whisper itself rates as probably not speech
    /// (no-speech probability ≥ the threshold) and improbable (average log-probability < −1) is dropped
    /// too, as Whisper's own skip (0.6 / −1) does for whole windows.
    public static func attribute(_ segment: TranscriptSegment, keep: [Segment]?, speech: [Segment],
                                 tolerance: Double = LipAssistOptions().textTolerance,
                                 wordTolerance: Double = LipAssistOptions().wordTolerance,
                                 noSpeechThreshold: Double? = nil) -> TranscriptSegment? {
        var result = segment
        var nearest: String?
        if let keep {
            if let noSpeechThreshold, segment.noSpeechProbability >= noSpeechThreshold, segment.averageLogProbability < -1 {
                return nil
            }
            /// The kept stretch nearest `time`, if one lies within `margin` seconds of it.
            func stretch(near time: Double, within margin: Double) -> Segment? {
                func distance(_ s: Segment) -> Double { max(s.start - time, time - s.end, 0) }
                return keep.filter { distance($0) <= margin }.min { distance($0) < distance($1) }
            }
            if let words = segment.words, !words.isEmpty {
                // Each word is judged, and placed, by its own time: it goes into the stretch nearest
                // its middle, so a word Whisper stretched across a pause ends where the lips stop.
                var kept: [TranscriptWord] = []
                var first: Segment?
                for word in words {
                    guard let own = stretch(near: (word.start + word.end) / 2, within: wordTolerance) else { continue }
                    var placed = word
                    placed.start = min(max(word.start, own.start), own.end)
                    placed.end = min(max(word.end, placed.start), own.end)
                    kept.append(placed)
                    first = first ?? own
                }
                guard let near = first, let firstWord = kept.first, let lastWord = kept.last else { return nil }
                if kept.count < words.count { result.text = kept.map(\.word).joined() }
                result.words = kept
                result.start = firstWord.start
                result.end = max(lastWord.end, firstWord.start)
                nearest = near.label == unseenLabel ? nil : near.label
            } else {
                let middle = (segment.start + segment.end) / 2
                let overlapping = keep.filter { $0.end > segment.start && $0.start < segment.end }
                let covered = overlapping.reduce(0) { $0 + min($1.end, segment.end) - max($1.start, segment.start) }
                // Whisper stretches a window's last segment to the window's end in noise: a segment that
                // covers a second of visual speech (or half its own length) is speech whatever its middle.
                let spansSpeech = covered >= min(1, 0.5 * (segment.end - segment.start))
                guard let near = stretch(near: middle, within: tolerance) ?? (spansSpeech ? overlapping.first : nil) else { return nil }
                // Clamp to the stretches the text really covers: a sliver of a neighbouring stretch
                // (Whisper's start drifting back into the previous sentence) does not stretch the span.
                let (start, end) = (result.start, result.end)
                func overlap(_ k: Segment) -> Double { min(k.end, end) - max(k.start, start) }
                let substantial = overlapping.filter { overlap($0) >= 0.5 }
                let span = substantial.isEmpty ? overlapping : substantial
                let lo = span.map(\.start).min() ?? near.start, hi = span.map(\.end).max() ?? near.end
                result.start = min(max(start, lo), hi)
                result.end = max(min(end, hi), result.start)
                nearest = near.label == unseenLabel ? nil : near.label
            }
        }
        result.speaker = speaker(of: result, in: speech) ?? speaker(of: segment, in: speech) ?? nearest ?? segment.speaker
        return result
    }

    /// The label of the visual segment overlapping `segment` most, if any.
    static func speaker(of segment: TranscriptSegment, in speech: [Segment]) -> String? {
        var best: (label: String, overlap: Double)?
        for s in speech where s.label != unseenLabel {
            let overlap = min(s.end, segment.end) - max(s.start, segment.start)
            if overlap > 0, overlap > (best?.overlap ?? 0) { best = (s.label, overlap) }
        }
        return best?.label
    }
}
