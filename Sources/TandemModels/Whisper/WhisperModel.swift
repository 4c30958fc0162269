import Foundation
import TandemNN

/// Whisper's encoder–decoder on Tandem's CPU kernels, built from the shared `TandemNN` layers, with
/// weights from a CTranslate2 `model.bin` (faster-whisper's model directories) or a Hugging Face
/// `openai/whisper-*` directory (`WhisperModel+HuggingFace.swift`), each under its own names.
///
/// Encoder: conv1 (k3, p1) + GELU, conv2 (k3, s2, p1) + GELU, + sinusoidal positions, pre-norm
/// transformer layers (fused QKV self-attention, GELU FFN), final layer norm.
/// Decoder: token embeddings + learned positions, pre-norm layers of causal self-attention (cached keys
/// and values per row), cross-attention (keys and values computed once per window), FFN, final layer
/// norm, and logits against the token embeddings (`decoder/projection/weight`, usually an alias).
///
/// A decoding step has one row per beam, so it is bound by reading weights, not by arithmetic: the
/// decoder's linear layers and the token table keep only a packed copy (`Linear.packedForFewRows`,
/// fp16 when the checkpoint stores fp16 — the same values CTranslate2 widens to fp32, half the bytes),
/// the token table serving both the embedding lookup and the output projection; each window's
/// cross-attention keys and values are packed per head once (`CrossAttentionMemory`), and the
/// self-attention cache grows in place (`KVCache`). The encoder uses OpenBLAS GEMMs.
///
/// The weights are immutable after loading, so one model serves any number of transcriptions.
public final class WhisperModel: WhisperModelProtocol, Sendable {
    public let vocabularySize: Int
    public let melCount: Int
    public let width: Int
    public let encoderHeads: Int
    public let decoderHeads: Int
    /// Longest token sequence the learned positions cover (448).
    public let maxPositions: Int

    let conv1: Conv1d
    let conv2: Conv1d
    let encoderPositions: Tensor
    let encoderLayers: [EncoderLayer]
    let encoderNorm: LayerNorm
    /// The token table [vocabulary, width], packed: rows are looked up for the embedding, and the
    /// same table is the output projection when the checkpoint ties them.
    let tokens: SmallBatchLinear
    /// The output projection: `tokens` itself when tied (its storage shared, not copied).
    let projection: SmallBatchLinear
    let decoderPositions: Tensor
    let decoderLayers: [DecoderLayer]
    let decoderNorm: LayerNorm

    struct FeedForward: Sendable {
        var norm: LayerNorm
        var inner: Linear
        var outer: Linear
        func callAsFunction(_ x: Tensor) -> Tensor { outer(inner(norm(x), activation: .gelu), residual: x) }
    }

    struct EncoderLayer: Sendable {
        var norm: LayerNorm
        var attention: MultiHeadAttention
        var ffn: FeedForward
    }

    struct DecoderLayer: Sendable {
        var selfNorm: LayerNorm
        var selfAttention: MultiHeadAttention
        var crossNorm: LayerNorm
        var crossAttention: MultiHeadAttention
        var ffn: FeedForward
    }

    /// The encoder output of one window with each decoder layer's cross-attention keys and values.
    public struct Encoded: Sendable {
        /// [1, 1500, width].
        public let states: Tensor
        /// Per decoder layer: the cross-attention keys and values, packed per head (the only copy).
        let crossMemories: [CrossAttentionMemory]
    }

    /// Per-row self-attention keys and values of every decoder layer.
    public struct Cache: Sendable {
        let encoded: Encoded
        var layers: [KVCache]
        var length: Int
        var rows: Int
    }

    /// How a checkpoint format names Whisper's tensors; the layers read them under these keys.
    struct CheckpointNames: Sendable {
        var encoder: String
        var decoder: String
        var conv1: String
        var conv2: String
        var encoderPositions: String
        var decoderPositions: String
        var tokenTable: String
        /// An untied output projection, when the checkpoint has its own.
        var projection: String?
        var layer: @Sendable (Int) -> String
        var selfNorm: String
        var selfAttention: String
        var selfProjections: MultiHeadAttention.Projections
        var crossNorm: String
        var crossAttention: String
        var crossProjections: MultiHeadAttention.Projections
        var ffnNorm: String
        var ffnInner: String
        var ffnOuter: String
        var finalNorm: String
        /// Whether the key projections have a bias (CTranslate2 stores the fused zeros; transformers has none).
        var keyBias: Bool

