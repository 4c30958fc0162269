/// A labelled time interval, in seconds on the file's clock.
public struct Segment: Sendable, Equatable, Codable {
    public var start: Double
    public var end: Double
    public var label: String
    public var score: Double

    public init(start: Double, end: Double, label: String = "", score: Double = 1) {
        self.start = start
        self.end = end
        self.label = label
        self.score = score
    }
}

/// One recognised stretch of speech.
public struct TranscriptSegment: Sendable, Equatable, Codable {
    public var start: Double
    public var end: Double
    public var text: String
    public var tokens: [Int]
    public var averageLogProbability: Double
    public var noSpeechProbability: Double
    /// Which on-screen speaker spoke it, when known.
    public var speaker: String?

    public init(start: Double, end: Double, text: String, tokens: [Int] = [], averageLogProbability: Double = 0,
                noSpeechProbability: Double = 0, speaker: String? = nil) {
        self.start = start
        self.end = end
        self.text = text
        self.tokens = tokens
        self.averageLogProbability = averageLogProbability
        self.noSpeechProbability = noSpeechProbability
        self.speaker = speaker
    }
}
