/// `y = x · Wᵀ + b` (PyTorch `nn.Linear`), keyed `<key>.weight` [out, in] and `<key>.bias` [out].
///
/// A linear layer holds its weight once, in one of two forms: dense fp32 for GEMMs over many rows
/// (encoders, prompts), or packed for decoders that multiply a few rows per step
/// (`SmallBatchLinear`, fp16 when the checkpoint's values allow). `packedForFewRows()` switches a
/// layer to the packed form; the dense copy is then dropped, not kept beside it.
public struct Linear: Sendable {
    enum Storage: Sendable {
        case dense(weight: Tensor, bias: Tensor?)
        case packed(SmallBatchLinear)
    }

    let storage: Storage

    /// A layer over given tensors: `weight` [out, in], `bias` [out] or nil.
    public init(weight: Tensor, bias: Tensor? = nil) {
        precondition(weight.rank == 2, "linear weight must be [out, in], got \(weight.shape)")
        precondition(bias == nil || bias!.shape == [weight.shape[0]], "bias \(bias!.shape) for \(weight.shape[0]) outputs")
        storage = .dense(weight: weight, bias: bias)
    }

    /// Reads `<key>.weight` [outFeatures, inFeatures] and, when `bias`, `<key>.bias` [outFeatures].
    public init(_ weights: WeightReader, _ key: String, inFeatures: Int, outFeatures: Int, bias: Bool = true) {
        let scope = weights.scoped(key)
        self.init(weight: scope.tensor("weight", shape: [outFeatures, inFeatures]),
                  bias: bias ? scope.tensor("bias", shape: [outFeatures]) : nil)
    }

    /// Several layers with the same input fused into one along the outputs (Q, K and V projections
    /// read as one [q | k | v] layer); a missing bias counts as zeros (Whisper's key projection has none).
    public static func fused(_ parts: [Linear]) -> Linear {
        precondition(!parts.isEmpty)
        let weight = Tensor.concatenate(parts.map(\.weight), axis: 0)
        guard parts.contains(where: { $0.bias != nil }) else { return Linear(weight: weight) }
        let bias = Tensor.concatenate(parts.map { $0.bias ?? Tensor(zeros: [$0.outFeatures]) }, axis: 0)
        return Linear(weight: weight, bias: bias)
    }

    /// The layer with its weight packed for products of up to `SmallBatchLinear.maxRows` rows, the
    /// dense copy dropped.
    public func packedForFewRows() -> Linear {
        guard case .dense(let weight, let bias) = storage else { return self }
        return Linear(storage: .packed(SmallBatchLinear(weight: weight, bias: bias)))
    }

    init(storage: Storage) { self.storage = storage }

    /// The weight [out, in] (unpacked on demand when the layer is packed).
    public var weight: Tensor {
        switch storage {
        case .dense(let weight, _): weight
        case .packed(let packed): packed.weight
        }
    }

    /// The bias [out], nil when the layer has none.
    public var bias: Tensor? {
        switch storage {
        case .dense(_, let bias): bias
        case .packed(let packed): packed.bias
        }
    }

    public var outFeatures: Int {
        switch storage {
        case .dense(let weight, _): weight.shape[0]
        case .packed(let packed): packed.outFeatures
        }
    }

    public var inFeatures: Int {
        switch storage {
        case .dense(let weight, _): weight.shape[1]
        case .packed(let packed): packed.inFeatures
        }
    }

    /// `activation(x · Wᵀ + b) + residual` over the last axis of `x` ([..., in] → [..., out]).
    public func callAsFunction(_ x: Tensor, activation: Activation? = nil, residual: Tensor? = nil) -> Tensor {
        switch storage {
        case .dense(let weight, let bias):
            return Tensor.linear(x, weight: weight, bias: bias, activation: activation, residual: residual)
        case .packed(let packed):
            let y = packed(x, activation: activation)
            guard let residual else { return y }
            return y + residual
        }
    }
}
