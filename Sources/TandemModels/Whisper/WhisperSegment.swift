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

    /// The packet form used between nodes.
    public var transcriptSegment: TranscriptSegment {
        TranscriptSegment(start: start, end: end, text: text, tokens: tokens, averageLogProbability: averageLogProbability,
                          noSpeechProbability: noSpeechProbability, words: words)
    }
}
