import TandemBLAS
/// Matrix products on OpenBLAS: plain, batched and the linear layer.
extension Tensor {
    /// The matrix product of the last two axes, batched over the leading ones.
    ///
    /// `a` is [..., m, k] (or [..., k, m] when `transposeA`), `b` is [..., k, n] (or [..., n, k]
    /// when `transposeB`) or 2-D, in which case it is shared by every batch item.
    /// - Complexity: O(batch · m · n · k) in `cblas_sgemm`.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        precondition(a.rank >= 2 && b.rank >= 2, "matmul needs matrices, got \(a.shape) and \(b.shape)")
        let m = transposeA ? a.shape[a.rank - 1] : a.shape[a.rank - 2]
        let k = transposeA ? a.shape[a.rank - 2] : a.shape[a.rank - 1]
        let kb = transposeB ? b.shape[b.rank - 1] : b.shape[b.rank - 2]
        let n = transposeB ? b.shape[b.rank - 2] : b.shape[b.rank - 1]
        precondition(k == kb, "inner dimensions differ: \(a.shape) · \(b.shape)")
        let batch = a.shape.dropLast(2).reduce(1, *)
        let sharedB = b.rank == 2
        precondition(sharedB || Array(b.shape.dropLast(2)) == Array(a.shape.dropLast(2)), "batch shapes differ: \(a.shape) · \(b.shape)")
        return a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in
                Tensor(shape: Array(a.shape.dropLast(2)) + [m, n]) { out in
                    for item in 0..<batch {
                        BLAS.sgemmParallel(
                            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                            a: x.baseAddress! + item * m * k, lda: transposeA ? m : k,
                            b: y.baseAddress! + (sharedB ? 0 : item * k * n), ldb: transposeB ? k : n,
                            c: out.baseAddress! + item * m * n, ldc: n)
                    }
                }
            }
        }
    }

    /// A linear layer: `x · Wᵀ + b` over the last axis, with PyTorch's weight layout [out, in],
    /// and an optional activation or residual fused in.
    ///
    /// The product is one GEMM over all leading rows (no per-row calls, no transposed copy of
    /// `W`: OpenBLAS reads it transposed). The output is first filled with the bias (plus the
    /// residual, when given) and the GEMM accumulates onto it (beta = 1): that fill replaces the
    /// zeroing pass OpenBLAS would make anyway, so bias and residual cost no extra sweep. The
    /// activation runs in one parallel sweep afterwards, while the output is still warm.
    /// - Parameters:
    ///   - x: [..., in].
    ///   - weight: [out, in].
    ///   - bias: [out] or nil.
    ///   - activation: applied after the bias.
    ///   - residual: [..., out], added to the result. Not combined with `activation`.
    /// - Returns: [..., out].
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, activation: Activation? = nil, residual: Tensor? = nil) -> Tensor {
        precondition(residual == nil || activation == nil, "a fused residual is added after the activation would apply")
        precondition(weight.rank == 2, "linear weight must be [out, in], got \(weight.shape)")
        let inFeatures = weight.shape[1]
        let outFeatures = weight.shape[0]
        precondition(x.shape.last == inFeatures, "input \(x.shape) does not end in \(inFeatures)")
        precondition(bias == nil || bias!.count == outFeatures, "bias of \(bias!.count) for \(outFeatures) outputs")
        let rows = x.count / max(inFeatures, 1)
        precondition(residual == nil || residual!.count == rows * outFeatures, "residual \(residual!.shape) for \(rows)×\(outFeatures) outputs")
        let empty = Tensor(shape: [0], values: [])
        return x.withUnsafeBufferPointer { input in
            weight.withUnsafeBufferPointer { w in
                (bias ?? empty).withUnsafeBufferPointer { b in
                    (residual ?? empty).withUnsafeBufferPointer { r in
                        Tensor(shape: Array(x.shape.dropLast()) + [outFeatures]) { out in
                            guard let output = out.baseAddress, rows > 0 else { return }
                            let prefilled = bias != nil || residual != nil
                            if prefilled {
                                let hasBias = bias != nil, hasResidual = residual != nil
                                ComputeThreads.parallelFor(rows, grain: max(1, 16384 / max(outFeatures, 1))) { range in
                                    for row in range {
                                        let line = output + row * outFeatures
                                        if hasResidual {
                                            let source = r.baseAddress! + row * outFeatures
                                            if hasBias {
                                                for c in 0..<outFeatures { line[c] = source[c] + b[c] }
                                            } else {
                                                line.initialize(from: source, count: outFeatures)
                                            }
                                        } else {
                                            line.initialize(from: b.baseAddress!, count: outFeatures)
                                        }
                                    }
                                }
                            }
                            BLAS.sgemmParallel(transposeA: false, transposeB: true, m: rows, n: outFeatures, k: inFeatures,
                                       a: input.baseAddress!, lda: inFeatures, b: w.baseAddress!, ldb: inFeatures,
                                       beta: prefilled ? 1 : 0, c: output, ldc: outFeatures)
                            if let activation {
                                ComputeThreads.parallelFor(rows, grain: max(1, 16384 / max(outFeatures, 1))) { range in
                                    activation.apply(UnsafeMutableBufferPointer(start: output + range.lowerBound * outFeatures,
                                                                                count: range.count * outFeatures))
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
