import Foundation
import TandemNN

/// AudioLDM's text encoder: transformers' `ClapTextModelWithProjection`, a RoBERTa encoder whose
/// pooled first token is projected to the CLAP embedding space.
///
/// Computes what transformers computes — embeddings (word + token type + position, with RoBERTa's
/// positions counted over the non-padding ids), post-LN encoder layers, the pooler (dense + tanh on
/// the first token) and the projection (linear → activation → linear) — with two shortcuts that leave
/// the result unchanged:
/// - positions after a sequence's last unmasked token are dropped before the encoder runs: no
///   unmasked query attends to them, so they cannot reach the first token. diffusers pads prompts to
///   `model_max_length` (512 for the published checkpoints), so a 10-token prompt costs 12 positions
///   here instead of 512;
/// - the last layer computes its attention output and feed-forward for the first token only, the one
///   the pooler reads (its keys and values still come from every position).
public struct ClapTextEncoder: Sendable {
    public let configuration: ClapTextConfiguration
    /// The size of the embedding (`projection_dim`).
    public var projectionDimension: Int { configuration.projectionDim }

    /// One post-LN RoBERTa layer: x ← LN(x + attention(x)); x ← LN(x + W₂·act(W₁·x)).
    struct Layer: Sendable {
        let attention: MultiHeadAttention
        let attentionNorm: LayerNorm
        let intermediate: Linear
        let output: Linear
        let outputNorm: LayerNorm
    }

    let wordEmbeddings: Embedding
    let positionEmbeddings: Embedding
    let tokenTypeEmbeddings: Embedding
    let embeddingNorm: LayerNorm
    let layers: [Layer]
    let pooler: Linear
    let projectionIn: Linear
    let projectionOut: Linear
    let activation: Activation
    let projectionActivation: Activation

    /// Loads `config.json` and the weights of a `text_encoder/` folder.
    ///
    /// The `position_ids` and `token_type_ids` buffers transformers may save beside the weights are
    /// accepted when present and not required: they are `arange` and zeros, recomputed here.
    /// - Throws: `AudioLDMError(.unsupportedConfiguration)` naming config.json and each field the encoder
    ///   cannot compute; `WeightsError(.invalidConfiguration)` when config.json cannot be decoded,
    ///   `.parameterMismatch` listing every missing, unexpected or misshapen tensor.
    public init(directory: HuggingFaceDirectory) throws {
        let file = directory.url.appendingPathComponent("config.json").path
        let configuration = try directory.decodeJSON(ClapTextConfiguration.self)
        let problems = configuration.problems
        guard problems.isEmpty else {
            throw AudioLDMError(.unsupportedConfiguration, file: file, "unsupported CLAP text configuration: " + problems.joined(separator: "; "))
        }
        let weights = WeightReader(directory)
        self.init(configuration: configuration, weights: weights)
        try weights.finish { key in key == "text_model.embeddings.position_ids" || key == "text_model.embeddings.token_type_ids" }
    }

    /// Builds the encoder from a reader (checkpoint or generated weights) for a validated configuration.
    init(configuration c: ClapTextConfiguration, weights: WeightReader) {
        configuration = c
        let model = weights.scoped("text_model")
        let embeddings = model.scoped("embeddings")
        let width = c.hiddenSize, eps = c.layerNormEps
        wordEmbeddings = Embedding(embeddings, "word_embeddings", count: c.vocabSize, dimension: width)
        positionEmbeddings = Embedding(embeddings, "position_embeddings", count: c.maxPositionEmbeddings, dimension: width)
        tokenTypeEmbeddings = Embedding(embeddings, "token_type_embeddings", count: c.typeVocabSize, dimension: width)
        embeddingNorm = LayerNorm(embeddings, "LayerNorm", size: width, eps: eps)
        layers = (0..<c.numHiddenLayers).map { index in
            let layer = model.scoped("encoder.layer.\(index)")
            return Layer(
                attention: MultiHeadAttention(layer, "attention", kind: .selfAttention, width: width, heads: c.numAttentionHeads,
                                              projections: .separate(query: "self.query", key: "self.key", value: "self.value", output: "output.dense")),
                attentionNorm: LayerNorm(layer, "attention.output.LayerNorm", size: width, eps: eps),
                intermediate: Linear(layer, "intermediate.dense", inFeatures: width, outFeatures: c.intermediateSize),
                output: Linear(layer, "output.dense", inFeatures: c.intermediateSize, outFeatures: width),
                outputNorm: LayerNorm(layer, "output.LayerNorm", size: width, eps: eps))
        }
        pooler = Linear(model, "pooler.dense", inFeatures: width, outFeatures: width)
        projectionIn = Linear(weights, "text_projection.linear1", inFeatures: width, outFeatures: c.projectionDim)
        projectionOut = Linear(weights, "text_projection.linear2", inFeatures: c.projectionDim, outFeatures: c.projectionDim)
        activation = ClapTextConfiguration.activation(named: c.hiddenAct) ?? .gelu
        projectionActivation = ClapTextConfiguration.activation(named: c.projectionHiddenAct) ?? .relu
    }

    // MARK: - Running

