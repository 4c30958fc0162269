import Foundation
import TandemNN

/// Whisper's encoder–decoder on Tandem's CPU kernels, with weights from a CTranslate2 `model.bin`
/// (faster-whisper's model directories).
///
/// Encoder: conv1 (k3, p1) + GELU, conv2 (k3, s2, p1) + GELU, + sinusoidal positions, pre-norm
/// transformer layers (fused QKV self-attention, GELU FFN), final layer norm.
/// Decoder: token embeddings + learned positions, pre-norm layers of causal self-attention (cached keys
/// and values per row), cross-attention (keys and values computed once per window), FFN, final layer
/// norm, and logits against the token embeddings (`decoder/projection/weight`, usually an alias).
///
/// A decoding step has one row per beam, so it is bound by reading weights, not by arithmetic: the
/// decoder's linear layers and the vocabulary projection keep a packed copy (`SmallBatchLinear`, in fp16
/// when the checkpoint stores fp16 — the same values CTranslate2 widens to fp32, half the bytes), each
/// window's cross-attention keys and values are packed per head once (`CrossAttentionMemory`), and the
/// self-attention cache grows in place (`KVCache`). Prompts and the encoder use OpenBLAS GEMMs.
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

    let conv1: (weight: Tensor, bias: Tensor)
    let conv2: (weight: Tensor, bias: Tensor)
    let encoderPositions: Tensor
    let encoderLayers: [EncoderLayer]
    let encoderNorm: LayerNorm
    let embeddings: Tensor
    let decoderPositions: Tensor
    let decoderLayers: [DecoderLayer]
    let decoderNorm: LayerNorm
    let projection: Tensor
    /// `projection` packed for the decoder's few rows per step.
    let streamedProjection: SmallBatchLinear

    struct Linear: Sendable {
        var weight: Tensor
        var bias: Tensor?
        /// The decoder's layers also keep a packed copy for its few rows per step.
        var streamed: SmallBatchLinear?

        init(weight: Tensor, bias: Tensor?, streamed: Bool = false) {
            self.weight = weight
            self.bias = bias
            self.streamed = streamed ? SmallBatchLinear(weight: weight, bias: bias) : nil
        }

        func callAsFunction(_ x: Tensor, activation: Activation? = nil) -> Tensor {
            if let streamed { return streamed(x, activation: activation) }
            return Tensor.linear(x, weight: weight, bias: bias, activation: activation)
        }
    }

    struct LayerNorm: Sendable {
        var gamma: Tensor
        var beta: Tensor
        func callAsFunction(_ x: Tensor) -> Tensor { x.layerNorm(weight: gamma, bias: beta, eps: 1e-5) }
    }

    struct FeedForward: Sendable {
        var norm: LayerNorm
        var inner: Linear
        var outer: Linear
        func callAsFunction(_ x: Tensor) -> Tensor { x + outer(inner(norm(x), activation: .gelu)) }
    }

    struct EncoderLayer: Sendable {
        var norm: LayerNorm
        var qkv: Linear
        var output: Linear
        var ffn: FeedForward
    }

    struct DecoderLayer: Sendable {
        var selfNorm: LayerNorm
        var selfQKV: Linear
        var selfOutput: Linear
        var crossNorm: LayerNorm
        var crossQuery: Linear
        var crossKV: Linear
        var crossOutput: Linear
        var ffn: FeedForward
    }

    /// The encoder output of one window with each decoder layer's cross-attention keys and values.
    public struct Encoded: Sendable {
        /// [1, 1500, width].
        public let states: Tensor
        let crossKeys: [Tensor]
        let crossValues: [Tensor]
        /// The same keys and values packed per head for the decoder's few rows per step.
        let crossMemories: [CrossAttentionMemory]
    }

    /// Per-row self-attention keys and values of every decoder layer.
    public struct Cache: Sendable {
        let encoded: Encoded
        var layers: [KVCache]
        var length: Int
        var rows: Int
    }

    /// Loads a CTranslate2 Whisper `model.bin`.
    /// - Throws: ``CTranslate2ModelFile/Error`` naming the file and the first missing or misshapen variable.
    public convenience init(modelFile path: String) throws {
        try self.init(file: try CTranslate2ModelFile(path: path))
    }

    convenience init(file: CTranslate2ModelFile) throws {
        guard file.specName == "WhisperSpec" else {
            throw CTranslate2ModelFile.Error(code: .missingVariable, file: file.path, variable: nil,
                                             detail: "spec is '\(file.specName)', not a Whisper model (WhisperSpec)")
        }
        try self.init(source: file.path, contains: file.contains, heads: (try file.scalar("encoder/num_heads"), try file.scalar("decoder/num_heads"))) { name, shape in
            let (found, values) = try file.floats(name)
            if let shape, shape != found {
                throw CTranslate2ModelFile.Error(code: .sizeMismatch, file: file.path, variable: name,
                                                 detail: "expected shape \(shape), found \(found)")
            }
            return Tensor(shape: found, values: values)
        }
    }

    /// Builds the layers from tensors named as CTranslate2 names them.
    /// - Parameters:
    ///   - source: the checkpoint's path, for messages.
    ///   - contains: whether a CTranslate2-named tensor exists.
    ///   - heads: attention heads of the encoder and the decoder.
    ///   - read: reads a CTranslate2-named tensor, checking its shape when one is given.
    init(source: String, contains: (String) -> Bool, heads: (encoder: Int, decoder: Int),
         read: (String, [Int]?) throws -> Tensor) throws {
        func tensor(_ name: String, _ shape: [Int]? = nil) throws -> Tensor { try read(name, shape) }
        let file = (path: source, contains: contains)
        let conv1Weight = try tensor("encoder/conv1/weight")
        guard conv1Weight.rank == 3 else {
            throw CTranslate2ModelFile.Error(code: .sizeMismatch, file: file.path, variable: "encoder/conv1/weight", detail: "expected rank 3")
        }
        let width = conv1Weight.shape[0]
        let mels = conv1Weight.shape[1]
        func linear(_ prefix: String, out: Int, bias: Bool = true, streamed: Bool = false) throws -> Linear {
            Linear(weight: try tensor(prefix + "/weight", [out, width]),
                   bias: bias && file.contains(prefix + "/bias") ? try tensor(prefix + "/bias", [out]) : nil, streamed: streamed)
        }
        func norm(_ prefix: String) throws -> LayerNorm {
            LayerNorm(gamma: try tensor(prefix + "/gamma", [width]), beta: try tensor(prefix + "/beta", [width]))
        }
        func ffn(_ prefix: String, streamed: Bool = false) throws -> FeedForward {
            let inner = try tensor(prefix + "/linear_0/weight")
            let hidden = inner.shape[0]
            return FeedForward(norm: try norm(prefix + "/layer_norm"),
                               inner: Linear(weight: inner, bias: try tensor(prefix + "/linear_0/bias", [hidden]), streamed: streamed),
                               outer: Linear(weight: try tensor(prefix + "/linear_1/weight", [width, hidden]),
                                             bias: try tensor(prefix + "/linear_1/bias", [width]), streamed: streamed))
        }
        var encoderLayers: [EncoderLayer] = []
        while file.contains("encoder/layer_\(encoderLayers.count)/self_attention/linear_0/weight") {
            let p = "encoder/layer_\(encoderLayers.count)"
            encoderLayers.append(EncoderLayer(
                norm: try norm(p + "/self_attention/layer_norm"), qkv: try linear(p + "/self_attention/linear_0", out: 3 * width),
                output: try linear(p + "/self_attention/linear_1", out: width), ffn: try ffn(p + "/ffn")))
        }
        var decoderLayers: [DecoderLayer] = []
        while file.contains("decoder/layer_\(decoderLayers.count)/self_attention/linear_0/weight") {
            let p = "decoder/layer_\(decoderLayers.count)"
            decoderLayers.append(DecoderLayer(
                selfNorm: try norm(p + "/self_attention/layer_norm"),
                selfQKV: try linear(p + "/self_attention/linear_0", out: 3 * width, streamed: true),
                selfOutput: try linear(p + "/self_attention/linear_1", out: width, streamed: true),
                crossNorm: try norm(p + "/attention/layer_norm"),
                crossQuery: try linear(p + "/attention/linear_0", out: width, streamed: true),
                crossKV: try linear(p + "/attention/linear_1", out: 2 * width),
                crossOutput: try linear(p + "/attention/linear_2", out: width, streamed: true),
                ffn: try ffn(p + "/ffn", streamed: true)))
        }
        guard !encoderLayers.isEmpty, !decoderLayers.isEmpty else {
            throw CTranslate2ModelFile.Error(code: .missingVariable, file: file.path, variable: "encoder/layer_0 or decoder/layer_0", detail: "no layers")
        }
        let embeddings = try tensor("decoder/embeddings/weight")
        self.width = width
        self.melCount = mels
        self.vocabularySize = embeddings.shape[0]
        self.encoderHeads = heads.encoder
        self.decoderHeads = heads.decoder
        self.conv1 = (conv1Weight, try tensor("encoder/conv1/bias", [width]))
        self.conv2 = (try tensor("encoder/conv2/weight", [width, width, 3]), try tensor("encoder/conv2/bias", [width]))
        self.encoderPositions = try tensor("encoder/position_encodings/encodings")
        self.encoderLayers = encoderLayers
        self.encoderNorm = try norm("encoder/layer_norm")
        self.embeddings = embeddings
        self.decoderPositions = try tensor("decoder/position_encodings/encodings")
        self.maxPositions = decoderPositions.shape[0]
        self.decoderLayers = decoderLayers
        self.decoderNorm = try norm("decoder/layer_norm")
        self.projection = file.contains("decoder/projection/weight") ? try tensor("decoder/projection/weight", embeddings.shape) : embeddings
        self.streamedProjection = SmallBatchLinear(weight: projection)
    }

    // MARK: - Encoder

    /// Encodes one window (`melCount × 3000` log-mel values, mel-major).
    public func encode(_ features: [Float]) throws -> Encoded {
        let frames = features.count / melCount
        precondition(frames * melCount == features.count, "features are not \(melCount) × frames")
        var x = Tensor(shape: [1, melCount, frames], values: features)
        x = Tensor.conv1d(x, weight: conv1.weight, bias: conv1.bias, stride: 1, padding: 1).applying(.gelu)
        x = Tensor.conv1d(x, weight: conv2.weight, bias: conv2.bias, stride: 2, padding: 1).applying(.gelu)
        x = x.permuted([0, 2, 1])  // [1, positions, width]
        let positions = x.shape[1]
        x = x + encoderPositions.slice(axis: 0, 0..<positions).reshaped([1, positions, width])
        for layer in encoderLayers {
            let qkv = layer.qkv(layer.norm(x))
            x = x + layer.output(Attention.multiHead(fusedQKV: qkv, heads: encoderHeads))
            x = layer.ffn(x)
        }
        let states = encoderNorm(x)
        var keys: [Tensor] = []
        var values: [Tensor] = []
        for layer in decoderLayers {
            let kv = layer.crossKV(states)
            keys.append(kv.slice(axis: 2, 0..<width))
            values.append(kv.slice(axis: 2, width..<2 * width))
        }
        let memories = zip(keys, values).map { CrossAttentionMemory(keys: $0, values: $1, heads: decoderHeads) }
        return Encoded(states: states, crossKeys: keys, crossValues: values, crossMemories: memories)
    }

    // MARK: - Decoder

    public func makeCache(for encoded: Encoded) throws -> Cache {
        let empty = KVCache(batch: 1, width: width, capacity: maxPositions)
        return Cache(encoded: encoded, layers: Array(repeating: empty, count: decoderLayers.count), length: 0, rows: 1)
    }

    public func decode(_ tokens: [[Int]], cache: inout Cache) throws -> [[Float]] {
        let rows = tokens.count
        precondition(rows == cache.rows, "\(rows) token rows for a cache of \(cache.rows)")
        let steps = tokens[0].count
        precondition(tokens.allSatisfy { $0.count == steps } && steps > 0, "every row needs the same number of tokens")
        let start = cache.length
        precondition(start + steps <= maxPositions, "Whisper decodes at most \(maxPositions) positions")
        // Embedding + position, [rows, steps, width].
        var x = embeddings.withUnsafeBufferPointer { table in
            decoderPositions.withUnsafeBufferPointer { positions in
                Tensor(shape: [rows, steps, width]) { out in
                    for r in 0..<rows {
                        for t in 0..<steps {
                            let token = tokens[r][t]
                            precondition(token >= 0 && token < vocabularySize, "token \(token) outside the vocabulary")
                            let target = out.baseAddress! + (r * steps + t) * width
                            let e = table.baseAddress! + token * width
                            let p = positions.baseAddress! + (start + t) * width
                            for c in 0..<width { target[c] = e[c] + p[c] }
                        }
                    }
                }
            }
        }
        for (index, layer) in decoderLayers.enumerated() {
            let qkv = layer.selfQKV(layer.selfNorm(x))
            let q = qkv.slice(axis: 2, 0..<width)
            cache.layers[index].append(fusedQKV: qkv)
            let attended = Attention.multiHead(query: q, cache: cache.layers[index], heads: decoderHeads)
            x = x + layer.selfOutput(attended)
            // Every row attends to the same encoder output: fold the rows into one query sequence.
            let crossQuery = layer.crossQuery(layer.crossNorm(x)).reshaped([1, rows * steps, width])
            let crossed = Attention.multiHead(query: crossQuery, memory: cache.encoded.crossMemories[index])
            x = x + layer.crossOutput(crossed.reshaped([rows, steps, width]))
            x = layer.ffn(x)
        }
        cache.length += steps
        let last = steps == 1 ? x.reshaped([rows, width]) : x.slice(axis: 1, (steps - 1)..<steps).reshaped([rows, width])
        let normed = decoderNorm(last)
        let logits = streamedProjection(normed)
        return logits.withUnsafeBufferPointer { buffer in
            (0..<rows).map { Array(buffer[($0 * vocabularySize)..<(($0 + 1) * vocabularySize)]) }
        }
    }

    public func selectRows(_ rows: [Int], cache: inout Cache) {
        for index in cache.layers.indices { cache.layers[index].selectRows(rows) }
        cache.rows = rows.count
    }
}
