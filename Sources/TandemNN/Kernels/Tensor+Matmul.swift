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
                        BLAS.sgemm(
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
    /// and an optional activation fused into the bias pass.
    ///
    /// The product is one GEMM over all leading rows (no per-row calls, no transposed copy of
    /// `W`: OpenBLAS reads it transposed); bias and activation are applied in one parallel
    /// sweep while the output is still warm in cache.
    /// - Parameters:
    ///   - x: [..., in].
    ///   - weight: [out, in].
    ///   - bias: [out] or nil.
    ///   - activation: applied after the bias.
    /// - Returns: [..., out].
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, activation: Activation? = nil) -> Tensor {
        precondition(weight.rank == 2, "linear weight must be [out, in], got \(weight.shape)")
        let inFeatures = weight.shape[1]
        let outFeatures = weight.shape[0]
        precondition(x.shape.last == inFeatures, "input \(x.shape) does not end in \(inFeatures)")
        precondition(bias == nil || bias!.count == outFeatures, "bias of \(bias!.count) for \(outFeatures) outputs")
        let rows = x.count / max(inFeatures, 1)
        return x.withUnsafeBufferPointer { input in
            weight.withUnsafeBufferPointer { w in
                Tensor(shape: Array(x.shape.dropLast()) + [outFeatures]) { out in
                    guard let outBase = out.baseAddress else { return }
                    linearInto(input.baseAddress!, rows: rows, inFeatures: inFeatures, ldx: inFeatures,
                               weight: w.baseAddress!, outFeatures: outFeatures, bias: bias, activation: activation,
                               output: outBase, ldo: outFeatures)
                }
            }
        }
    }

    /// `linear` on raw rows: the shared implementation used by models that write into slices.
    static func linearInto(
        _ input: UnsafePointer<Float>, rows: Int, inFeatures: Int, ldx: Int,
        weight: UnsafePointer<Float>, outFeatures: Int, bias: Tensor?, activation: Activation?,
        output: UnsafeMutablePointer<Float>, ldo: Int, accumulate: Bool = false
    ) {
        BLAS.sgemm(transposeA: false, transposeB: true, m: rows, n: outFeatures, k: inFeatures,
                   a: input, lda: ldx, b: weight, ldb: inFeatures, beta: accumulate ? 1 : 0, c: output, ldc: ldo)
        guard bias != nil || activation != nil else { return }
        let emptyBias = Tensor(shape: [0], values: [])
        (bias ?? emptyBias).withUnsafeBufferPointer { b in
            let hasBias = bias != nil
            ComputeThreads.parallelFor(rows, grain: max(1, 4096 / max(outFeatures, 1))) { range in
                for row in range {
                    let line = output + row * ldo
                    if hasBias { for c in 0..<outFeatures { line[c] += b[c] } }
                    if let activation { activation.apply(UnsafeMutableBufferPointer(start: line, count: outFeatures)) }
                }
            }
        }
    }
}
