/// Decoding options that the model cannot honour (a language an English-only model does not speak,
/// translation without a multilingual model, an unknown language code).
public struct WhisperOptionsError: Swift.Error, CustomStringConvertible, Sendable {
    /// One sentence per problem, naming the option, the model and what to do instead.
    public var problems: [String]

    public init(problems: [String]) { self.problems = problems }

    public var description: String { problems.joined(separator: "; ") }
}
