/// Multi-head attention with its projections (PyTorch `nn.MultiheadAttention`, transformers'
/// and diffusers' attention blocks), on Tandem's attention kernels.
///
/// Checkpoints store the projections in three ways (`Projections`): separate Q, K, V and output
/// layers (transformers, diffusers), one fused QKV layer (TimeSformer, CTranslate2 self-attention),
/// or Q plus a fused KV layer (CTranslate2 cross-attention). The layer reads whichever the
/// checkpoint has and keeps the form its kind computes fastest: self-attention one fused [q | k | v]
/// layer (one GEMM, attended in place), cross-attention a query layer and a fused [k | v] layer.
public struct MultiHeadAttention: Sendable {
    /// Whether queries and keys come from the same sequence.
    public enum Kind: Sendable { case selfAttention, crossAttention }

    /// How the checkpoint names the projections, relative to the attention's key.
    public enum Projections: Sendable {
        /// Four layers, e.g. `q_proj`, `k_proj`, `v_proj`, `out_proj` (Whisper), `query`, `key`, `value`
        /// plus `output.dense` (RoBERTa), `to_q`, `to_k`, `to_v`, `to_out.0` (diffusers).
        case separate(query: String, key: String, value: String, output: String)
        /// One [3D, D] layer with Q, K and V stacked, and the output layer.
        case fusedQKV(String, output: String)
        /// A query layer, one [2D, D] layer with K and V stacked, and the output layer.
        case fusedKV(query: String, keyValue: String, output: String)

        /// transformers' BART/Whisper names.
        public static let transformers = Projections.separate(query: "q_proj", key: "k_proj", value: "v_proj", output: "out_proj")
        /// diffusers' `Attention` names.
        public static let diffusers = Projections.separate(query: "to_q", key: "to_k", value: "to_v", output: "to_out.0")
    }

    public let kind: Kind
    public let heads: Int
    public let width: Int
    /// Self-attention: the fused [q | k | v] projection.
    public let qkv: Linear?
    /// Cross-attention: the query projection and the fused [k | v] projection of the context.
    public let query: Linear?
    public let keyValue: Linear?
    public let output: Linear

    /// An attention from its projections (`qkv` for self-attention; `query` and `keyValue` for cross-attention).
    public init(heads: Int, qkv: Linear? = nil, query: Linear? = nil, keyValue: Linear? = nil, output: Linear) {
        precondition((qkv != nil) != (query != nil && keyValue != nil), "give either qkv or query and keyValue")
        self.kind = qkv != nil ? .selfAttention : .crossAttention
        self.heads = heads
        self.width = output.outFeatures
        precondition(width % heads == 0, "\(width) features in \(heads) heads")
        self.qkv = qkv
        self.query = query
        self.keyValue = keyValue
        self.output = output
    }

    /// Reads an attention of `width` features (queries) attending to `contextWidth` features (keys, values).
    /// - Parameters:
    ///   - projections: the checkpoint's names, under `key`.
    ///   - bias: whether the projections have biases; `keyBias` separately for the key projection
    ///     (Whisper's has none: it counts as zeros when fused).
    ///   - outputBias: whether the output projection has a bias.
    public init(_ weights: WeightReader, _ key: String, kind: Kind, width: Int, heads: Int, contextWidth: Int? = nil,
                projections: Projections = .transformers, bias: Bool = true, keyBias: Bool? = nil, outputBias: Bool = true) {
        let scope = weights.scoped(key)
        let context = contextWidth ?? width
        precondition(kind == .crossAttention || context == width, "self-attention reads and writes \(width) features")
        let keyHasBias = keyBias ?? bias
        switch projections {
        case .separate(let q, let k, let v, let o):
            let queryLayer = Linear(scope, q, inFeatures: width, outFeatures: width, bias: bias)
            let keyLayer = Linear(scope, k, inFeatures: context, outFeatures: width, bias: keyHasBias)
            let valueLayer = Linear(scope, v, inFeatures: context, outFeatures: width, bias: bias)
            let out = Linear(scope, o, inFeatures: width, outFeatures: width, bias: outputBias)
            if kind == .selfAttention {
                self.init(heads: heads, qkv: .fused([queryLayer, keyLayer, valueLayer]), output: out)
            } else {
                self.init(heads: heads, query: queryLayer, keyValue: .fused([keyLayer, valueLayer]), output: out)
            }
        case .fusedQKV(let name, let o):
            precondition(kind == .selfAttention, "a fused QKV projection is self-attention")
            self.init(heads: heads, qkv: Linear(scope, name, inFeatures: width, outFeatures: 3 * width, bias: bias),
                      output: Linear(scope, o, inFeatures: width, outFeatures: width, bias: outputBias))
        case .fusedKV(let q, let kv, let o):
            let queryLayer = Linear(scope, q, inFeatures: width, outFeatures: width, bias: bias)
            let keyValueLayer = Linear(scope, kv, inFeatures: context, outFeatures: 2 * width, bias: bias)
            let out = Linear(scope, o, inFeatures: width, outFeatures: width, bias: outputBias)
            if kind == .crossAttention {
                self.init(heads: heads, query: queryLayer, keyValue: keyValueLayer, output: out)
            } else {
                let parts = keyValueLayer.weight.chunked(2, axis: 0)
                let biases = keyValueLayer.bias?.chunked(2, axis: 0)
                self.init(heads: heads, qkv: .fused([queryLayer, Linear(weight: parts[0], bias: biases?[0]),
                                                     Linear(weight: parts[1], bias: biases?[1])]), output: out)
            }
        }
    }

