/// 1-D transposed convolution (PyTorch `nn.ConvTranspose1d`) over [N, C, L], keyed `<key>.weight`
/// [C, O/groups, k] and `<key>.bias` [O]: HiFi-GAN's upsampling layers.
public struct ConvTranspose1d: Sendable {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: Int
    public let padding: Int
    public let outputPadding: Int
    public let dilation: Int
    public let groups: Int

    public init(weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0, outputPadding: Int = 0, dilation: Int = 1, groups: Int = 1) {
        precondition(weight.rank == 3 && weight.shape[0] % groups == 0, "conv_transpose1d weight \(weight.shape) for \(groups) groups")
        self.weight = weight
        self.bias = bias
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
        self.dilation = dilation
        self.groups = groups
    }

    /// Reads a transposed convolution of `inChannels` → `outChannels`.
    public init(_ weights: WeightReader, _ key: String, inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1,
                padding: Int = 0, outputPadding: Int = 0, dilation: Int = 1, groups: Int = 1, bias: Bool = true) {
        precondition(inChannels % groups == 0 && outChannels % groups == 0, "\(inChannels) → \(outChannels) channels in \(groups) groups")
        let scope = weights.scoped(key)
        self.init(weight: scope.tensor("weight", shape: [inChannels, outChannels / groups, kernelSize]),
                  bias: bias ? scope.tensor("bias", shape: [outChannels]) : nil, stride: stride, padding: padding,
                  outputPadding: outputPadding, dilation: dilation, groups: groups)
    }

    /// [N, C, L] → [N, O, (L − 1)·s − 2p + d·(k − 1) + outputPadding + 1], then `activation`.
    public func callAsFunction(_ x: Tensor, activation: Activation? = nil) -> Tensor {
        precondition(x.rank == 3 && x.shape[1] == weight.shape[0], "conv_transpose1d of \(x.shape) with \(weight.shape)")
        // The 2-D kernel on a height of one.
        func run(_ input: Tensor, _ weight: Tensor, _ bias: Tensor?) -> Tensor {
            let y = Tensor.convTranspose2d(input.reshaped([input.shape[0], input.shape[1], 1, input.shape[2]]),
                                           weight: weight.reshaped([weight.shape[0], weight.shape[1], 1, weight.shape[2]]), bias: bias,
                                           stride: [1, stride], padding: [0, padding], outputPadding: [0, outputPadding], dilation: [1, dilation])
            return y.reshaped([y.shape[0], y.shape[1], y.shape[3]])
        }
        let y: Tensor
        if groups == 1 {
            y = run(x, weight, bias)
        } else {
            let inPer = x.shape[1] / groups, outPer = weight.shape[1]
            y = Tensor.concatenate((0..<groups).map { g in
                run(x.slice(axis: 1, g * inPer..<(g + 1) * inPer), weight.slice(axis: 0, g * inPer..<(g + 1) * inPer),
                    bias?.slice(axis: 0, g * outPer..<(g + 1) * outPer))
            }, axis: 1)
        }
        guard let activation else { return y }
        return y.applying(activation)
    }
}
