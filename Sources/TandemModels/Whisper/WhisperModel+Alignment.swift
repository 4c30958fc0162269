import Foundation
import TandemNN

/// The decoder pass word timing needs (CTranslate2 `WhisperReplica::align`, openai/whisper `timing.py`
/// `find_alignment`): the whole known sequence at once, keeping the alignment heads' cross-attention.
///
/// It reuses the layers of ``decode(_:cache:)`` but not its cache: the sequence is new (no previous-text
/// prompt) and every position's output is wanted, not only the last one's.
extension WhisperModel {
    /// Every head of the last half of the decoder layers, for checkpoints that list no alignment heads.
    public var fallbackAlignmentHeads: [WhisperAlignmentHead] {
        WhisperAlignmentHead.lastHalf(layers: decoderLayers.count, heads: decoderHeads)
    }

    /// - Parameters:
    ///   - tokens: start sequence, `<|notimestamps|>`, text tokens, end of text.
    ///   - frames: encoder positions holding the window's content (content mel frames / 2); later positions
    ///     (zero padding) take no attention.
    ///   - heads: nil for ``fallbackAlignmentHeads``.
    ///   - textVocabulary: the end-of-text id; probabilities are a softmax over the ids below it.
    /// - Throws: ``WhisperAlignmentError`` for a head outside the decoder or a sequence longer than its positions.
    /// - Complexity: one decoder pass over `tokens.count` positions, plus `tokens.count × textVocabulary` logits.
    public func alignmentScores(_ tokens: [Int], encoded: Encoded, frames: Int, heads: [WhisperAlignmentHead]?,
                                textVocabulary: Int) throws -> WhisperAlignmentScores {
        let heads = heads ?? fallbackAlignmentHeads
        if let bad = heads.first(where: { !(0..<decoderLayers.count).contains($0.layer) || !(0..<decoderHeads).contains($0.head) }) {
            throw WhisperAlignmentError(.invalidHead, "layer \(bad.layer), head \(bad.head) is outside a decoder of "
                                        + "\(decoderLayers.count) layers × \(decoderHeads) heads")
        }
        let steps = tokens.count
        guard steps > 0, steps <= maxPositions else {
            throw WhisperAlignmentError(.tooLong, "\(steps) tokens for \(maxPositions) decoder positions")
        }
        let frames = max(0, min(frames, encoded.states.shape[1]))
        var x = embedded([tokens], start: 0)
        var attention = [[Float]](repeating: [], count: heads.count)
        for (index, layer) in decoderLayers.enumerated() {
            x = layer.selfAttention(layer.selfNorm(x), mask: .causal, residual: x)
            let cross = layer.crossAttention, memory = encoded.crossMemories[index]
            let query = cross.query!(layer.crossNorm(x))
            for (slot, head) in heads.enumerated() where head.layer == index {
                attention[slot] = crossAttention(query: query, keys: memory.keys(head: head.head), head: head.head, frames: frames)
            }
            x = cross.output(Attention.multiHead(query: query, memory: memory), residual: x)
            x = layer.ffn(x)
        }
        let vocabulary = max(0, min(textVocabulary, vocabularySize))
        // The probability of the token that follows, in each row's softmax over the text vocabulary: the
        // logits of the text tokens only (the special ones after them take no part), and of each row's
        // softmax only its normaliser, log Σ exp.
        let logits = projection.firstOutputs(vocabulary, of: decoderNorm(x).reshaped([steps, width]))
        let normalisers = logits.logSumExp().scalars, text = logits.scalars
        let probabilities: [Float] = (0..<steps).map { row in
            guard row + 1 < steps, tokens[row + 1] >= 0, tokens[row + 1] < vocabulary else { return 0 }
            return Foundation.exp(text[row * vocabulary + tokens[row + 1]] - normalisers[row])
        }
        return WhisperAlignmentScores(tokenCount: steps, frameCount: frames, attention: attention,
                                      nextTokenProbabilities: probabilities)
    }

    /// One head's attention probabilities, softmax over the first `frames` keys only, [tokens × frames].
    private func crossAttention(query: Tensor, keys: Tensor, head: Int, frames: Int) -> [Float] {
        let headWidth = width / decoderHeads
        let columns = head * headWidth..<(head + 1) * headWidth
        guard frames > 0 else { return [] }
        let q = query.slice(axis: 2, columns)
        let k = keys.slice(axis: 0, 0..<frames).reshaped([1, frames, headWidth])
        let scores = Tensor.matmul(q, k, transposeB: true).scaled(by: 1 / Float(headWidth).squareRoot())
        return scores.softmax().scalars
    }
}
