import TandemCore

/// The stretches of audio the recogniser decodes, derived from visual speech segments.
///
/// A pure function of the segments and the switches, so the fusion can be tested without a model.
public struct DecodePlan: Sendable, Equatable {
    /// One recogniser call: audio `[start, end)` with everything outside `heard` silenced; text is
    /// kept where its middle falls inside `keep` (when gating).
    public struct Window: Sendable, Equatable {
        public var start: Double
        public var end: Double
        /// Sub-intervals (absolute seconds) where text may come from: visual speech, or everything.
        public var keep: [Segment]
        /// Sub-intervals (absolute seconds) whose audio the recogniser hears; nil: the same as `keep`.
        public var heard: [Segment]?

        public init(start: Double, end: Double, keep: [Segment], heard: [Segment]? = nil) {
            self.start = start
            self.end = end
            self.keep = keep
            self.heard = heard
        }

        /// The stretches whose audio is kept.
        public var audible: [Segment] { heard ?? keep }
    }

    public var windows: [Window]

    /// Plans the decoding of `duration` seconds given visual speech `speech` (sorted or not).
    ///
    /// The recogniser always hears the audio whole, as audio-only recognition does: decoding short
    /// windows around each visual speech stretch, or silencing the audio between them, made Whisper
    /// tiny.en mishear speech it heard correctly with the whole clip (Tools/eval/lip_assist_eval.py).
    /// The picture acts on *which text is kept* and on *where windows are cut*:
    /// - gate: text is kept only where visual speech is (`keep`), and nothing is decoded when the lips
    ///   never speak;
    /// - segment: the clip is cut into windows of at most `windowSeconds` at the middle of visual
    ///   silences, so no window boundary falls inside speech (one window when the clip is shorter);
    /// - neither: one pass over everything.
    public static func make(speech: [Segment], duration: Double, options: LipAssistOptions) -> DecodePlan {
        let speech = speech.filter { $0.end > $0.start }.sorted { $0.start < $1.start }
            .map { Segment(start: max(0, $0.start), end: min(duration, $0.end), label: $0.label, score: $0.score) }
            .filter { $0.end > $0.start }
        guard duration > 0, !(options.gate && speech.isEmpty) else { return DecodePlan(windows: []) }
        let spans = options.segment ? cut(duration: duration, at: speech, limit: max(1, options.windowSeconds))
                                    : [Segment(start: 0, end: duration, label: "all")]
        return DecodePlan(windows: spans.map { span in
            guard options.gate else { return Window(start: span.start, end: span.end, keep: [span]) }
            let keep = speech.compactMap { s -> Segment? in
                let lo = max(s.start, span.start), hi = min(s.end, span.end)
                return hi > lo ? Segment(start: lo, end: hi, label: s.label, score: s.score) : nil
            }
            return Window(start: span.start, end: span.end, keep: keep, heard: [span])
        })
    }

    /// `[0, duration)` cut into pieces of at most `limit` seconds, each cut at the middle of a
    /// visual silence when one lies in reach (else at the limit).
    static func cut(duration: Double, at speech: [Segment], limit: Double) -> [Segment] {
        var cuts: [Double] = []
        var cursor = 0.0
        for s in speech {
            if s.start > cursor, cursor > 0 { cuts.append((cursor + s.start) / 2) }
            cursor = max(cursor, s.end)
        }
        var spans: [Segment] = []
        var start = 0.0
        while duration - start > limit {
            let cut = cuts.last { $0 > start + 1 && $0 <= start + limit } ?? start + limit
            spans.append(Segment(start: start, end: cut, label: "all"))
            start = cut
        }
        spans.append(Segment(start: start, end: duration, label: "all"))
        return spans
    }

    /// `segments` sorted, with overlapping or touching ones merged (labels of the first kept).
    public static func merged(_ segments: [Segment]) -> [Segment] {
        var result: [Segment] = []
        for s in segments.sorted(by: { $0.start < $1.start }) where s.end > s.start {
            if let last = result.last, s.start <= last.end {
                result[result.count - 1].end = max(last.end, s.end)
            } else {
                result.append(s)
            }
        }
        return result
    }

    /// The complement of `speech` in `[0, duration)`, each stretch shrunk by `margin` at both ends
    /// and kept only when something is left: the noise-only audio for the enhancer.
    public static func silences(speech: [Segment], duration: Double, margin: Double) -> [Segment] {
        var result: [Segment] = []
        var cursor = 0.0
        for s in speech.sorted(by: { $0.start < $1.start }) {
            if s.start - margin > cursor + margin { result.append(Segment(start: cursor + margin, end: s.start - margin, label: "noise")) }
            cursor = max(cursor, s.end)
        }
        if duration - margin > cursor + margin { result.append(Segment(start: cursor + margin, end: duration - margin, label: "noise")) }
        return result
    }
}
