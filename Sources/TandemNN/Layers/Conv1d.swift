import TandemBLAS
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

    /// Whether the convolution runs as one GEMM per tap (`Tensor.conv1dByTaps`) rather than im2col:
    /// stride 1, one group, and enough input channels (64, HiFi-GAN's widths) that a GEMM with C as
    /// its inner dimension runs near full speed; narrower layers keep im2col's single deep GEMM. With
    /// Tandem's own GEMM kernel `conv1dByTaps` is one GEMM with an implicit column matrix, at any width.
    var usesTaps: Bool {
        stride == 1 && groups == 1 && weight.shape[2] > 1 && (weight.shape[1] >= 64 || BLAS.implicitConvolutionAvailable)
    }

    /// [N, C, L] → [N, O, L'], then `activation`.
    public func callAsFunction(_ x: Tensor, activation: Activation? = nil) -> Tensor {
        precondition(x.rank == 3, "conv1d expects [N, C, L], got \(x.shape)")
        let y = usesTaps
            ? Tensor.conv1dByTaps(x, weight: weight, bias: bias, padding: padding, dilation: dilation)
            : Tensor.convolution(x, weight: weight, bias: bias, stride: [stride], padding: [padding], dilation: [dilation], groups: groups)
        guard let activation else { return y }
        return y.applying(activation)
    }
}
