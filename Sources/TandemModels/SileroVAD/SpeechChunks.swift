/// Cutting the silence out of a signal and stitching its speech spans together, as faster-whisper's
/// `collect_chunks` does before `vad_filter` transcribes.
public enum SpeechChunks {
    /// One stitched piece: the samples of consecutive spans joined, with where it sits on the
    /// stitched timeline.
    public struct Piece: Sendable {
        public var samples: [Float]
        /// Start on the stitched timeline, in seconds.
        public var offset: Double
        /// Seconds of audio in the piece.
        public var duration: Double
        /// The original spans it joins.
        public var spans: [Range<Int>]
    }

    /// Joins the spans of `samples` into pieces of at most `maxDuration` seconds (a span is never
    /// split; one longer than the limit makes a piece of its own). With no spans, one empty piece.
    /// - Complexity: O(samples kept).
    public static func collect(_ samples: [Float], spans: [Range<Int>], sampleRate: Int = SileroVAD.sampleRate,
                               maxDuration: Double = .infinity) -> [Piece] {
        guard !spans.isEmpty else { return [Piece(samples: [], offset: 0, duration: 0, spans: [])] }
        let limit = maxDuration * Double(sampleRate)
        var pieces: [Piece] = []
        var current: [Float] = [], currentSpans: [Range<Int>] = []
        var currentDuration = 0, totalDuration = 0
        for span in spans {
            let clipped = span.clamped(to: 0..<samples.count)
            if Double(currentDuration + span.count) > limit {
                // faster-whisper closes the piece and starts the next with this span, whose own
                // span list it leaves empty; we keep the span in the list, which nothing there reads.
                pieces.append(Piece(samples: current, offset: Double(totalDuration) / Double(sampleRate),
                                    duration: Double(currentDuration) / Double(sampleRate), spans: currentSpans))
                totalDuration += currentDuration
                current = Array(samples[clipped])
                currentSpans = [span]
                currentDuration = span.count
            } else {
                currentSpans.append(span)
                current += samples[clipped]
                currentDuration += span.count
            }
        }
        pieces.append(Piece(samples: current, offset: Double(totalDuration) / Double(sampleRate),
                            duration: Double(currentDuration) / Double(sampleRate), spans: currentSpans))
        return pieces
    }
}