        /// CTranslate2's `WhisperSpec` names.
        static let cTranslate2 = CheckpointNames(
            encoder: "encoder", decoder: "decoder", conv1: "conv1", conv2: "conv2",
            encoderPositions: "position_encodings/encodings", decoderPositions: "position_encodings/encodings",
            tokenTable: "embeddings", projection: nil, layer: { "layer_\($0)" },
            selfNorm: "self_attention/layer_norm", selfAttention: "self_attention",
            selfProjections: .fusedQKV("linear_0", output: "linear_1"),
            crossNorm: "attention/layer_norm", crossAttention: "attention",
            crossProjections: .fusedKV(query: "linear_0", keyValue: "linear_1", output: "linear_2"),
            ffnNorm: "ffn/layer_norm", ffnInner: "ffn/linear_0", ffnOuter: "ffn/linear_1", finalNorm: "layer_norm", keyBias: true)

        /// transformers' `WhisperForConditionalGeneration` names.
        static let huggingFace = CheckpointNames(
            encoder: "model.encoder", decoder: "model.decoder", conv1: "conv1", conv2: "conv2",
            encoderPositions: "embed_positions.weight", decoderPositions: "embed_positions.weight",
            tokenTable: "embed_tokens", projection: nil, layer: { "layers.\($0)" },
            selfNorm: "self_attn_layer_norm", selfAttention: "self_attn", selfProjections: .transformers,
            crossNorm: "encoder_attn_layer_norm", crossAttention: "encoder_attn", crossProjections: .transformers,
            ffnNorm: "final_layer_norm", ffnInner: "fc1", ffnOuter: "fc2", finalNorm: "layer_norm", keyBias: false)
    }

    /// The sizes the layers are read with.
    struct Dimensions {
        var width: Int
        var mels: Int
        var vocabulary: Int
        var encoderLayers: Int
        var decoderLayers: Int
        var encoderHeads: Int
        var decoderHeads: Int
        var encoderFFN: Int
        var decoderFFN: Int
        var encoderPositions: Int
        var decoderPositions: Int
    }

    /// Loads a CTranslate2 Whisper `model.bin`.
    /// - Throws: ``CTranslate2ModelFile/Error`` when the file is not a Whisper model, `WeightsError`
    ///   naming every missing, unexpected or misshapen variable and the file.
    public convenience init(modelFile path: String) throws {
        try self.init(file: try CTranslate2ModelFile(path: path))
    }

    convenience init(file: CTranslate2ModelFile) throws {
        guard file.specName == "WhisperSpec" else {
            throw CTranslate2ModelFile.Error(code: .missingVariable, file: file.path, variable: nil,
                                             detail: "spec is '\(file.specName)', not a Whisper model (WhisperSpec)")
        }
        // The sizes come from the tensors themselves; the reader then checks every one against them.
        func shape(_ name: String) throws -> [Int] { try file.variable(name).shape }
        func rows(_ name: String) throws -> Int {
            guard let first = try shape(name).first else {
                throw CTranslate2ModelFile.Error(code: .sizeMismatch, file: file.path, variable: name, detail: "a scalar where a matrix is expected")
            }
            return first
        }
        let conv1 = try shape("encoder/conv1/weight")
        guard conv1.count == 3 else {
            throw CTranslate2ModelFile.Error(code: .sizeMismatch, file: file.path, variable: "encoder/conv1/weight", detail: "expected rank 3")
        }
        func count(_ side: String) -> Int {
            var n = 0
            while file.contains("\(side)/layer_\(n)/self_attention/linear_0/weight") { n += 1 }
            return n
        }
        let dimensions = Dimensions(
            width: conv1[0], mels: conv1[1], vocabulary: try rows("decoder/embeddings/weight"),
            encoderLayers: count("encoder"), decoderLayers: count("decoder"),
            encoderHeads: try file.scalar("encoder/num_heads"), decoderHeads: try file.scalar("decoder/num_heads"),
            encoderFFN: file.contains("encoder/layer_0/ffn/linear_0/weight") ? try rows("encoder/layer_0/ffn/linear_0/weight") : 4 * conv1[0],
            decoderFFN: file.contains("decoder/layer_0/ffn/linear_0/weight") ? try rows("decoder/layer_0/ffn/linear_0/weight") : 4 * conv1[0],
            encoderPositions: try rows("encoder/position_encodings/encodings"),
            decoderPositions: try rows("decoder/position_encodings/encodings"))
        guard dimensions.encoderLayers > 0, dimensions.decoderLayers > 0 else {
            throw CTranslate2ModelFile.Error(code: .missingVariable, file: file.path, variable: "encoder/layer_0 or decoder/layer_0", detail: "no layers")
        }
        let weights = WeightReader(file, naming: .cTranslate2)
        // CTranslate2 ties the output projection to the token table with an alias; an untied one is read.
        var names = CheckpointNames.cTranslate2
        let projection = "decoder/projection/weight"
        if file.contains(projection), file.aliases[projection] != "decoder/embeddings/weight" { names.projection = "projection/weight" }
        try self.init(weights, names: names, dimensions: dimensions)
        // The spec's settings (`num_heads`, `pre_norm`, …) are scalars, `…_scale` tensors dequantise int8
        // weights as they are read, and a tying alias names the token table already read.
        try weights.finish(ignoring: { name in
            name.hasSuffix("_scale") || (file.shape(of: name)?.isEmpty ?? false) || file.aliases[name] == "decoder/embeddings/weight"
        })
    }