    /// The same attention with its projections packed for decoding steps of a few rows (`Linear.packedForFewRows`).
    public func packedForFewRows(includingKeyValue: Bool = false) -> MultiHeadAttention {
        MultiHeadAttention(heads: heads, qkv: qkv?.packedForFewRows(), query: query?.packedForFewRows(),
                           keyValue: includingKeyValue ? keyValue?.packedForFewRows() : keyValue, output: output.packedForFewRows())
    }

    /// The heads' outputs before the output projection: [B, L, D] (self-attention).
    public func context(_ x: Tensor, mask: AttentionMask? = nil) -> Tensor {
        guard let qkv else { preconditionFailure("self-attention on a cross-attention layer") }
        let fused = qkv(x)
        switch mask {
        case nil: return Attention.multiHead(fusedQKV: fused, heads: heads)
        case .causal: return Attention.multiHead(fusedQKV: fused, heads: heads, causal: true)
        default:
            let parts = fused.chunked(3, axis: 2)
            return Attention.multiHead(query: parts[0], key: parts[1], value: parts[2], heads: heads, mask: mask)
        }
    }

    /// Self-attention of `x` [B, L, D], with the output projection; `residual` is added in the same GEMM.
    public func callAsFunction(_ x: Tensor, mask: AttentionMask? = nil, residual: Tensor? = nil) -> Tensor {
        output(context(x, mask: mask), residual: residual)
    }

    /// The keys and values of a context [B, Lk, Dc], [B, Lk, 2D] laid out [k | v] (compute once, attend many times).
    public func keysAndValues(_ context: Tensor) -> Tensor {
        guard let keyValue else { preconditionFailure("keys of a context on a self-attention layer") }
        return keyValue(context)
    }

    /// Cross-attention of `x` [B, Lq, D] to `context` [B, Lk, Dc], with the output projection.
    public func callAsFunction(_ x: Tensor, context: Tensor, mask: AttentionMask? = nil, residual: Tensor? = nil) -> Tensor {
        callAsFunction(x, keysAndValues: keysAndValues(context), mask: mask, residual: residual)
    }

    /// Cross-attention to precomputed `keysAndValues(context)`.
    public func callAsFunction(_ x: Tensor, keysAndValues kv: Tensor, mask: AttentionMask? = nil, residual: Tensor? = nil) -> Tensor {
        guard let query else { preconditionFailure("cross-attention on a self-attention layer") }
        let parts = kv.chunked(2, axis: 2)
        let attended = Attention.multiHead(query: query(x), key: parts[0], value: parts[1], heads: heads, mask: mask)
        return output(attended, residual: residual)
    }

    /// Cross-attention to a context packed once for many decoding steps of a few rows.
    public func memory(keysAndValues kv: Tensor) -> CrossAttentionMemory {
        let parts = kv.chunked(2, axis: 2)
        return CrossAttentionMemory(keys: parts[0], values: parts[1], heads: heads)
    }

    /// Cross-attention of `x` [B, Lq, D] to a packed memory; every row attends to the same memory.
    public func callAsFunction(_ x: Tensor, memory: CrossAttentionMemory, residual: Tensor? = nil) -> Tensor {
        guard let query else { preconditionFailure("cross-attention on a self-attention layer") }
        let q = query(x)
        let rows = q.shape[0] * q.shape[1]
        let attended = Attention.multiHead(query: q.reshaped([1, rows, width]), memory: memory).reshaped(q.shape)
        return output(attended, residual: residual)
    }

    /// One decoding step (or a prompt) of self-attention: the new positions' keys and values join
    /// `cache`, and the queries attend causally to everything cached.
    public func callAsFunction(_ x: Tensor, cache: inout KVCache, residual: Tensor? = nil) -> Tensor {
        guard let qkv else { preconditionFailure("cached self-attention on a cross-attention layer") }
        let fused = qkv(x)
        cache.append(fusedQKV: fused)
        let attended = Attention.multiHead(query: fused.slice(axis: 2, 0..<width), cache: cache, heads: heads)
        return output(attended, residual: residual)
    }
}
