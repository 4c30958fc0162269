/// Layer, group and (inference) batch normalisation.
extension Tensor {
    /// Layer normalisation over the last axis: `(x − mean) / sqrt(var + eps) · weight + bias`,
    /// with the biased variance (PyTorch `nn.LayerNorm`).
    public func layerNorm(weight: Tensor, bias: Tensor, eps: Float) -> Tensor {
        let width = shape.last ?? 0
        precondition(weight.count == width && bias.count == width, "layer norm of width \(width) with \(weight.shape), \(bias.shape)")
        return withUnsafeBufferPointer { input in
            Tensor(shape: shape) { out in
                Tensor.layerNormRows(input.baseAddress!, rows: count / max(width, 1), width: width, weight: weight, bias: bias,
                                     eps: eps, output: out.baseAddress!)
            }
        }
    }

    /// Layer norm of `rows` rows from `input` into `output` (both with row stride `width`).
    static func layerNormRows(
        _ input: UnsafePointer<Float>, rows: Int, width: Int, weight: Tensor, bias: Tensor, eps: Float,
        output: UnsafeMutablePointer<Float>
    ) {
        weight.withUnsafeBufferPointer { gamma in
            bias.withUnsafeBufferPointer { beta in
                ComputeThreads.parallelFor(rows, grain: max(1, 16384 / max(width, 1))) { range in
                    for row in range {
                        layerNormRow(input + row * width, width: width, gamma: gamma, beta: beta, eps: eps, output: output + row * width)
                    }
                }
            }
        }
    }

    @inline(__always)
    static func layerNormRow(
        _ x: UnsafePointer<Float>, width: Int, gamma: UnsafeBufferPointer<Float>, beta: UnsafeBufferPointer<Float>,
        eps: Float, output: UnsafeMutablePointer<Float>
    ) {
        let mean = VectorMath.sum(x, count: width) / Float(width)
        let squares = VectorMath.squaredDeviation(x, count: width, mean: mean)
        let inverse = 1 / (squares / Float(width) + eps).squareRoot()
        for i in 0..<width { output[i] = (x[i] - mean) * inverse * gamma[i] + beta[i] }
    }

    /// Group normalisation of [N, C, ...]: statistics over each group of `C / groups` channels
    /// and all spatial positions, then a per-channel affine (PyTorch `nn.GroupNorm`), then `activation`.
    ///
    /// The (item, group) pairs run in parallel, and the activation is applied to each group while it
    /// is still in cache (diffusers follows almost every group norm with SiLU).
    public func groupNorm(groups: Int, weight: Tensor, bias: Tensor, eps: Float, activation: Activation? = nil) -> Tensor {
        precondition(rank >= 2 && shape[1] % groups == 0, "group norm: \(shape[1]) channels in \(groups) groups")
        let batch = shape[0], channels = shape[1]
        let spatial = count / max(batch * channels, 1)
        let perGroup = channels / groups
        let length = perGroup * spatial
        return withUnsafeBufferPointer { input in
            weight.withUnsafeBufferPointer { gamma in
                bias.withUnsafeBufferPointer { beta in
                    Tensor(shape: shape) { out in
                        ComputeThreads.parallelFor(batch * groups, grain: max(1, 32768 / max(length, 1))) { items in
                            for item in items {
                                let g = item % groups
                                let start = item * length
                                var sum: Double = 0
                                for i in 0..<length { sum += Double(input[start + i]) }
                                let mean = sum / Double(length)
                                var squares: Double = 0
                                for i in 0..<length { let d = Double(input[start + i]) - mean; squares += d * d }
                                let inverse = Float(1 / (squares / Double(length) + Double(eps)).squareRoot())
                                for c in 0..<perGroup {
                                    let channel = g * perGroup + c
                                    let scale = inverse * gamma[channel]
                                    let shift = beta[channel] - Float(mean) * scale
                                    let offset = start + c * spatial
                                    for i in 0..<spatial { out[offset + i] = input[offset + i] * scale + shift }
                                }
                                activation?.apply(UnsafeMutableBufferPointer(rebasing: out[start..<start + length]))
                            }
                        }
                    }
                }
            }
        }
    }

    /// Batch normalisation of [N, C, ...] with running statistics (inference).
    ///
    /// Prefer `BatchNormFolding.fold` at load time where a convolution precedes the norm.
    public func batchNorm(mean: Tensor, variance: Tensor, weight: Tensor, bias: Tensor, eps: Float) -> Tensor {
        let (scale, shift) = BatchNormFolding.scaleAndShift(mean: mean, variance: variance, weight: weight, bias: bias, eps: eps)
        let batch = shape[0], channels = shape[1]
        let spatial = count / max(batch * channels, 1)
        var result = self
        result.withUnsafeMutableBufferPointer { values in
            for n in 0..<batch {
                for c in 0..<channels {
                    let offset = (n * channels + c) * spatial
                    for i in 0..<spatial { values[offset + i] = values[offset + i] * scale[c] + shift[c] }
                }
            }
        }
        return result
    }
}

/// Folds an inference-mode batch norm into the convolution (or linear layer) before it.
///
/// `BN(conv(x)) = conv'(x)` with `W'[o] = W[o] · s[o]` and `b'[o] = (b[o] − mean[o]) · s[o] + β[o]`,
/// `s = γ / sqrt(var + eps)`: one pass at load time instead of one per inference.
public enum BatchNormFolding {
    /// The folded weight ([out, ...]) and bias ([out]).
    public static func fold(
        weight: Tensor, bias: Tensor?, mean: Tensor, variance: Tensor, gamma: Tensor, beta: Tensor, eps: Float
    ) -> (weight: Tensor, bias: Tensor) {
        let outputs = weight.shape[0]
        precondition(mean.count == outputs, "batch norm of \(mean.count) channels after \(outputs) outputs")
        let (scale, shift) = scaleAndShift(mean: mean, variance: variance, weight: gamma, bias: beta, eps: eps)
        let perOutput = weight.count / max(outputs, 1)
        var folded = weight
        folded.withUnsafeMutableBufferPointer { w in
            for o in 0..<outputs { for i in 0..<perOutput { w[o * perOutput + i] *= scale[o] } }
        }
        let oldBias = bias?.scalars ?? [Float](repeating: 0, count: outputs)
        let newBias = (0..<outputs).map { oldBias[$0] * scale[$0] + shift[$0] }
        return (folded, Tensor(shape: [outputs], values: newBias))
    }

    static func scaleAndShift(mean: Tensor, variance: Tensor, weight: Tensor, bias: Tensor, eps: Float) -> ([Float], [Float]) {
        let m = mean.scalars, v = variance.scalars, g = weight.scalars, b = bias.scalars
        let scale = (0..<m.count).map { g[$0] / (v[$0] + eps).squareRoot() }
        let shift = (0..<m.count).map { b[$0] - m[$0] * scale[$0] }
        return (scale, shift)
    }
}
