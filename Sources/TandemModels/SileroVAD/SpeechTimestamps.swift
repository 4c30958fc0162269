/// Speech spans from per-chunk speech probabilities, by faster-whisper 1.2.1's rules
/// (`vad.get_speech_timestamps`), so `vad_filter` keeps exactly the audio faster-whisper keeps.
///
/// A span starts at the first chunk at or above `threshold`; it ends at the first chunk below the
/// negative threshold that is followed by `minSilenceDurationMs` without speech (the end is where
/// that silence began). Spans longer than `maxSpeechDurationSeconds` (less one chunk and both pads)
/// are cut at the last silence of more than 98 ms, or else right there. A span still open at the
/// end runs to the last sample. Then every span is padded by `speechPadMs` on both sides, or, where
/// two spans are closer than two pads, both meet in the middle of the gap.
///
/// `SpeechTimestampTracker` runs the same rules as the probabilities arrive; this is it fed at once.
public enum SpeechTimestamps {
    /// The speech spans of a signal.
    /// - Parameters:
    ///   - probabilities: one per 512-sample chunk (`SileroVAD.speechProbabilities`).
    ///   - sampleCount: the signal's length before padding; spans never pass it.
    ///   - options: the rules' parameters.
    ///   - sampleRate: of the signal (the model's chunks are 512 samples at 16 kHz).
    /// - Returns: sample ranges, in order, disjoint.
    /// - Complexity: O(probabilities.count).
    public static func compute(probabilities: [Float], sampleCount: Int, options: VADOptions = VADOptions(),
                               sampleRate: Int = SileroVAD.sampleRate) -> [Range<Int>] {
        var tracker = SpeechTimestampTracker(options: options, sampleRate: sampleRate)
        return tracker.finish(probabilities, sampleCount: sampleCount)
    }
}
