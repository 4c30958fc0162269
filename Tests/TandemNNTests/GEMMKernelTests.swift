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

    /// `tandem_sgemm_sparse` skips the steps of k where a 12-row panel of A or a 32-column panel of B is all zero:
    /// on operands with zero blocks (rows and columns zeroed in stripes, some panels left dense) it must give C
    /// bit for bit as `tandem_sgemm` does, for every combination of transposes, with and without accumulation.
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func skippingZerosGivesTheSameBits(transposes: (a: Bool, b: Bool)) {
        for (m, n, k) in [(13, 33, 7), (40, 70, 300), (97, 520, 513), (25, 64, 600)] {
            for accumulate in [false, true] {
                // op(A)[i, p] is zero where p falls in an odd stripe of 5 steps and i ≥ 12; op(B)[p, j] where p is a multiple of 3 and j ≥ 32.
                var a = values(m * k, seed: 4), b = values(k * n, seed: 5)
                for i in 0..<m { for p in 0..<k where i >= 12 && (p / 5) % 2 == 1 { a[transposes.a ? p * m + i : i * k + p] = 0 } }
                for p in 0..<k { for j in 0..<n where j >= 32 && p % 3 == 0 { b[transposes.b ? j * k + p : p * n + j] = 0 } }
                let (lda, ldb) = (transposes.a ? m : k, transposes.b ? k : n)
                let start = values(m * n, seed: 6)
                var dense = start, sparse = start
                let alpha: Float = accumulate ? 0.75 : 1
                let denseDone = tandem_sgemm(transposes.a ? 1 : 0, transposes.b ? 1 : 0, m, n, k, alpha, a, lda, b, ldb,
                                             accumulate ? 1 : 0, &dense, n)
                let sparseDone = tandem_sgemm_sparse(transposes.a ? 1 : 0, transposes.b ? 1 : 0, m, n, k, alpha, a, lda, b, ldb,
                                                     accumulate ? 1 : 0, &sparse, n)
                #expect(denseDone == sparseDone)
                #expect(dense.map(\.bitPattern) == sparse.map(\.bitPattern), "\(m)×\(n)×\(k), accumulate \(accumulate)")
            }
        }
    }

    /// `tandem_sgemm_rows_needed` computes the 12 × 32 tiles of C that hold a wanted column of one of their rows, with
    /// `tandem_sgemm`'s bits, and leaves the other tiles as they were.
    @Test(arguments: [false, true])
    func rowsNeededComputesTheWantedTilesOnly(transposeA: Bool) {
        let (m, n, k) = (40, 150, 300)
        let a = values(m * k, seed: 7), b = values(k * n, seed: 8), start = values(m * n, seed: 9)
        // Row i wants columns [3i, 3i + 5) (rows 30 and later: none).
        let from = (0..<m).map { Int32($0 < 30 ? 3 * $0 : 0) }, to = (0..<m).map { Int32($0 < 30 ? 3 * $0 + 5 : 0) }
        var full = start, partial = start
        let lda = transposeA ? m : k
        guard tandem_sgemm(transposeA ? 1 : 0, 0, m, n, k, 1, a, lda, b, n, 0, &full, n) == 1 else { return }
        #expect(tandem_sgemm_rows_needed(transposeA ? 1 : 0, 0, m, n, k, a, lda, b, n, from, to, &partial, n) == 1)
        for i in 0..<m {
            for j in 0..<n {
                let tileRows = (i / 12 * 12)..<min(m, i / 12 * 12 + 12), tileColumns = (j / 32 * 32)..<min(n, j / 32 * 32 + 32)
                let wanted = tileRows.contains { r in Int(from[r]) < tileColumns.upperBound && Int(to[r]) > tileColumns.lowerBound }
                let expected = wanted ? full[i * n + j] : start[i * n + j]
                #expect(partial[i * n + j].bitPattern == expected.bitPattern, "row \(i), column \(j)")
            }
        }
        #expect(partial != start && partial != full, "some tiles computed, some left")
    }
}
