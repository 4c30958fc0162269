import CTandemKernels

/// Reductions over plain arrays that decoding loops run on every step (a 51864-token vocabulary per
/// beam), vectorised in C: `Foundation.expf` per element costs more than the rest of the step's
/// bookkeeping together.
public enum VectorReductions {
    /// log Σ exp(xᵢ), as max + log Σ exp(xᵢ − max); −∞ when every value is −∞ (or there are none).
    ///
    /// The exponentials are a degree-6 polynomial after range reduction (about 2 ulp), the sum is
    /// taken in 16 lanes.
    /// - Complexity: O(n), two passes.
    public static func logSumExp(_ values: UnsafeBufferPointer<Float>) -> Float {
        guard let base = values.baseAddress, !values.isEmpty else { return -.infinity }
        return tandem_log_sum_exp(base, values.count)
    }

    /// log Σ exp(xᵢ) of an array.
    public static func logSumExp(_ values: [Float]) -> Float {
        values.withUnsafeBufferPointer { logSumExp($0) }
    }

    /// log Σ exp(xᵢ) of an array slice.
    public static func logSumExp(_ values: ArraySlice<Float>) -> Float {
        values.withUnsafeBufferPointer { logSumExp($0) }
    }
}

extension Tensor {
    /// log Σ exp over the last axis, which is removed from the shape (PyTorch `logsumexp(dim=-1)`):
    /// the normaliser of each row's softmax, for when only a few of its probabilities are read
    /// (`exp(x[token] − logSumExp)`), without writing the whole softmax.
    ///
    /// Rows are split over `ComputeThreads`; each is ``VectorReductions/logSumExp(_:)-(UnsafeBufferPointer<Float>)``.
    /// - Complexity: O(count), two passes over each row.
    public func logSumExp() -> Tensor {
        precondition(rank >= 1, "logSumExp of a scalar shape \(shape)")
        let width = shape[rank - 1]
        let rows = width == 0 ? shape.dropLast().reduce(1, *) : count / width
        return withUnsafeBufferPointer { source in
            Tensor(shape: Array(shape.dropLast())) { out in
                guard rows > 0 else { return }
                ComputeThreads.parallelFor(rows, grain: max(1, 8192 / max(width, 1))) { range in
                    for row in range {
                        out[row] = VectorReductions.logSumExp(UnsafeBufferPointer(rebasing: source[row * width..<(row + 1) * width]))
                    }
                }
            }
        }
    }
}
