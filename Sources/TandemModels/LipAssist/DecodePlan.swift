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
    /// - gate + segment: one window per speech segment (at most `windowSeconds`), widened by
    ///   `contextPadding` on both sides, the audio inside heard whole; text kept inside the speech
    ///   segments only; nothing outside is decoded.
    /// - gate alone: one pass over the whole clip (the recogniser seeks its own 30 s windows) with
    ///   non-speech silenced.
    /// - segment alone: the clip cut into windows of at most `windowSeconds` at the middle of
    ///   visual silences, so no window boundary falls inside speech; all audio kept.
    /// - neither: one pass over everything.
    public static func make(speech: [Segment], duration: Double, options: LipAssistOptions) -> DecodePlan {
        let speech = speech.filter { $0.end > $0.start }.sorted { $0.start < $1.start }
            .map { Segment(start: max(0, $0.start), end: min(duration, $0.end), label: $0.label, score: $0.score) }
            .filter { $0.end > $0.start }
        let limit = max(1, options.windowSeconds)
        let whole = Segment(start: 0, end: duration, label: "all")
        switch (options.gate, options.segment) {
        case (false, false):
            return DecodePlan(windows: duration > 0 ? [Window(start: 0, end: duration, keep: [whole])] : [])
        case (true, false):
            return DecodePlan(windows: speech.isEmpty ? [] : [Window(start: 0, end: duration, keep: speech)])
        case (true, true):
            // One window per stretch of visual speech, widened by `contextPadding` of real audio on
            // each side (sound starts before the lips move and the recogniser needs a little
            // context); stretches closer than twice the padding share a window. The audio inside a
            // window is kept whole: silencing the pauses inside speech made Whisper invent text.
            // Text is kept only where its middle lies in visual speech itself, and its times are
            // clamped there, so context audio cannot place words in speechless stretches.
            var spans: [(span: Segment, speech: [Segment])] = []
            for s in speech {
                let start = max(0, s.start - options.contextPadding), end = min(duration, s.end + options.contextPadding)
                if let last = spans.last, start <= last.span.end {
                    spans[spans.count - 1].span.end = max(last.span.end, end)
                    spans[spans.count - 1].speech.append(s)
                } else {
                    spans.append((Segment(start: start, end: end, label: s.label, score: s.score), [s]))
                }
            }
            var windows: [Window] = []
            for (span, inside) in spans {
                // A stretch longer than the limit is cut into limit-long pieces.
                var start = span.start
                while span.end - start > 0 {
                    let end = min(span.end, start + limit)
                    let keep = inside.compactMap { s -> Segment? in
                        let lo = max(s.start, start), hi = min(s.end, end)
                        return hi > lo ? Segment(start: lo, end: hi, label: s.label, score: s.score) : nil
                    }
                    windows.append(Window(start: start, end: end, keep: keep,
                                          heard: [Segment(start: start, end: end, label: span.label, score: span.score)]))
                    start = end
                }
            }
            return DecodePlan(windows: windows)
        case (false, true):
            guard duration > 0 else { return DecodePlan(windows: []) }
            var cuts: [Double] = []
            var cursor = 0.0
            for s in speech {
                if s.start > cursor, cursor > 0 { cuts.append((cursor + s.start) / 2) }
                cursor = max(cursor, s.end)
            }
            var windows: [Window] = []
            var start = 0.0
            while duration - start > limit {
                let cut = cuts.last { $0 > start + 1 && $0 <= start + limit } ?? start + limit
                windows.append(Window(start: start, end: cut, keep: [Segment(start: start, end: cut, label: "all")]))
                start = cut
            }
            windows.append(Window(start: start, end: duration, keep: [Segment(start: start, end: duration, label: "all")]))
            return DecodePlan(windows: windows)
        }
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