    /// The projected text embeddings (`text_embeds`), not normalised.
    /// - Parameters:
    ///   - ids: token ids, one row per text, all rows of one length (as `RobertaTokenizer.padded` gives them).
    ///   - mask: the attention mask of the same shape, 1 for a token and 0 for padding; every row has a 1.
    /// - Returns: [batch, projectionDimension].
    /// - Complexity: O(layers · batch · (n·D² + n²·D)) where n is the longest row's length up to its
    ///   last unmasked token, not the padded length.
    public func textEmbeddings(ids: [[Int]], mask: [[Int]]) -> Tensor {
        let batch = ids.count
        precondition(batch > 0 && mask.count == batch, "\(batch) id rows and \(mask.count) mask rows")
        let padded = ids[0].count
        precondition(ids.allSatisfy { $0.count == padded } && mask.allSatisfy { $0.count == padded },
                     "id and mask rows must all have one length")
        // Each row's length up to its last unmasked token; nothing after it reaches the first token.
        let lengths = mask.map { row in (row.lastIndex { $0 != 0 } ?? -1) + 1 }
        precondition(lengths.allSatisfy { $0 > 0 }, "every mask row needs at least one unmasked token")
        let length = lengths.max()!
        precondition(length <= configuration.maxSequenceLength,
                     "\(length) tokens exceed the \(configuration.maxSequenceLength) positions of the text encoder")
        let rows = ids.map { Array($0.prefix(length)) }
        for row in rows {
            precondition(row.allSatisfy { $0 >= 0 && $0 < configuration.vocabSize }, "token id outside the vocabulary of \(configuration.vocabSize)")
        }

        // RoBERTa's positions: pad + running count of non-padding ids, and pad itself for padding ids.
        let pad = configuration.padTokenId
        let positions = rows.map { row in
            var count = 0
            return row.map { id in
                guard id != pad else { return pad }
                count += 1
                return pad + count
            }
        }
        let typeRow = tokenTypeEmbeddings([0]).reshaped([configuration.hiddenSize])
        var x = embeddingNorm((wordEmbeddings(rows) + typeRow) + positionEmbeddings(positions))
        let attentionMask = Self.attentionMask(mask.map { Array($0.prefix(length)) }, lengths: lengths, length: length)

        for layer in layers.dropLast() {
            let attended = layer.attentionNorm(layer.attention(x, mask: attentionMask, residual: x))
            let hidden = layer.intermediate(attended, activation: activation)
            x = layer.outputNorm(layer.output(hidden, residual: attended))
        }
        // The last layer for the first token only: its query against every key and value.
        let last = layers[layers.count - 1]
        guard let qkv = last.attention.qkv else { preconditionFailure("the text encoder's attention is self-attention") }
        let projected = qkv(x).chunked(3, axis: 2)
        let first = x.slice(axis: 1, 0..<1)
        let context = Attention.multiHead(query: projected[0].slice(axis: 1, 0..<1), key: projected[1], value: projected[2],
                                          heads: last.attention.heads, mask: attentionMask)
        let attended = last.attentionNorm(last.attention.output(context, residual: first))
        let hidden = last.intermediate(attended, activation: activation)
        let firstToken = last.outputNorm(last.output(hidden, residual: attended)).reshaped([batch, configuration.hiddenSize])

        let pooled = pooler(firstToken, activation: .tanh)
        return projectionOut(projectionIn(pooled, activation: projectionActivation))
    }

    /// The text embeddings L2-normalised over the last axis (`F.normalize(text_embeds, dim=-1)`), as
    /// diffusers' AudioLDM pipeline conditions the UNet on them.
    /// - Returns: [batch, projectionDimension], each row of unit length (a zero row stays zero).
    public func normalisedEmbeddings(ids: [[Int]], mask: [[Int]]) -> Tensor {
        let embeddings = textEmbeddings(ids: ids, mask: mask)
        let width = projectionDimension
        var values = embeddings.scalars
        for row in 0..<embeddings.shape[0] {
            let range = row * width..<(row + 1) * width
            let norm = values[range].reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            // F.normalize divides by max(‖x‖, 1e-12).
            let scale = 1 / max(norm, 1e-12)
            for i in range { values[i] *= scale }
        }
        return Tensor(shape: embeddings.shape, values: values)
    }

    /// The mask in the form the attention kernels take: none when every row is unmasked to the end,
    /// key lengths when each row is ones then zeros (right padding), else an additive mask with
    /// transformers' value for a hidden key (the float minimum, whose softmax weight is exactly 0).
    static func attentionMask(_ mask: [[Int]], lengths: [Int], length: Int) -> AttentionMask? {
        if lengths.allSatisfy({ $0 == length }) && mask.allSatisfy({ $0.allSatisfy { $0 != 0 } }) { return nil }
        let prefixes = zip(mask, lengths).allSatisfy { row, count in row[..<count].allSatisfy { $0 != 0 } }
        if prefixes { return .keyLengths(lengths) }
        let values = mask.flatMap { row in row.map { $0 != 0 ? Float(0) : -Float.greatestFiniteMagnitude } }
        return .additive(Tensor(shape: [mask.count, 1, length], values: values))
    }
}
