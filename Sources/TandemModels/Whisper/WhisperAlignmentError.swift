/// Why words could not be timed.
public struct WhisperAlignmentError: Swift.Error, CustomStringConvertible, Equatable {
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// An alignment head names a layer or head the decoder does not have (a `config.json` for another model).
        public static let invalidHead = Code(rawValue: "invalid alignment head")
        /// The model type cannot return cross-attention.
        public static let unsupportedModel = Code(rawValue: "unsupported model")
        /// Start sequence + text + end of text exceed the decoder's positions.
        public static let tooLong = Code(rawValue: "sequence too long")
    }

    public var code: Code
    public var detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "word timestamps: \(code): \(detail)" }
}
