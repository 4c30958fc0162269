import TandemCore

extension SpeechFusion {
    /// What the recogniser hears.
    public enum Listening: String, Sendable, Hashable, CaseIterable {
        /// Only foreground speech (padded, near stretches joined), each region decoded on its own:
        /// nothing is decoded where nobody speaks, as faster-whisper's `vad_filter`.
        case speech
        /// The whole recording, cut into windows at pauses.
        case everything
    }

    /// Recognition windows (seconds from the audio's start, labelled `window`), cut where nobody speaks.
    /// - Parameters:
    ///   - listening: `.speech` decodes only speech regions, `.everything` the whole recording.
    ///   - padding: seconds of context added around each speech region (`.speech`).
    ///   - join: regions closer than this (seconds) are decoded together, so a sentence's pause keeps
    ///     its context (`.speech`).
    ///   - limit: longest window; longer stretches are cut at the middle of the pause nearest the limit.
    public static func windows(for map: SpeechMap, duration: Double, listening: Listening, padding: Double = 0.4, join: Double = 1.0,
                               limit: Double = 30) -> [Segment] {
        guard duration > 0 else { return [] }
        let speech = map.speech.sorted { $0.start < $1.start }
        var spans: [Segment] = []
        switch listening {
        case .everything:
            spans = [Segment(start: 0, end: duration, label: "window")]
        case .speech:
            for s in speech {
                let start = max(0, s.start - padding), end = min(duration, s.end + padding)
                if let last = spans.last, start - last.end < join { spans[spans.count - 1].end = max(last.end, end) } else {
                    spans.append(Segment(start: start, end: end, label: "window"))
                }
            }
        }
        return spans.flatMap { cut($0, at: speech, limit: max(1, limit)) }
    }

    /// `span` cut into pieces of at most `limit` seconds, each cut at the middle of a pause between
    /// `speech` stretches when one lies in reach (else at the limit), so no cut falls inside a word.
    static func cut(_ span: Segment, at speech: [Segment], limit: Double) -> [Segment] {
        var pauses: [Double] = []
        var cursor: Double?
        for s in speech where s.end > span.start && s.start < span.end {
            if let c = cursor, s.start > c { pauses.append((c + s.start) / 2) }
            cursor = max(cursor ?? s.end, s.end)
        }
        var pieces: [Segment] = []
        var start = span.start
        while span.end - start > limit {
            let cut = pauses.last { $0 > start + 1 && $0 <= start + limit } ?? start + limit
            pieces.append(Segment(start: start, end: cut, label: "window"))
            start = cut
        }
        pieces.append(Segment(start: start, end: span.end, label: "window"))
        return pieces
    }
}
