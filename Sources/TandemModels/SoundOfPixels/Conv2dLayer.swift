import TandemNN

/// A 2-D convolution with any batch norm after it already folded in (`BatchNormFolding`).
struct Conv2dLayer: Sendable {
    var weight: Tensor
    var bias: Tensor?
    var stride: Int = 1
    var padding: Int = 0
    var dilation: Int = 1

    func callAsFunction(_ x: Tensor) -> Tensor {
        Tensor.conv2d(x, weight: weight, bias: bias, stride: [stride], padding: [padding], dilation: [dilation])
    }
}

/// Reads a checkpoint's tensors by key and folds batch norms, recording which keys it used
/// so the loader can report the ones nobody asked for.
struct CheckpointReader {
    let tensors: [String: Tensor]
    static let batchNormEps: Float = 1e-5

    func tensor(_ key: String) throws -> Tensor {
        guard let t = tensors[key] else { throw WeightsError(.tensorNotFound, tensor: key, "the Sound of Pixels checkpoint has no \(key)") }
        return t
    }

    /// A convolution `conv` (bias optional), with the batch norm `norm` folded in when given.
    func conv(_ conv: String, norm: String?, hasBias: Bool = false, stride: Int = 1, padding: Int = 0, dilation: Int = 1) throws -> Conv2dLayer {
        let weight = try tensor(conv + ".weight")
        let bias = hasBias ? try tensor(conv + ".bias") : nil
        guard let norm else { return Conv2dLayer(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation) }
        let folded = BatchNormFolding.fold(
            weight: weight, bias: bias, mean: try tensor(norm + ".running_mean"), variance: try tensor(norm + ".running_var"),
            gamma: try tensor(norm + ".weight"), beta: try tensor(norm + ".bias"), eps: Self.batchNormEps)
        return Conv2dLayer(weight: folded.weight, bias: folded.bias, stride: stride, padding: padding, dilation: dilation)
    }
}
