import TandemBLAS

extension BLAS {
    /// `sgemm` for large products, threaded as `ComputeThreads.gemmThreading` says: either one
    /// call that OpenBLAS parallelises, or bands of at least 32 rows of C on Tandem's threads.
    static func sgemmParallel(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard ComputeThreads.gemmThreading == .rows, m >= 64, ComputeThreads.count > 1 else {
            sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                  a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        ComputeThreads.parallelFor(m, grain: 32) { rows in
            // Row r of op(A) starts at a + r·lda, or at column r (a + r) when A is stored transposed.
            let aStart = transposeA ? a + rows.lowerBound : a + rows.lowerBound * lda
            sgemm(transposeA: transposeA, transposeB: transposeB, m: rows.count, n: n, k: k, alpha: alpha,
                  a: aStart, lda: lda, b: b, ldb: ldb, beta: beta, c: c + rows.lowerBound * ldc, ldc: ldc)
        }
    }
}
