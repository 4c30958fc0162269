/// What the decoder says about a known text, for timing its words: the alignment heads' cross-attention
/// and each text token's probability (CTranslate2 `Whisper::align` before its post-processing).
public struct WhisperAlignmentScores: Sendable, Equatable {
    /// Input positions (start sequence, `<|notimestamps|>`, text tokens, end of text).
    public var tokenCount: Int
    /// Encoder positions attended to: the window's content frames / 2 (conv2 has stride 2).
    public var frameCount: Int
    /// Per alignment head, `tokenCount × frameCount` attention probabilities, token-major: each row is a
    /// softmax over the content positions only, so padding after the speech takes no weight.
    public var attention: [[Float]]
    /// For input position `i`, the probability of token `i + 1` among the text tokens (ids below end of
    /// text); 0 where the next token is not text or there is none.
    public var nextTokenProbabilities: [Float]

    public init(tokenCount: Int, frameCount: Int, attention: [[Float]], nextTokenProbabilities: [Float]) {
        self.tokenCount = tokenCount
        self.frameCount = frameCount
        self.attention = attention
        self.nextTokenProbabilities = nextTokenProbabilities
    }
}
