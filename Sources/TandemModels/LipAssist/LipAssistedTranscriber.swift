import TandemCore
import TandemDSP

/// Speech recognition told when and what to listen to by the picture: gates, enhances and
/// segments the audio from visual speech segments, then runs a recogniser on each window.
///
/// The recogniser is any function from 16 kHz samples to segments timed from the samples' start
/// (a `WhisperRecognizer` in practice), so the fusion is testable with a scripted recogniser.
public struct LipAssistedTranscriber: Sendable {
    public typealias Recognize = @Sendable ([Float]) throws -> [TranscriptSegment]

    public var options: LipAssistOptions
    public let sampleRate: Int
    let recognize: Recognize

    public init(sampleRate: Int = 16_000, options: LipAssistOptions = LipAssistOptions(), recognize: @escaping Recognize) {
        self.sampleRate = sampleRate
        self.options = options
        self.recognize = recognize
    }

    /// What was decoded and how, alongside the transcript.
    public struct Result: Sendable {
        public var segments: [TranscriptSegment]
        public var plan: DecodePlan
        /// How the enhancer found its noise spectrum (nil when enhancement was off).
        public var noiseSource: NoiseSpectrum.Source?
        /// Human-readable notes: fallbacks taken, inputs that could not be used.
        public var notes: [String]
    }

    /// Transcribes `samples` (mono, `sampleRate`).
    /// - Parameter speech: visual speech segments labelled with the speaking face, or nil when there
    ///   is no usable picture (audio-only input, no face found) — then plain audio-only recognition
    ///   runs and the result says so.
    /// - Throws: what the recogniser or the enhancer throws.
    public func transcribe(_ samples: [Float], speech: [Segment]?) throws -> Result {
        let duration = Double(samples.count) / Double(sampleRate)
        var notes: [String] = []
        var options = self.options
        guard let speech else {
            notes.append("audio-only recognition: no visual speech information (no video stream or no usable face)")
            options = .audioOnly
            let plan = DecodePlan.make(speech: [], duration: duration, options: options)
            return Result(segments: try decode(samples, plan: plan, gated: false, speech: []), plan: plan, noiseSource: nil, notes: notes)
        }
        var audio = samples
        var noiseSource: NoiseSpectrum.Source?
        if options.enhance && !speech.isEmpty {
            let silences = DecodePlan.silences(speech: speech, duration: duration, margin: options.noiseMargin)
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
        let segments = try decode(audio, plan: plan, gated: options.gate, speech: speech)
        return Result(segments: segments, plan: plan, noiseSource: noiseSource, notes: notes)
    }

    func decode(_ audio: [Float], plan: DecodePlan, gated: Bool, speech: [Segment]) throws -> [TranscriptSegment] {
        var out: [TranscriptSegment] = []
        for window in plan.windows {
            let first = max(0, Int((window.start * Double(sampleRate)).rounded()))
            let last = min(audio.count, Int((window.end * Double(sampleRate)).rounded()))
            guard last > first else { continue }
            var slice = [Float](repeating: 0, count: last - first)
            for keep in window.keep {
                let a = max(first, Int((keep.start * Double(sampleRate)).rounded()))
                let b = min(last, Int((keep.end * Double(sampleRate)).rounded()))
                if b > a { for i in a..<b { slice[i - first] = audio[i] } }
            }
            for var segment in try recognize(slice) {
                segment.start += window.start
                segment.end += window.start
                let middle = (segment.start + segment.end) / 2
                // Text the recogniser placed in silenced audio is not speech the picture saw.
                if gated && !window.keep.contains(where: { middle >= $0.start && middle < $0.end }) { continue }
                segment.speaker = Self.speaker(of: segment, in: speech)
                out.append(segment)
            }
        }
        return out
    }

    /// The label of the visual segment overlapping `segment` most, if any.
    static func speaker(of segment: TranscriptSegment, in speech: [Segment]) -> String? {
        var best: (label: String, overlap: Double)?
        for s in speech {
            let overlap = min(s.end, segment.end) - max(s.start, segment.start)
            if overlap > 0, overlap > (best?.overlap ?? 0) { best = (s.label, overlap) }
        }
        return best?.label
    }
}
