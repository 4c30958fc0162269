/// Layer normalisation over the last axis (PyTorch `nn.LayerNorm`), keyed by the checkpoint's
/// scale and shift names (`weight`/`bias`, or CTranslate2's `gamma`/`beta`).
public struct LayerNorm: Sendable {
    public let weight: Tensor
    public let bias: Tensor
    public let eps: Float

    public init(weight: Tensor, bias: Tensor, eps: Float = 1e-5) {
        precondition(weight.rank == 1 && bias.shape == weight.shape, "layer norm of \(weight.shape), \(bias.shape)")
        self.weight = weight
        self.bias = bias
        self.eps = eps
    }

    /// Reads the scale and shift of `size` features under `key`.
    public init(_ weights: WeightReader, _ key: String, size: Int, eps: Float = 1e-5) {
        let scope = weights.scoped(key)
        self.init(weight: scope.tensor(weights.naming.normScale, shape: [size]),
                  bias: scope.tensor(weights.naming.normShift, shape: [size]), eps: eps)
    }

    /// Normalises each row of the last axis.
    public func callAsFunction(_ x: Tensor) -> Tensor { x.layerNorm(weight: weight, bias: bias, eps: eps) }
}
