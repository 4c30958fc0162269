/// The `summary.json` that `write-sources` writes beside the separated WAVs.
public struct SeparationSummary: Sendable, Decodable, Equatable {
    /// A box in the source video's pixels.
    public struct Box: Sendable, Decodable, Equatable {
        public var x: Double
        public var y: Double
        public var width: Double
        public var height: Double
    }

    public struct Source: Sendable, Decodable, Equatable {
        public var label: String
        /// The WAV's name, relative to the summary's folder; nil for a silent region, which gets no file.
        public var file: String?
        /// The region moved but none of the sound is its (a bystander, or a piece of another player's region).
        public var silent: Bool?
        public var confidence: Double?
        public var rms: Double?
        /// Nil in audio-only mode.
        public var region: Box?
    }

    /// `motion` or `audio-only`.
    public var mode: String?
    public var notes: [String]?
    public var sources: [Source]
    public var seconds: Double?
}
