/// Grouped convolutions: each group of input channels has its own filters (`groups` in PyTorch).
extension Tensor {
    /// N-d convolution with `groups` channel groups: the input's channels and the weight's outputs
    /// are cut into `groups` equal parts, each part convolved with its own, and the results joined.
    /// - Parameters:
    ///   - weight: [O, C/groups, *kernel].
    /// - Returns: [N, O, *outSpatial].
    public static func convolution(
        _ input: Tensor, weight: Tensor, bias: Tensor?, stride: [Int], padding: [Int], dilation: [Int], groups: Int
    ) -> Tensor {
        guard groups > 1 else {
            return convolution(input, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation)
        }
        let channels = input.shape[1], outputs = weight.shape[0]
        precondition(channels % groups == 0 && outputs % groups == 0 && weight.shape[1] == channels / groups,
                     "grouped convolution of \(input.shape) with \(weight.shape) in \(groups) groups")
        let inPer = channels / groups, outPer = outputs / groups
        let parts = (0..<groups).map { g in
            convolution(input.slice(axis: 1, g * inPer..<(g + 1) * inPer), weight: weight.slice(axis: 0, g * outPer..<(g + 1) * outPer),
                        bias: bias?.slice(axis: 0, g * outPer..<(g + 1) * outPer), stride: stride, padding: padding, dilation: dilation)
        }
        return concatenate(parts, axis: 1)
    }
}
