extension WhisperRecognizer {
    /// What `vad_filter` kept and where the transcript's times came from.
    public struct VADFilterResult: Sendable {
        /// Segments (and words) on the timeline of the samples given.
        public var segments: [WhisperSegment]
        /// The speech spans kept, in samples.
        public var speech: [Range<Int>]
        /// The speech probability of every 512-sample chunk.
        public var probabilities: [Float]
    }

    /// Transcribes only the speech in `samples`, as faster-whisper's `transcribe(vad_filter=True)` does:
    /// Silero VAD finds the speech spans (`SpeechTimestamps`), the spans are stitched together without the
    /// silence between them (`SpeechChunks.collect`), the stitched audio is transcribed as one recording,
    /// and every time is mapped back to the original timeline (`SpeechTimestampsMap`). With word
    /// timestamps, both ends of a word move with the span that holds the word's middle, and a segment
    /// spans its first to last word; without, a segment's end that falls exactly on a span's stitched end
    /// stays in that span.
    ///
    /// Unlike `transcribe(_:within:)`, which decodes each region alone, the stitched audio lets one 30 s
    /// window hold several spans, so short utterances keep their context.
    /// - Returns: the segments and the VAD's findings; no segment when no speech was found.
    public func transcribe(_ samples: [Float], vadFilter vad: SileroVAD, vadOptions: VADOptions = VADOptions(),
                           options: WhisperDecodingOptions = .init()) throws -> VADFilterResult {
        let probabilities = vad.speechProbabilities(samples)
        let speech = SpeechTimestamps.compute(probabilities: probabilities, sampleCount: samples.count, options: vadOptions)
        guard !speech.isEmpty else { return VADFilterResult(segments: [], speech: [], probabilities: probabilities) }
        let stitched = SpeechChunks.collect(samples, spans: speech).flatMap(\.samples)
        let segments = try transcribe(stitched, options: options)
        let map = SpeechTimestampsMap(chunks: speech, sampleRate: SileroVAD.sampleRate)
        let restored = segments.map { segment -> WhisperSegment in
            var segment = segment
            if let words = segment.words, !words.isEmpty {
                segment.words = words.map { word in
                    // Both ends resolved in the span of the word's middle, so a word never straddles a gap.
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
        return VADFilterResult(segments: restored, speech: speech, probabilities: probabilities)
    }
}
