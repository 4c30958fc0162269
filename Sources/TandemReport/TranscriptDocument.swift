/// A transcript as `write-transcript` writes it in JSON (openai/whisper's layout): segments with
/// times, text, an optional speaker label and optional timed words.
public struct TranscriptDocument: Sendable, Decodable, Equatable {
    public struct Word: Sendable, Decodable, Equatable {
        public var word: String
        public var start: Double
        public var end: Double
        public var probability: Double?
    }

    public struct Segment: Sendable, Decodable, Equatable {
        public var start: Double
        public var end: Double
        public var text: String
        public var speaker: String?
        public var words: [Word]?
    }

    public var segments: [Segment]
}
