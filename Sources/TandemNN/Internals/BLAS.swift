import CBLAS

/// The unsafe layer over OpenBLAS's CBLAS interface: row-major SGEMM on raw pointers.
///
/// Kernels call this with pointers into tensor storage and explicit leading dimensions, so a
/// head's slice of a fused QKV matrix or a column block of an output is used in place, never copied.
enum BLAS {
    /// `C = alpha · op(A) · op(B) + beta · C`, all row-major. `op(A)` is m×k, `op(B)` is k×n, C is m×n.
    ///
    /// The corresponding C function is `cblas_sgemm`.
    @inline(__always)
    static func sgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            for row in 0..<m { for column in 0..<n { c[row * ldc + column] *= beta } }
            return
        }
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
