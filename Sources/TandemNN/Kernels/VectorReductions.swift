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
