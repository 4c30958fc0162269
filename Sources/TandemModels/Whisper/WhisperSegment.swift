import TandemCore

/// One transcribed stretch, with the fields faster-whisper's `Segment` carries.
public struct WhisperSegment: Sendable, Equatable, Codable {
    public var id: Int
    /// Mel frame (10 ms) where the window that produced it started.
    public var seek: Int
    public var start: Double
    public var end: Double
    public var text: String
    /// Its tokens, timestamps included.
    public var tokens: [Int]
    /// Temperature of the accepted decoding.
    public var temperature: Float
    public var averageLogProbability: Double
    public var compressionRatio: Double
    public var noSpeechProbability: Double
    /// Its words with their times, when word timestamps were asked for.
    public var words: [TranscriptWord]? = nil
    /// The language it was decoded in (detected or given; `en` for English-only models).
    public var language: String? = nil
    /// The detected language's probability on the first window (faster-whisper `language_probability`);
    /// 1 when the language was given or the model is English-only.
    public var languageProbability: Double? = nil

    /// The packet form used between nodes.
    public var transcriptSegment: TranscriptSegment {
        TranscriptSegment(start: start, end: end, text: text, tokens: tokens, averageLogProbability: averageLogProbability,
                          noSpeechProbability: noSpeechProbability, words: words, language: language,
                          languageProbability: languageProbability)
    }
}
