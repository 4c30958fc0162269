/// Re-layouts for small 1-D convolutions run as one GEMM over the whole batch.
///
/// `Tensor.convolution` unfolds one batch item at a time and runs one GEMM per item: right for a
/// few long signals, slow for thousands of short ones (Silero VAD encodes every 32 ms chunk as its
/// own 4-frame signal). Working channels-last, `[N, L, C]`, the patches of every item unfold into
/// one `[N·Lout, k·C]` matrix, and `Tensor.linear` with the weight permuted to `[O, k, C]` is the
/// whole layer in one GEMM.
extension Tensor {
    /// The last axis reflected at both ends (NumPy `pad(mode: "reflect")`, ONNX `Pad` mode `reflect`:
    /// the edge sample is not repeated).
    /// - Parameters:
    ///   - left: samples added before; must be smaller than the axis length.
    ///   - right: samples added after; must be smaller than the axis length.
    /// - Returns: the tensor with its last axis `left + length + right` long.
    /// - Complexity: O(count).
    public func reflectPadded(left: Int, right: Int) -> Tensor {
        let length = shape.last ?? 0
        precondition(left >= 0 && right >= 0 && left < length && right < length, "reflect padding \(left)/\(right) of a length-\(length) axis")
        let rows = count / length
        let outLength = left + length + right
        return withUnsafeBufferPointer { source in
            Tensor(shape: Array(shape.dropLast()) + [outLength]) { out in
                for row in 0..<rows {
                    let from = source.baseAddress! + row * length
                    let to = out.baseAddress! + row * outLength
                    for i in 0..<left { to[i] = from[left - i] }
                    (to + left).initialize(from: from, count: length)
                    for i in 0..<right { to[left + length + i] = from[length - 2 - i] }
                }
            }
        }
    }

    /// Convolution patches of a channels-last `[N, L, C]` tensor: `[N, Lout, k·C]`, each row the
    /// `k` input positions `t·stride − padding + j` (zeros outside) times every channel.
    ///
    /// With a weight `[O, C, k]` permuted to `[O, k, C]` and reshaped to `[O, k·C]`,
    /// `Tensor.linear(patches, weight:)` is the convolution, channels-last.
    /// - Returns: `[N, Lout, k·C]`, `Lout = (L + 2·padding − k) / stride + 1`.
    /// - Complexity: O(N · Lout · k · C).
    public func unfoldedPatches(kernel: Int, stride: Int = 1, padding: Int = 0) -> Tensor {
        precondition(rank == 3 && kernel > 0 && stride > 0 && padding >= 0, "unfold of \(shape) with kernel \(kernel)")
        let batch = shape[0], length = shape[1], channels = shape[2]
        let outLength = (length + 2 * padding - kernel) / stride + 1
        precondition(outLength > 0, "unfold of length \(length) with kernel \(kernel) would be empty")
        let rowWidth = kernel * channels
        return withUnsafeBufferPointer { source in
            Tensor(shape: [batch, outLength, rowWidth]) { out in
                ComputeThreads.parallelFor(batch, grain: max(1, 32768 / max(outLength * rowWidth, 1))) { items in
                    for n in items {
                        let item = source.baseAddress! + n * length * channels
                        for t in 0..<outLength {
                            let row = out.baseAddress! + (n * outLength + t) * rowWidth
                            for j in 0..<kernel {
                                let position = t * stride - padding + j
                                let target = row + j * channels
                                if position >= 0 && position < length {
                                    target.initialize(from: item + position * channels, count: channels)
                                } else {
                                    target.initialize(repeating: 0, count: channels)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The element-wise magnitude `√(re² + im²)` of two same-shaped tensors holding the real and
    /// imaginary parts (computed as written, not with `hypot`, to round as ONNX `Pow`/`Add`/`Sqrt` do).
    /// - Complexity: O(count).
    public static func magnitude(real: Tensor, imaginary: Tensor) -> Tensor {
        precondition(real.shape == imaginary.shape, "magnitude of \(real.shape) and \(imaginary.shape)")
        return real.withUnsafeBufferPointer { re in
            imaginary.withUnsafeBufferPointer { im in
                Tensor(shape: real.shape) { out in
                    for i in 0..<out.count { out[i] = (re[i] * re[i] + im[i] * im[i]).squareRoot() }
                }
            }
        }
    }
}
