/// A decoder cross-attention head whose attention follows the speech in time (openai/whisper's
/// `alignment_heads`), used to time words.
public struct WhisperAlignmentHead: Sendable, Hashable, Codable {
    public var layer: Int
    public var head: Int

    public init(layer: Int, head: Int) {
        self.layer = layer
        self.head = head
    }

    /// Every head of the last half of the decoder layers: what openai/whisper and CTranslate2's
    /// converter use for a model whose heads were never selected.
    public static func lastHalf(layers: Int, heads: Int) -> [WhisperAlignmentHead] {
        (layers / 2..<layers).flatMap { layer in (0..<heads).map { WhisperAlignmentHead(layer: layer, head: $0) } }
    }

    /// Pairs `[[layer, head], …]` as `config.json` (CTranslate2) and `generation_config.json` (Hugging Face) list them.
    /// - Returns: nil when a pair does not hold two numbers.
    public static func parse(_ pairs: [[Int]]) -> [WhisperAlignmentHead]? {
        guard pairs.allSatisfy({ $0.count == 2 }) else { return nil }
        return pairs.map { WhisperAlignmentHead(layer: $0[0], head: $0[1]) }
    }
}
