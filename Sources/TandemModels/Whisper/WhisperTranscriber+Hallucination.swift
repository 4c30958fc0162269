import TandemCore

extension WhisperTranscriber {
    /// What `hallucinationSilenceThreshold` does with one window's timed segments.
    enum HallucinationSkip: Equatable {
        /// The first segment with words looks invented and starts `gap` seconds into the window, after
        /// silence: drop the whole window and resume that far in.
        case leadingSilence(gap: Double)
        /// The segment at `index` looks invented and is surrounded by silence (or more invented
        /// text): drop it and everything after it, and resume at `resume` seconds (nil: the end of the audio).
        case from(index: Int, resume: Double?)
    }

    /// faster-whisper's hallucination check (`hallucination_silence_threshold`) on the segments of one
    /// window, word times already set: nil when nothing is skipped.
    static func skipHallucination(_ pieces: [Piece], threshold: Double, timeOffset: Double, segmentDuration: Double,
                                  windowEnd: Double, contentDuration: Double, lastSpeechTimestamp: Double) -> HallucinationSkip? {
        func hasWords(_ piece: Piece) -> Bool { !(piece.words ?? []).isEmpty }
        if let first = pieces.first(where: hasWords), isAnomaly(first) {
            let gap = first.start - timeOffset
            if gap > threshold { return .leadingSilence(gap: gap) }
        }
        var lastEnd = lastSpeechTimestamp
        for (index, piece) in pieces.enumerated() where hasWords(piece) {
            if isAnomaly(piece) {
                let next = pieces[(index + 1)...].first(where: hasWords)
                let nextStart = next?.words?.first?.start ?? timeOffset + segmentDuration
                let silenceBefore = piece.start - lastEnd > threshold || piece.start < threshold || piece.start - timeOffset < 2
                let silenceAfter = nextStart - piece.end > threshold || next.map { isAnomaly($0) } == true || windowEnd - piece.end < 2
                if silenceBefore && silenceAfter {
                    return .from(index: index, resume: contentDuration - piece.end < threshold ? nil : max(timeOffset + 1, piece.start))
                }
            }
            lastEnd = piece.end
        }
        return nil
    }

    /// Whether a segment's first 8 words (punctuation marks left out) look invented: improbable, very
    /// short or very long words adding up to 3, or to about one per word.
    static func isAnomaly(_ piece: Piece) -> Bool {
        let marks = "\"'“¿([{-\"'.。,，!！?？:：”)]}、"
        // faster-whisper tests `word not in punctuation` on strings: a word is left out when it is a
        // substring of the marks (a lone mark, or an empty word).
        let words = (piece.words ?? []).filter { !WhisperWordAligner.pythonContains(marks, $0.word) }.prefix(8)
        let score = words.reduce(0) { $0 + anomalyScore($1) }
        return score >= 3 || score + 0.01 >= Double(words.count)
    }

    /// How unlike a spoken word this one is: +1 when improbable (< 0.15), more the shorter it is below
    /// 0.133 s or the longer above 2 s.
    static func anomalyScore(_ word: TranscriptWord) -> Double {
        let duration = word.end - word.start
        var score = 0.0
        if word.probability < 0.15 { score += 1 }
        if duration < 0.133 { score += (0.133 - duration) * 15 }
        if duration > 2 { score += duration - 2 }
        return score
    }
}
