/// A labelled time interval, in seconds on the file's clock.
public struct Segment: Sendable, Equatable, Codable {
    public var start: Double
    public var end: Double
    public var label: String
    public var score: Double
    /// The picture region the segment is about (a separated source's player), typed; nil for plain segments.
    public var region: PictureRegion?

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
    /// Its words with their times, when the recogniser timed them.
    public var words: [TranscriptWord]?
    /// The language code it was recognised in, when the recogniser says.
    public var language: String?
    /// How sure the recogniser was of `language` (1 when it was given rather than detected).
    public var languageProbability: Double?

    public init(start: Double, end: Double, text: String, tokens: [Int] = [], averageLogProbability: Double = 0,
                noSpeechProbability: Double = 0, speaker: String? = nil, words: [TranscriptWord]? = nil,
                language: String? = nil, languageProbability: Double? = nil) {
        self.start = start
        self.end = end
        self.text = text
        self.tokens = tokens
        self.averageLogProbability = averageLogProbability
        self.noSpeechProbability = noSpeechProbability
        self.speaker = speaker
        self.words = words
        self.language = language
        self.languageProbability = languageProbability
    }
}

/// One word of a transcript segment with its time and confidence (faster-whisper's `Word`).
public struct TranscriptWord: Sendable, Equatable, Codable {
    /// The word as decoded, with its leading space and any punctuation merged into it (" dog.").
    public var word: String
    /// Seconds on the file's clock.
    public var start: Double
    public var end: Double
    /// Mean probability of the word's tokens given the text before them.
    public var probability: Double
    /// Who said it, when known: the face whose lips moved during it, or `off-screen`.
    public var speaker: String?

    public init(word: String, start: Double, end: Double, probability: Double, speaker: String? = nil) {
        self.word = word
        self.start = start
        self.end = end
        self.probability = probability
        self.speaker = speaker
    }
}
