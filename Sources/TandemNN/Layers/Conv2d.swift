/// 2-D convolution (PyTorch `nn.Conv2d`) over [N, C, H, W], keyed `<key>.weight` [O, C/groups, kh, kw]
/// and `<key>.bias` [O], with an inference batch norm that follows it folded in at load.
public struct Conv2d: Sendable {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: (Int, Int)
    public let padding: (Int, Int)
    public let dilation: (Int, Int)
    public let groups: Int

    public init(weight: Tensor, bias: Tensor?, stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                dilation: (Int, Int) = (1, 1), groups: Int = 1) {
        precondition(weight.rank == 4 && weight.shape[0] % groups == 0, "conv2d weight \(weight.shape) for \(groups) groups")
        self.weight = weight
        self.bias = bias
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
    }

    /// Reads a convolution, folding in the batch norm under `batchNorm` (its `weight`, `bias`,
    /// `running_mean`, `running_var`, and `num_batches_tracked` when stored) when one is named.
    /// - Parameters:
    ///   - kernelSize, stride, padding, dilation: (height, width).
    ///   - batchNorm: the key of a `BatchNorm2d` applied to this convolution's output, relative to `weights`.
    public init(_ weights: WeightReader, _ key: String, inChannels: Int, outChannels: Int, kernelSize: (Int, Int),
                stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1,
                bias: Bool = true, batchNorm: String? = nil, batchNormEps: Float = 1e-5) {
        precondition(inChannels % groups == 0 && outChannels % groups == 0, "\(inChannels) → \(outChannels) channels in \(groups) groups")
        let scope = weights.scoped(key)
        var weight = scope.tensor("weight", shape: [outChannels, inChannels / groups, kernelSize.0, kernelSize.1])
        var bias = bias ? scope.tensor("bias", shape: [outChannels]) : nil
        if let batchNorm {
            let norm = weights.scoped(batchNorm)
            let folded = BatchNormFolding.fold(
                weight: weight, bias: bias, mean: norm.tensor("running_mean", shape: [outChannels]),
                variance: norm.tensor("running_var", shape: [outChannels]), gamma: norm.tensor("weight", shape: [outChannels]),
                beta: norm.tensor("bias", shape: [outChannels]), eps: batchNormEps)
            if let counter = norm.shape(of: "num_batches_tracked") { _ = norm.tensor("num_batches_tracked", shape: counter) }
            (weight, bias) = (folded.weight, folded.bias)
        }
        self.init(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }

    /// A square kernel with the same stride, padding and dilation on both axes.
    public init(_ weights: WeightReader, _ key: String, inChannels: Int, outChannels: Int, kernelSize: Int,
                stride: Int = 1, padding: Int = 0, dilation: Int = 1, groups: Int = 1,
                bias: Bool = true, batchNorm: String? = nil, batchNormEps: Float = 1e-5) {
        self.init(weights, key, inChannels: inChannels, outChannels: outChannels, kernelSize: (kernelSize, kernelSize),
                  stride: (stride, stride), padding: (padding, padding), dilation: (dilation, dilation), groups: groups,
                  bias: bias, batchNorm: batchNorm, batchNormEps: batchNormEps)
    }

    /// Whether the kernel tiles the input without overlap (a ViT patch embedding).
    var isPatchEmbedding: Bool {
        stride == (weight.shape[2], weight.shape[3]) && padding == (0, 0) && dilation == (1, 1) && groups == 1
    }

    /// [N, C, H, W] → [N, O, H', W'], then `activation`.
    public func callAsFunction(_ x: Tensor, activation: Activation? = nil) -> Tensor {
        precondition(x.rank == 4, "conv2d expects [N, C, H, W], got \(x.shape)")
        let y: Tensor
        // A 1×1 kernel also tiles the input, but the convolution reads it in place as its own
        // column matrix; cutting it into tokens would only add two transposes.
        if isPatchEmbedding && weight.shape[2] * weight.shape[3] > 1 {
            let (batch, gridH, gridW) = (x.shape[0], x.shape[2] / weight.shape[2], x.shape[3] / weight.shape[3])
            y = patches(x).reshaped([batch, gridH * gridW, -1]).permuted([0, 2, 1]).reshaped([batch, -1, gridH, gridW])
        } else {
            y = Tensor.convolution(x, weight: weight, bias: bias, stride: [stride.0, stride.1], padding: [padding.0, padding.1],
                                   dilation: [dilation.0, dilation.1], groups: groups)
        }
        guard let activation else { return y }
        return y.applying(activation)
    }

    /// A non-overlapping convolution (kernel = stride, no padding) as tokens: [N, C, H, W] → [N·H'·W', O],
    /// patch-major — what `conv(x).flatten(2).transpose(1, 2)` gives, without the two transposes.
    ///
    /// The patches are cut out with one permutation and multiplied by the [O, C·kh·kw] weight in one GEMM.
    public func patches(_ x: Tensor) -> Tensor {
        precondition(isPatchEmbedding, "patches() needs kernel = stride, no padding, dilation or groups")
        let (kh, kw) = (weight.shape[2], weight.shape[3])
        let (batch, channels) = (x.shape[0], x.shape[1])
        let (gridH, gridW) = (x.shape[2] / kh, x.shape[3] / kw)
        var input = x
        // PyTorch drops the rows and columns a last whole patch does not cover.
        if gridH * kh != x.shape[2] { input = input.slice(axis: 2, 0..<gridH * kh) }
        if gridW * kw != x.shape[3] { input = input.slice(axis: 3, 0..<gridW * kw) }
        let unfolded = input.reshaped([batch, channels, gridH, kh, gridW, kw]).permuted([0, 2, 4, 1, 3, 5])
            .reshaped([batch * gridH * gridW, channels * kh * kw])
        return Tensor.linear(unfolded, weight: weight.reshaped([weight.shape[0], -1]), bias: bias)
    }
}
