/// One decoded window: the best hypothesis of a greedy, beam or sampling search.
public struct WhisperSearchResult: Sendable, Equatable {
    /// Sampled tokens, timestamps included, end of text excluded.
    public var tokens: [Int]
    /// Sum of the chosen tokens' log probabilities, the end of text's included.
    public var sumLogProbability: Float
    /// `sumLogProbability / length ^ lengthPenalty`, the ranking score (CTranslate2's returned score).
    public var score: Float
    /// Probability of `<|nospeech|>` at the first step, from the raw logits.
    public var noSpeechProbability: Float
}
