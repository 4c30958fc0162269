import CTandemKernels
import Foundation

/// Element-wise activation functions, applied in place by kernels that fuse them.
public enum Activation: Sendable, Hashable {
    /// GELU with the exact error function, `x · Φ(x)` (PyTorch `gelu`, approximate="none").
    case gelu
    /// GELU with the tanh approximation, `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))` (PyTorch
    /// `gelu(approximate="tanh")`, `gelu_new` / `gelu_pytorch_tanh` in transformers configurations).
    case geluTanh
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
        case .geluTanh:
            for i in values.indices {
                let x = values[i]
                values[i] = 0.5 * x * (1 + Foundation.tanh(0.797_884_560_802_865_4 * (x + 0.044715 * x * x * x)))
            }
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
    /// A rational minimax fit (the form Eigen and XLA use for float erf): no exp, no call, no
    /// branch, so the loop below vectorises — libm's `erff` per element costs more than the GEMM
    /// the activation follows.
    @inline(__always)
    static func erf(_ value: Float) -> Float {
        let x = min(max(value, -4), 4)
        let x2 = x * x
        var p: Float = -2.72614225801306e-10
        p = p * x2 + 2.77068142495902e-08
        p = p * x2 - 2.10102402082508e-06
        p = p * x2 - 5.69250639462346e-05
        p = p * x2 - 7.34990630326855e-04
        p = p * x2 - 2.95459980854025e-03
        p = p * x2 - 1.60960333262415e-02
        var q: Float = -1.45660718464996e-05
        q = q * x2 - 2.13374055278905e-04
        q = q * x2 - 1.68282697438203e-03
        q = q * x2 - 7.37332916720468e-03
        q = q * x2 - 1.42647390514189e-02
        return x * p / q
    }

    static func geluInPlace(_ values: UnsafeMutableBufferPointer<Float>) {
        guard let base = values.baseAddress else { return }
        for i in 0..<values.count {
            let x = base[i]
            base[i] = 0.5 * x * (1 + erf(x * 0.707_106_781_186_547_6))
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

    /// GEGLU's gate (diffusers `GEGLU`, Shazeer 2020): the last axis [..., 2n] is cut in halves
    /// `a | g` and the result is `a · GELU(g)` [..., n], with the exact (erf) GELU.
    ///
    /// One pass that writes only the output; composing `chunked`, `applying(.gelu)` and `*` would
    /// copy both halves and sweep the gate twice.
    public func gatedByGELU() -> Tensor {
        let width = shape.last ?? 0
        precondition(width % 2 == 0, "GEGLU needs an even last axis, got \(shape)")
        let half = width / 2
        let rows = half == 0 ? 0 : count / width
        return withUnsafeBufferPointer { input in
            Tensor(shape: Array(shape.dropLast()) + [half]) { out in
                guard rows > 0 else { return }
                let x = input.baseAddress!, y = out.baseAddress!
                ComputeThreads.parallelFor(rows, grain: max(1, 16384 / half)) { range in
                    for row in range {
                        let source = x + row * width, target = y + row * half
                        target.update(from: source + half, count: half)
                        Activation.geluInPlace(UnsafeMutableBufferPointer(start: target, count: half))
                        for i in 0..<half { target[i] *= source[i] }
                    }
                }
            }
        }
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

    /// Softmax of one row in place (the row maximum subtracted first; −∞ gets exactly 0).
    @inline(__always)
    static func softmaxRow(_ row: UnsafeMutablePointer<Float>, count: Int) {
        tandem_softmax_rows(row, 1, count, count, -1)
    }

}
