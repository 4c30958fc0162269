import CBLAS
import CTandemKernels
#if canImport(Glibc)
import Glibc
#endif

/// The one Swift wrapper over OpenBLAS's CBLAS interface, shared by `TandemDSP` (NMF) and
/// `TandemNN` (GEMMs, convolutions, attention).
///
/// It is its own target because DSP and NN sit side by side in the layering and neither may
/// import the other; both import this. Its calls take raw pointers with explicit leading
/// dimensions (so a head's slice of a fused QKV matrix or a column block of an output is used in
/// place), which is why it is `package`, not public: only Tandem's kernels call it, from inside
/// their `withUnsafeBufferPointer` scopes.
package enum BLAS {
    /// `C = alpha · op(A) · op(B) + beta · C`, all row-major. `op(A)` is m×k, `op(B)` is k×n, C is m×n.
    ///
    /// With k = 0 the product is empty and C becomes `beta · C` (zeros when beta is 0, whatever C held).
    /// The corresponding C function is `cblas_sgemm`; on CPUs with AVX-512, `tandem_sgemm` computes
    /// the products it covers (see `useOwnKernel`). `skippingZeros`: operands with many zeros (the harmonic
    /// NMF's templates); Tandem's kernel then skips the steps of k where a block of A or B is all zero
    /// (`tandem_sgemm_sparse`), which gives the same bits for finite operands, only sooner. That one runs on CPUs
    /// with AVX2 too (its 6 × 16 tile), where the dense products stay in OpenBLAS, as fast there.
    @inline(__always)
    package static func sgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int, skippingZeros: Bool = false
    ) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            for row in 0..<m { for column in 0..<n { c[row * ldc + column] = beta == 0 ? 0 : c[row * ldc + column] * beta } }
            return
        }
        if useOwnKernel, beta == 0 || beta == 1, n >= 16, m * n * k >= 32_768 {
            let kernel = skippingZeros ? tandem_sgemm_sparse : tandem_sgemm
            if kernel(transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta == 1 ? 1 : 0, c, ldc) == 1 { return }
        }
        _ = oneThreadUnlessTold
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// `C = op(A) · op(B)` where only row i's columns `neededFrom[i]..<neededTo[i]` are wanted (the harmonic NMF's
    /// partial lobes): Tandem's kernel (AVX-512 or AVX2) leaves the 12 × 32 (6 × 16) tiles of C that hold none of them
    /// as they were (`tandem_sgemm_rows_needed`) and gives the others the bits its dense product gives them; OpenBLAS,
    /// on a CPU with neither, computes all of C.
    @inline(__always)
    package static func sgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
        neededFrom: UnsafePointer<Int32>, neededTo: UnsafePointer<Int32>
    ) {
        if useOwnKernel, m > 0, n >= 16, k > 0, m * n * k >= 32_768,
           tandem_sgemm_rows_needed(transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, a, lda, b, ldb, neededFrom, neededTo, c, ldc) == 1 {
            return
        }
        sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc)
    }

    /// Whether `sgemm` may use Tandem's kernel (`tandem_sgemm`, and its AVX2 path for the products that skip work)
    /// rather than OpenBLAS, for the products it covers (beta 0 or 1, not tiny). The Debian OpenBLAS this machine
    /// class runs is often pinned to its AVX2 kernels (`OPENBLAS_CORETYPE=Haswell`), which reach about half the
    /// AVX-512 throughput on CPUs that have it. `TANDEM_SGEMM=openblas` turns it off, for comparisons.
    private static let useOwnKernel: Bool = {
        guard let setting = getenv("TANDEM_SGEMM") else { return true }
        return String(cString: setting) != "openblas"
    }()

    /// Whether `convolution1d` runs here (Tandem's own GEMM kernel is in use).
    package static var implicitConvolutionAvailable: Bool { useOwnKernel && tandem_sgemm_packed_a_count(1, 1) > 0 }

    /// A stride-1 1-D convolution as one GEMM over a column matrix that is never built (`tandem_conv1d_gemm`):
    /// `c[o][t] (+)= Σ_{ch, j} weight[o][ch][j] · signal[ch][t + j·dilation]` for t < n, single-threaded.
    /// Returns false, computing nothing, where `implicitConvolutionAvailable` is false.
    /// `packedWeight`, when given, is `weight` ([outputs, channels·taps]) packed by `pack(transposeA:m:k:a:lda:into:)`.
    package static func convolution1d(
        outputs: Int, n: Int, channels: Int, taps: Int, dilation: Int, weight: UnsafePointer<Float>, packedWeight: UnsafePointer<Float>?,
        signal: UnsafePointer<Float>, ldSignal: Int, accumulate: Bool, c: UnsafeMutablePointer<Float>, ldc: Int
    ) -> Bool {
        useOwnKernel && tandem_conv1d_gemm(outputs, n, channels, taps, dilation, weight, packedWeight, signal, ldSignal,
                                           accumulate ? 1 : 0, c, ldc) == 1
    }

    /// The floats `pack(transposeA:m:k:a:lda:into:)` writes for an m×k op(A) that many products
    /// share (a convolution's filters against block after block of its input), or 0 when `sgemm`
    /// does not use Tandem's kernel here: the caller then calls `sgemm` with A as it is.
    package static func packedOperandCount(m: Int, k: Int) -> Int {
        useOwnKernel ? tandem_sgemm_packed_a_count(m, k) : 0
    }

    /// Packs op(A) once for `sgemm(packedA:…)`; `into` holds `packedOperandCount(m:k:)` floats.
    package static func pack(transposeA: Bool, m: Int, k: Int, a: UnsafePointer<Float>, lda: Int, into packed: UnsafeMutablePointer<Float>) {
        tandem_sgemm_pack_a(transposeA ? 1 : 0, m, k, a, lda, packed)
    }

    /// `C = op(A) · B + beta · C` (beta 0 or 1) with A packed by `pack(transposeA:m:k:a:lda:into:)`
    /// for the same m and k, single-threaded.
    package static func sgemm(
        packedA: UnsafePointer<Float>, m: Int, n: Int, k: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        precondition(beta == 0 || beta == 1, "a prepacked product takes beta 0 or 1, not \(beta)")
        let done = tandem_sgemm_prepacked(m, n, k, 1, packedA, 0, b, ldb, beta == 1 ? 1 : 0, c, ldc)
        precondition(done == 1, "a prepacked product needs the kernel that packed it")
    }

    /// `y = alpha · A · x + beta · y`, A row-major m×n: a matrix-vector product without the packing
    /// `sgemm` does for its operands (a one-row GEMM re-packs the whole matrix on every call).
    ///
    /// The corresponding C function is `cblas_sgemv`.
    @inline(__always)
    package static func sgemv(
        m: Int, n: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>,
        beta: Float = 0, y: UnsafeMutablePointer<Float>
    ) {
        guard m > 0, n > 0 else { return }
        _ = oneThreadUnlessTold
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(n), alpha, a, Int32(lda), x, 1, beta, y, 1)
    }

    /// Stops OpenBLAS's worker threads while they wait for work, once, early in a process.
    ///
    /// The pthreads build of OpenBLAS (Debian's default) starts its worker threads when the library is loaded,
    /// and each spins (`sched_yield`) for about 2^28 cycles, a tenth of a second, before it sleeps. A command that
    /// gives them no work — a separation, whose products run in Tandem's own kernel — pays that in full, on one
    /// of a laptop's two cores while the decoder and the motion map need both: `tandem separate` on a 10 s clip
    /// took 0.1 s more CPU and 0.05 s more wall time with the pool than with `OPENBLAS_NUM_THREADS=1`. OpenBLAS
    /// starts its pool again on the first call that wants threads (as it does after a `fork`), so nothing is lost
    /// where it is used. A build without the pool (serial, OpenMP) lacks the function: then nothing happens.
    ///
    /// The corresponding C function is `blas_thread_shutdown_` (what OpenBLAS's own fork handler calls), looked up
    /// at run time.
    package static func stopIdleThreads() {
        _ = oneThreadUnlessTold
        #if canImport(Glibc)
        typealias Shutdown = @convention(c) () -> Int32
        guard let symbol = dlsym(nil, "blas_thread_shutdown_") else { return }  // nil: RTLD_DEFAULT, every loaded library
        _ = unsafeBitCast(symbol, to: Shutdown.self)()
        #endif
    }

    /// Sets the threads OpenBLAS's own pool uses for one call.
    ///
    /// The corresponding C function is `openblas_set_num_threads`.
    package static func setThreadCount(_ count: Int) {
        _ = oneThreadUnlessTold
        openblas_set_num_threads(Int32(count))
    }

    /// One OpenBLAS thread from the first product on, until someone asks for more (`setThreadCount`, which
    /// `ComputeThreads` calls when told to let OpenBLAS thread a network's GEMMs).
    ///
    /// The separation's factorisations cut their products in two on the graph's own threads, and OpenBLAS's
    /// default pool (a thread per core) on top of them spun in `sched_yield` on the cores those threads needed:
    /// with one thread the tuning clips #0 took 27–38 % less CPU and 22–30 % less wall time
    /// (`Tools/eval/results/separation.md`, session 18, `sepspeed`). It also keeps results from depending on the
    /// core count, or on what else in the process touched OpenBLAS first: a product gets slightly different bits
    /// on one thread and on two. Every caller gets this, not only the `tandem` command (the tests, `tandem-bench`,
    /// a program using the library). Applied once, before anything else sets the count, so a later choice stands.
    private static let oneThreadUnlessTold: Void = openblas_set_num_threads(1)
}
