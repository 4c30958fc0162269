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
        let restored = try transcribe(samples, stitching: speech, options: options)
        return VADFilterResult(segments: restored, speech: speech, probabilities: probabilities)
    }
}
