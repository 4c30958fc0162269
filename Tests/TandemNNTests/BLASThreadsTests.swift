import CBLAS
import Testing
@testable import TandemBLAS

@Suite struct BLASThreadsTests {
    /// `BLAS.stopIdleThreads` (the CLI calls it first thing) stops OpenBLAS's idle pool; a later call that wants
    /// OpenBLAS's threads gets them back and the right answer. Integer-valued operands keep every sum exact.
    /// In a child process: two threads for a while here would change the bits of another test's products.
    @Test func openBLASStillWorksAfterItsIdlePoolStops() async {
        await #expect(processExitsWith: .success) {
            BLAS.stopIdleThreads()
            BLAS.stopIdleThreads()  // twice: nothing left to stop is fine
            BLAS.setThreadCount(2)
            let m = 384, n = 384, k = 384
            let a = (0..<(m * k)).map { Float(($0 * 7) % 11) - 5 }
            let b = (0..<(k * n)).map { Float(($0 * 3) % 7) - 3 }
            var c = [Float](repeating: 0, count: m * n)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(n), 0, &c, Int32(n))
            var y = [Float](repeating: 0, count: m)
            let x = (0..<k).map { Float($0 % 5) - 2 }
            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(k), 1, a, Int32(k), x, 1, 0, &y, 1)
            var wrong = 0
            for i in 0..<m {
                var dot: Float = 0
                for p in 0..<k { dot += a[i * k + p] * x[p] }
                if dot != y[i] { wrong += 1 }
                for j in stride(from: 0, to: n, by: 37) {
                    var s: Float = 0
                    for p in 0..<k { s += a[i * k + p] * b[p * n + j] }
                    if s != c[i * n + j] { wrong += 1 }
                }
            }
            precondition(openblas_get_num_threads() == 2, "the count asked for stands")
            precondition(wrong == 0, "\(wrong) wrong sums")
        }
    }

    /// A fresh process's first product runs OpenBLAS on one thread, whatever its default pool (a thread per core):
    /// the separation's bits then depend neither on the machine nor on which test or node touched OpenBLAS first.
    @Test func theFirstProductHoldsOpenBLASToOneThread() async {
        await #expect(processExitsWith: .success) {
            let a = [Float](repeating: 1, count: 4), b = [Float](repeating: 2, count: 4)
            var c = [Float](repeating: 0, count: 4)
            BLAS.sgemm(transposeA: false, transposeB: false, m: 2, n: 2, k: 2, a: a, lda: 2, b: b, ldb: 2, c: &c, ldc: 2)
            precondition(c == [4, 4, 4, 4] && openblas_get_num_threads() == 1)
        }
    }
}
