/// 1-D convolution (PyTorch `nn.Conv1d`) over [N, C, L], keyed `<key>.weight` [O, C/groups, k]
/// and `<key>.bias` [O]: Whisper's front end, HiFi-GAN's residual blocks (dilated).
public struct Conv1d: Sendable {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: Int
    public let padding: Int
    public let dilation: Int
    public let groups: Int

    public init(weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0, dilation: Int = 1, groups: Int = 1) {
        precondition(weight.rank == 3 && weight.shape[0] % groups == 0, "conv1d weight \(weight.shape) for \(groups) groups")
        self.weight = weight
        self.bias = bias
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
    }

    /// Reads a convolution of `inChannels` → `outChannels` with a kernel of `kernelSize`.
    public init(_ weights: WeightReader, _ key: String, inChannels: Int, outChannels: Int, kernelSize: Int,
                stride: Int = 1, padding: Int = 0, dilation: Int = 1, groups: Int = 1, bias: Bool = true) {
        precondition(inChannels % groups == 0 && outChannels % groups == 0, "\(inChannels) → \(outChannels) channels in \(groups) groups")
        let scope = weights.scoped(key)
        self.init(weight: scope.tensor("weight", shape: [outChannels, inChannels / groups, kernelSize]),
                  bias: bias ? scope.tensor("bias", shape: [outChannels]) : nil,
                  stride: stride, padding: padding, dilation: dilation, groups: groups)
    }

    /// [N, C, L] → [N, O, L'], then `activation`.
    public func callAsFunction(_ x: Tensor, activation: Activation? = nil) -> Tensor {
        precondition(x.rank == 3, "conv1d expects [N, C, L], got \(x.shape)")
        let y = Tensor.convolution(x, weight: weight, bias: bias, stride: [stride], padding: [padding], dilation: [dilation], groups: groups)
        guard let activation else { return y }
        return y.applying(activation)
    }
}
