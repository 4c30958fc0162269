import CTandemKernels
import Testing

/// Tandem's AVX-512 GEMM (`tandem_sgemm`) against a double-precision product: every combination of
/// transposes, sizes that are not multiples of its 12 × 32 tile or its 256-deep slices of k, leading
/// dimensions wider than the matrices, a scale (alpha), and accumulation onto C. On CPUs without AVX-512 it must
/// decline (return 0) and leave C alone, and `BLAS.sgemm` then uses OpenBLAS.
@Suite struct GEMMKernelTests {
    private func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 24) * 2 - 1
        }
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func matchesADirectProduct(transposes: (a: Bool, b: Bool)) {
        for (m, n, k) in [(1, 1, 1), (13, 33, 7), (25, 70, 300), (97, 520, 513), (12, 32, 256)] {
            for accumulate in [false, true] {
                // Stored shapes with a padded leading dimension (3 spare columns per row).
                let (aRows, aColumns) = transposes.a ? (k, m) : (m, k)
                let (bRows, bColumns) = transposes.b ? (n, k) : (k, n)
                let (lda, ldb, ldc) = (aColumns + 3, bColumns + 3, n + 3)
                let a = values(aRows * lda, seed: 1), b = values(bRows * ldb, seed: 2), start = values(m * ldc, seed: 3)
                var c = start
                let alpha: Float = accumulate ? 0.75 : 1
                let done = tandem_sgemm(transposes.a ? 1 : 0, transposes.b ? 1 : 0, m, n, k, alpha, a, lda, b, ldb,
                                        accumulate ? 1 : 0, &c, ldc)
                guard done == 1 else {
                    #expect(c == start, "a declined product leaves C alone")
                    continue
                }
                var worst: Double = 0
                for i in 0..<m {
                    for j in 0..<n {
                        var product = 0.0
                        for p in 0..<k {
                            let x = transposes.a ? a[p * lda + i] : a[i * lda + p]
                            let y = transposes.b ? b[j * ldb + p] : b[p * ldb + j]
                            product += Double(x) * Double(y)
                        }
                        let sum = Double(alpha) * product + (accumulate ? Double(start[i * ldc + j]) : 0)
                        worst = max(worst, abs(sum - Double(c[i * ldc + j])))
                    }
                    // The spare columns of C are never written.
                    for j in n..<ldc { #expect(c[i * ldc + j] == start[i * ldc + j]) }
                }
                #expect(worst < 1e-4 * Double(max(k, 1)).squareRoot(), "\(m)×\(n)×\(k), accumulate \(accumulate): \(worst)")
            }
        }
    }
}
