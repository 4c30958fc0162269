import CBLAS

/// The unsafe layer NMF uses: row-major SGEMM on raw pointers (OpenBLAS's CBLAS).
enum NMFBLAS {
    /// `C = op(A) · op(B)`, all row-major; `op(A)` is m×k, `op(B)` is k×n.
    ///
    /// The corresponding C function is `cblas_sgemm`.
    @inline(__always)
    static func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                      a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                      c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0, n > 0, k > 0 else { return }
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), 0, c, Int32(ldc))
    }
}
