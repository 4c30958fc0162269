import TandemCore
import TandemDSP

extension WhisperRecognizer {
    /// Transcribes only `spans` of `samples`, stitched together without the audio between them, as
    /// one recording, with every time mapped back to the samples' timeline: what faster-whisper's
    /// `vad_filter` does with Silero's spans (`SpeechChunks.collect`, `SpeechTimestampsMap`), for spans
    /// found by any detector (the fusion of sound and picture gives them to the `whisper` node).
    ///
    /// Stitching lets one 30 s window hold several short utterances, so each keeps the context of the
    /// others, where `transcribe(_:within:)` decodes every region alone (a two-second region alone
    /// is often misheard in noise); and Whisper never hears the noise between them, where it invents
    /// text. With word timestamps both ends of a word move with the span that holds the word's middle
    /// (a word never straddles a gap) and a segment spans its first to last word; without, a segment's
    /// end that falls exactly on a span's stitched end stays in that span.
    /// - Parameters:
    ///   - spans: sample ranges of `samples`, in any order; overlapping or touching ones are merged,
    ///     parts outside the samples ignored.
    /// - Returns: the segments on the samples' timeline; none when no span holds a sample.
    public func transcribe(_ samples: [Float], stitching spans: [Range<Int>], options: WhisperDecodingOptions = .init()) throws -> [WhisperSegment] {
        var merged: [Range<Int>] = []
        for span in spans.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            let clipped = span.clamped(to: 0..<samples.count)
            guard !clipped.isEmpty else { continue }
            if let last = merged.last, clipped.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, clipped.upperBound)
            } else {
                merged.append(clipped)
            }
        }
        guard !merged.isEmpty else { return [] }
        let stitched = SpeechChunks.collect(samples, spans: merged, sampleRate: WhisperLogMel.sampleRate).flatMap(\.samples)
        return Self.unstitch(try transcribe(stitched, options: options), spans: merged)
    }

    /// Moves segments timed on stitched audio (the `spans`' samples joined, in order) back onto the
    /// original timeline, as ``transcribe(_:stitching:options:)`` does: with words, both ends of a word move
    /// with the span that holds the word's middle and a segment spans its first to last word; without,
    /// a segment's end that falls exactly on a span's stitched end stays in that span. Segments that end
    /// before the last span's stitched start are placed the same whatever spans follow, so a stream can
    /// map them before the rest of the recording is known.
    /// - Parameters:
    ///   - spans: sorted, disjoint sample ranges (touching ones merged).
    public static func unstitch(_ segments: [WhisperSegment], spans: [Range<Int>]) -> [WhisperSegment] {
        let map = SpeechTimestampsMap(chunks: spans, sampleRate: WhisperLogMel.sampleRate)
        return segments.map { segment -> WhisperSegment in
            var segment = segment
            if let words = segment.words, !words.isEmpty {
                segment.words = words.map { word in
                    let index = map.chunkIndex(of: (word.start + word.end) / 2)
                    var word = word
                    word.start = map.originalTime(word.start, chunkIndex: index)
                    word.end = map.originalTime(word.end, chunkIndex: index)
                    return word
                }
                segment.start = segment.words!.first!.start
                segment.end = segment.words!.last!.end
            } else {
                segment.start = map.originalTime(segment.start)
                segment.end = map.originalTime(segment.end, isEnd: true)
            }
            return segment
        }
    }

    /// `transcribe(_:stitching:)` with the spans given as times (seconds from `samples[0]`), as the
    /// `segments` of a detector arrive.
    public func transcribe(_ samples: [Float], stitching regions: [Segment], options: WhisperDecodingOptions = .init()) throws -> [WhisperSegment] {
        let rate = Double(WhisperLogMel.sampleRate)
        let spans = regions.compactMap { region -> Range<Int>? in
            let lower = max(0, Int((region.start * rate).rounded())), upper = Int((region.end * rate).rounded())
            return upper > lower ? lower..<upper : nil
        }
        return try transcribe(samples, stitching: spans, options: options)
    }
}
