import TandemBLAS

extension BLAS {
    /// `sgemm` for large products, threaded as `ComputeThreads.gemmThreading` says: either one
    /// call that OpenBLAS parallelises, or bands of at least 32 rows of C on Tandem's threads. The bands
    /// follow `ComputeThreads.partitions`, not the running width, so the bits do not depend on it.
    static func sgemmParallel(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard ComputeThreads.gemmThreading == .rows, m >= 64, ComputeThreads.partitions > 1 else {
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

    /// `sgemm` with B not transposed, threaded like `sgemmParallel` but in bands of C's columns: each
    /// thread packs all of A and its own columns of B. Where B is much larger than A (a convolution's
    /// im2col matrix against a small filter bank) row bands would pack the whole of B once per thread.
    static func sgemmParallelColumns(
        transposeA: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard ComputeThreads.gemmThreading == .rows, n >= 128, ComputeThreads.partitions > 1 else {
            sgemmParallel(transposeA: transposeA, transposeB: false, m: m, n: n, k: k, alpha: alpha,
                          a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        ComputeThreads.parallelFor(n, grain: 64) { columns in
            sgemm(transposeA: transposeA, transposeB: false, m: m, n: columns.count, k: k, alpha: alpha,
                  a: a, lda: lda, b: b + columns.lowerBound, ldb: ldb, beta: beta, c: c + columns.lowerBound, ldc: ldc)
        }
    }
}