    /// Builds the layers from a reader under `names`, checking every shape against `dimensions`.
    init(_ weights: WeightReader, names: CheckpointNames, dimensions: Dimensions) throws {
        let d = dimensions.width
        let encoder = weights.scoped(names.encoder), decoder = weights.scoped(names.decoder)
        func ffn(_ layer: WeightReader, hidden: Int) -> FeedForward {
            FeedForward(norm: LayerNorm(layer, names.ffnNorm, size: d),
                        inner: Linear(layer, names.ffnInner, inFeatures: d, outFeatures: hidden),
                        outer: Linear(layer, names.ffnOuter, inFeatures: hidden, outFeatures: d))
        }
        func attention(_ layer: WeightReader, _ key: String, kind: MultiHeadAttention.Kind, heads: Int,
                       projections: MultiHeadAttention.Projections) -> MultiHeadAttention {
            MultiHeadAttention(layer, key, kind: kind, width: d, heads: heads, projections: projections, keyBias: names.keyBias)
        }
        conv1 = Conv1d(encoder, names.conv1, inChannels: dimensions.mels, outChannels: d, kernelSize: 3, padding: 1)
        conv2 = Conv1d(encoder, names.conv2, inChannels: d, outChannels: d, kernelSize: 3, stride: 2, padding: 1)
        encoderPositions = encoder.tensor(names.encoderPositions, shape: [dimensions.encoderPositions, d])
        encoderLayers = (0..<dimensions.encoderLayers).map { i in
            let layer = encoder.scoped(names.layer(i))
            return EncoderLayer(norm: LayerNorm(layer, names.selfNorm, size: d),
                                attention: attention(layer, names.selfAttention, kind: .selfAttention, heads: dimensions.encoderHeads,
                                                     projections: names.selfProjections),
                                ffn: ffn(layer, hidden: dimensions.encoderFFN))
        }
        encoderNorm = LayerNorm(encoder, names.finalNorm, size: d)
        let table = Embedding(decoder, names.tokenTable, count: dimensions.vocabulary, dimension: d).weight
        tokens = SmallBatchLinear(weight: table)
        if let untied = names.projection {
            projection = SmallBatchLinear(weight: decoder.tensor(untied, shape: [dimensions.vocabulary, d]))
        } else {
            projection = tokens
        }
        decoderPositions = decoder.tensor(names.decoderPositions, shape: [dimensions.decoderPositions, d])
        decoderLayers = (0..<dimensions.decoderLayers).map { i in
            let layer = decoder.scoped(names.layer(i))
            // Decoding multiplies a few rows per step: every decoder projection but the cross-attention
            // keys and values (computed once per window, over 1500 rows) keeps only its packed copy.
            return DecoderLayer(
                selfNorm: LayerNorm(layer, names.selfNorm, size: d),
                selfAttention: attention(layer, names.selfAttention, kind: .selfAttention, heads: dimensions.decoderHeads,
                                         projections: names.selfProjections).packedForFewRows(),
                crossNorm: LayerNorm(layer, names.crossNorm, size: d),
                crossAttention: attention(layer, names.crossAttention, kind: .crossAttention, heads: dimensions.decoderHeads,
                                          projections: names.crossProjections).packedForFewRows(),
                ffn: {
                    let f = ffn(layer, hidden: dimensions.decoderFFN)
                    return FeedForward(norm: f.norm, inner: f.inner.packedForFewRows(), outer: f.outer.packedForFewRows())
                }())
        }
        decoderNorm = LayerNorm(decoder, names.finalNorm, size: d)
        width = d
        melCount = dimensions.mels
        vocabularySize = dimensions.vocabulary
        encoderHeads = dimensions.encoderHeads
        decoderHeads = dimensions.decoderHeads
        maxPositions = dimensions.decoderPositions
    }

