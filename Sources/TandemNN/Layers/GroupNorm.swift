/// Group normalisation of [N, C, ...] (PyTorch `nn.GroupNorm` with an affine), keyed
/// `<key>.weight` and `<key>.bias` [C]: the norm of diffusers' ResNet blocks and attention.
public struct GroupNorm: Sendable {
    public let groups: Int
    public let weight: Tensor
    public let bias: Tensor
    public let eps: Float

    public init(groups: Int, weight: Tensor, bias: Tensor, eps: Float = 1e-5) {
        precondition(groups > 0 && weight.rank == 1 && weight.count % groups == 0 && bias.shape == weight.shape,
                     "group norm of \(weight.shape) channels in \(groups) groups")
        self.groups = groups
        self.weight = weight
        self.bias = bias
        self.eps = eps
    }

    /// Reads the affine of `channels` channels under `key`.
    public init(_ weights: WeightReader, _ key: String, groups: Int, channels: Int, eps: Float = 1e-5) {
        let scope = weights.scoped(key)
        self.init(groups: groups, weight: scope.tensor(weights.naming.normScale, shape: [channels]),
                  bias: scope.tensor(weights.naming.normShift, shape: [channels]), eps: eps)
    }

    /// Normalises `x` [N, C, ...], then applies `activation` (diffusers follows most group norms with SiLU).
    public func callAsFunction(_ x: Tensor, activation: Activation? = nil) -> Tensor {
        x.groupNorm(groups: groups, weight: weight, bias: bias, eps: eps, activation: activation)
    }
}
