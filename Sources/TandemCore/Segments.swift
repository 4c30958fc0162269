/// A labelled time interval on the file's clock.
///
/// Its bounds are exact `MediaTime`s: a producer that knows a position (a sample index, a frame's
/// pts) gives it as such, so a segment at sample 48 000 at 48 kHz stays 48000/48000 and lines up with
/// the packets it describes without rounding. `start` and `end` are seconds derived from them; a time
/// that really is a real number (computed by an algorithm in seconds, or a user's parameter) goes in
/// through them or `init(start: Double, …)`, as the exact binary value of that `Double`
/// (`MediaTime(seconds:)`), so reading it back gives the same `Double`.
public struct Segment: Sendable, Equatable, MediaTimeSpan {
    /// Where the interval starts, exactly.
    public var startTime: MediaTime
    /// Where the interval ends, exactly.
    public var endTime: MediaTime
    public var label: String
    public var score: Double
    /// The picture region the segment is about (a separated source's player), typed; nil for plain segments.
    public var region: PictureRegion?

    /// A segment between two exact instants.
    public init(start: MediaTime, end: MediaTime, label: String = "", score: Double = 1) {
        startTime = start
        endTime = end
        self.label = label
        self.score = score
    }

    /// A segment between two times computed in seconds (see the type's note); each `Double` is kept exactly.
    public init(start: Double, end: Double, label: String = "", score: Double = 1) {
        self.init(start: MediaTime(seconds: start), end: MediaTime(seconds: end), label: label, score: score)
    }
}

/// One recognised stretch of speech.
public struct TranscriptSegment: Sendable, Equatable, MediaTimeSpan {
    /// Where it starts and ends on the file's clock, exactly (see `Segment`).
    public var startTime: MediaTime
    public var endTime: MediaTime
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

    /// A segment between two exact instants.
    public init(start: MediaTime, end: MediaTime, text: String, tokens: [Int] = [], averageLogProbability: Double = 0,
                noSpeechProbability: Double = 0, speaker: String? = nil, words: [TranscriptWord]? = nil,
                language: String? = nil, languageProbability: Double? = nil) {
        startTime = start
        endTime = end
        self.text = text
        self.tokens = tokens
        self.averageLogProbability = averageLogProbability
        self.noSpeechProbability = noSpeechProbability
        self.speaker = speaker
        self.words = words
        self.language = language
        self.languageProbability = languageProbability
    }

    /// A segment between two times computed in seconds; each `Double` is kept exactly (`MediaTime(seconds:)`).
    public init(start: Double, end: Double, text: String, tokens: [Int] = [], averageLogProbability: Double = 0,
                noSpeechProbability: Double = 0, speaker: String? = nil, words: [TranscriptWord]? = nil,
                language: String? = nil, languageProbability: Double? = nil) {
        self.init(start: MediaTime(seconds: start), end: MediaTime(seconds: end), text: text, tokens: tokens,
                  averageLogProbability: averageLogProbability, noSpeechProbability: noSpeechProbability, speaker: speaker,
                  words: words, language: language, languageProbability: languageProbability)
    }
}

/// One word of a transcript segment with its time and confidence (faster-whisper's `Word`).
public struct TranscriptWord: Sendable, Equatable, MediaTimeSpan {
    /// The word as decoded, with its leading space and any punctuation merged into it (" dog.").
    public var word: String
    /// Where it starts and ends on the file's clock, exactly (see `Segment`).
    public var startTime: MediaTime
    public var endTime: MediaTime
    /// Mean probability of the word's tokens given the text before them.
    public var probability: Double
    /// Who said it, when known: the face whose lips moved during it, or `off-screen`.
    public var speaker: String?

    /// A word between two exact instants.
    public init(word: String, start: MediaTime, end: MediaTime, probability: Double, speaker: String? = nil) {
        self.word = word
        startTime = start
        endTime = end
        self.probability = probability
        self.speaker = speaker
    }

    /// A word between two times computed in seconds; each `Double` is kept exactly (`MediaTime(seconds:)`).
    public init(word: String, start: Double, end: Double, probability: Double, speaker: String? = nil) {
        self.init(word: word, start: MediaTime(seconds: start), end: MediaTime(seconds: end), probability: probability, speaker: speaker)
    }
}

/// An interval between two exact instants on the file's clock, read and written in seconds too.
public protocol MediaTimeSpan {
    var startTime: MediaTime { get set }
    var endTime: MediaTime { get set }
}

extension MediaTimeSpan {
    /// Seconds on the file's clock, derived from `startTime`; setting it stores the `Double` exactly.
    public var start: Double {
        get { startTime.seconds }
        set { startTime = MediaTime(seconds: newValue) }
    }

    /// Seconds on the file's clock, derived from `endTime`; setting it stores the `Double` exactly.
    public var end: Double {
        get { endTime.seconds }
        set { endTime = MediaTime(seconds: newValue) }
    }
}