    // MARK: - Encoder

    /// Encodes one window (`melCount × 3000` log-mel values, mel-major).
    public func encode(_ features: [Float]) throws -> Encoded {
        let frames = features.count / melCount
        precondition(frames * melCount == features.count, "features are not \(melCount) × frames")
        var x = Tensor(shape: [1, melCount, frames], values: features)
        x = conv2(conv1(x, activation: .gelu), activation: .gelu)
        x = x.permuted([0, 2, 1])  // [1, positions, width]
        let positions = x.shape[1]
        x = x + encoderPositions.slice(axis: 0, 0..<positions).reshaped([1, positions, width])
        for layer in encoderLayers {
            x = layer.attention(layer.norm(x), residual: x)
            x = layer.ffn(x)
        }
        let states = encoderNorm(x)
        let memories = decoderLayers.map { $0.crossAttention.memory(keysAndValues: $0.crossAttention.keysAndValues(states)) }
        return Encoded(states: states, crossMemories: memories)
    }

    // MARK: - Decoder

    public func makeCache(for encoded: Encoded) throws -> Cache {
        let empty = KVCache(batch: 1, width: width, capacity: maxPositions)
        return Cache(encoded: encoded, layers: Array(repeating: empty, count: decoderLayers.count), length: 0, rows: 1)
    }

    /// Token embeddings plus learned positions from `start`, [rows, steps, width].
    func embedded(_ tokenRows: [[Int]], start: Int) -> Tensor {
        let steps = tokenRows[0].count
        for token in tokenRows.joined() { precondition(token >= 0 && token < vocabularySize, "token \(token) outside the vocabulary") }
        let looked = tokens.rows(Array(tokenRows.joined())).reshaped([tokenRows.count, steps, width])
        return looked + decoderPositions.slice(axis: 0, start..<start + steps)
    }

    public func decode(_ tokens: [[Int]], cache: inout Cache) throws -> [[Float]] {
        let rows = tokens.count
        precondition(rows == cache.rows, "\(rows) token rows for a cache of \(cache.rows)")
        let steps = tokens[0].count
        precondition(tokens.allSatisfy { $0.count == steps } && steps > 0, "every row needs the same number of tokens")
        let start = cache.length
        precondition(start + steps <= maxPositions, "Whisper decodes at most \(maxPositions) positions")
        var x = embedded(tokens, start: start)
        for (index, layer) in decoderLayers.enumerated() {
            x = layer.selfAttention(layer.selfNorm(x), cache: &cache.layers[index], residual: x)
            // Every row attends to the same encoder output: the memory takes all rows as one query sequence.
            x = layer.crossAttention(layer.crossNorm(x), memory: cache.encoded.crossMemories[index], residual: x)
            x = layer.ffn(x)
        }
        cache.length += steps
        let last = steps == 1 ? x.reshaped([rows, width]) : x.slice(axis: 1, (steps - 1)..<steps).reshaped([rows, width])
        let logits = projection(decoderNorm(last)).scalars
        return (0..<rows).map { Array(logits[($0 * vocabularySize)..<(($0 + 1) * vocabularySize)]) }
    }

    public func selectRows(_ rows: [Int], cache: inout Cache) {
        for index in cache.layers.indices { cache.layers[index].selectRows(rows) }
        cache.rows = rows.count
    }
}
