import Foundation

/// Element-wise activation functions, applied in place by kernels that fuse them.
public enum Activation: Sendable, Hashable {
    /// GELU with the exact error function, `x · Φ(x)` (PyTorch `gelu`, approximate="none").
    case gelu
    /// `x · sigmoid(x)` (SiLU, swish).
    case silu
    case relu
    /// `x` for x ≥ 0, `slope · x` otherwise.
    case leakyReLU(slope: Float)
    case sigmoid
    case tanh

    /// Applies the activation to every element of `values` in place.
    /// - Complexity: O(n); GELU uses a rational erf approximation (error < 2e-7) evaluated 8 lanes at a time.
    public func apply(_ values: UnsafeMutableBufferPointer<Float>) {
        switch self {
        case .gelu: Activation.geluInPlace(values)
        case .silu: for i in values.indices { let x = values[i]; values[i] = x / (1 + Foundation.exp(-x)) }
        case .relu: for i in values.indices { values[i] = max(values[i], 0) }
        case .leakyReLU(let slope): for i in values.indices { let x = values[i]; values[i] = x >= 0 ? x : slope * x }
        case .sigmoid: for i in values.indices { values[i] = 1 / (1 + Foundation.exp(-values[i])) }
        case .tanh: for i in values.indices { values[i] = Foundation.tanh(values[i]) }
        }
    }

    /// The activation of one value (the scalar reference the tests compare against).
    public func callAsFunction(_ x: Float) -> Float {
        var value = x
        withUnsafeMutablePointer(to: &value) { apply(UnsafeMutableBufferPointer(start: $0, count: 1)) }
        return value
    }

    /// erf(x) ≈ x·P(x²)/Q(x²) on [−4, 4] (±1 beyond, where erf is 1 to float precision).
    ///
    /// A rational minimax fit (the form Eigen and XLA use for float erf): no exp, no branch, so
    /// the loop vectorises — libm's `erff` per element costs more than the GEMM it follows.
    @inline(__always)
    static func erf8(_ input: SIMD8<Float>) -> SIMD8<Float> {
        let x = input.clamped(lowerBound: SIMD8(repeating: -4), upperBound: SIMD8(repeating: 4))
        let x2 = x * x
        var p = SIMD8<Float>(repeating: -2.72614225801306e-10)
        p = p * x2 + 2.77068142495902e-08
        p = p * x2 - 2.10102402082508e-06
        p = p * x2 - 5.69250639462346e-05
        p = p * x2 - 7.34990630326855e-04
        p = p * x2 - 2.95459980854025e-03
        p = p * x2 - 1.60960333262415e-02
        var q = SIMD8<Float>(repeating: -1.45660718464996e-05)
        q = q * x2 - 2.13374055278905e-04
        q = q * x2 - 1.68282697438203e-03
        q = q * x2 - 7.37332916720468e-03
        q = q * x2 - 1.42647390514189e-02
        return x * p / q
    }

    static func geluInPlace(_ values: UnsafeMutableBufferPointer<Float>) {
        let n = values.count
        guard let base = values.baseAddress else { return }
        let vectorEnd = n - n % 8
        let raw = UnsafeMutableRawPointer(base)
        var i = 0
        while i < vectorEnd {
            let x = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let y = 0.5 * x * (1 + erf8(x * Float(0.7071067811865476)))
            raw.storeBytes(of: y, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n {
            let x = base[i]
            base[i] = 0.5 * x * (1 + erf8(SIMD8(repeating: x * Float(0.7071067811865476)))[0])
            i += 1
        }
    }
}

extension Tensor {
    /// The activation applied element-wise.
    public func applying(_ activation: Activation) -> Tensor {
        var result = self
        result.withUnsafeMutableBufferPointer { values in
            let base = values.baseAddress
            ComputeThreads.parallelFor(values.count, grain: 1 << 14) { range in
                activation.apply(UnsafeMutableBufferPointer(start: base! + range.lowerBound, count: range.count))
            }
        }
        return result
    }

    /// Softmax over the last axis, numerically stable (the row maximum is subtracted first).
    public func softmax() -> Tensor {
        let width = shape.last ?? 0
        var result = self
        guard width > 0 else { return result }
        result.withUnsafeMutableBufferPointer { values in
            let base = values.baseAddress!
            ComputeThreads.parallelFor(values.count / width, grain: max(1, 8192 / width)) { rows in
                for row in rows { Tensor.softmaxRow(base + row * width, count: width) }
            }
        }
        return result
    }

    @inline(__always)
    static func softmaxRow(_ row: UnsafeMutablePointer<Float>, count: Int) {
        var maximum = -Float.infinity
        for i in 0..<count { maximum = max(maximum, row[i]) }
        if maximum == -.infinity { maximum = 0 }
        var sum: Float = 0
        for i in 0..<count {
            let e = Foundation.exp(row[i] - maximum)
            row[i] = e
            sum += e
        }
        let inverse = 1 / sum
        for i in 0..<count { row[i] *= inverse }
    }
}
