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
    /// - Complexity: one decoder pass over `tokens.count` positions, plus `tokens.count × vocabularySize` logits.
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
        var x = embedded(tokens)
        var attention = [[Float]](repeating: [], count: heads.count)
        for (index, layer) in decoderLayers.enumerated() {
            let qkv = layer.selfQKV(layer.selfNorm(x))
            x = x + layer.selfOutput(Attention.multiHead(fusedQKV: qkv, heads: decoderHeads, causal: true))
            let query = layer.crossQuery(layer.crossNorm(x))
            let crossed = Attention.multiHead(query: query, key: encoded.crossKeys[index], value: encoded.crossValues[index],
                                              heads: decoderHeads)
            for (slot, head) in heads.enumerated() where head.layer == index {
                attention[slot] = crossAttention(query: query, keys: encoded.crossKeys[index], head: head.head, frames: frames)
            }
            x = x + layer.crossOutput(crossed)
            x = layer.ffn(x)
        }
        let logits = Tensor.matmul(decoderNorm(x).reshaped([steps, width]), projection, transposeB: true)
        let vocabulary = min(textVocabulary, vocabularySize)
        var probabilities = [Float](repeating: 0, count: steps)
        logits.withUnsafeBufferPointer { values in
            probabilities.withUnsafeMutableBufferPointer { out in
                let base = values.baseAddress!, target = out.baseAddress!
                ComputeThreads.parallelFor(steps - 1, grain: 4) { rows in
                    for row in rows where tokens[row + 1] >= 0 && tokens[row + 1] < vocabulary {
                        let logits = base + row * vocabularySize
                        var maximum = -Float.infinity
                        for i in 0..<vocabulary where logits[i] > maximum { maximum = logits[i] }
                        var sum: Float = 0
                        for i in 0..<vocabulary { sum += expf(logits[i] - maximum) }
                        target[row] = expf(logits[tokens[row + 1]] - maximum) / sum
                    }
                }
            }
        }
        return WhisperAlignmentScores(tokenCount: steps, frameCount: frames, attention: attention,
                                      nextTokenProbabilities: probabilities)
    }

    /// Token embeddings plus learned positions from 0, [1, tokens, width].
    private func embedded(_ tokens: [Int]) -> Tensor {
        embeddings.withUnsafeBufferPointer { table in
            decoderPositions.withUnsafeBufferPointer { positions in
                Tensor(shape: [1, tokens.count, width]) { out in
                    for (t, token) in tokens.enumerated() {
                        precondition(token >= 0 && token < vocabularySize, "token \(token) outside the vocabulary")
                        let target = out.baseAddress! + t * width
                        let e = table.baseAddress! + token * width
                        let p = positions.baseAddress! + t * width
                        for c in 0..<width { target[c] = e[c] + p[c] }
                    }
                }
            }
        }
    }

    /// One head's attention probabilities, softmax over the first `frames` keys only, [tokens × frames].
    private func crossAttention(query: Tensor, keys: Tensor, head: Int, frames: Int) -> [Float] {
        let headWidth = width / decoderHeads
        let columns = head * headWidth..<(head + 1) * headWidth
        guard frames > 0 else { return [] }
        let q = query.slice(axis: 2, columns)
        let k = keys.slice(axis: 1, 0..<frames).slice(axis: 2, columns)
        var scores = Tensor.matmul(q, k, transposeB: true)
        let scale = 1 / Float(headWidth).squareRoot()
        scores.withUnsafeMutableBufferPointer { values in
            for i in values.indices { values[i] *= scale }
        }
        return scores.softmax().withUnsafeBufferPointer { Array($0) }
    }
}
