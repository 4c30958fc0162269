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
    /// bit for bit as `tandem_sgemm` does, for every combination of transposes, with and without accumulation
    /// (with AVX-512; elsewhere `tandem_sgemm` declines).
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
                // Without AVX-512 the dense product declines while the sparse one runs AVX2's path
                // (`GEMMKernelISATests` compares that path with its own dense product).
                guard denseDone == 1 else { continue }
                #expect(sparseDone == 1)
                #expect(zip(dense, sparse).filter { $0.bitPattern != $1.bitPattern }.isEmpty, "\(m)×\(n)×\(k), accumulate \(accumulate)")
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

/// Each instruction set's path of Tandem's GEMM (`tandem_sgemm_isa`: AVX2's 6 × 16 tile, AVX-512's 12 × 32), whichever
/// the CPU has, so that an AVX2 host tests the path its separations use and an AVX-512 host tests both: against a
/// double-precision product, skipping zeros bit for bit as the dense path, the rows-needed tiles, and the two paths
/// giving the same bits where both run.
@Suite struct GEMMKernelISATests {
    /// 1 AVX2, 2 AVX-512 (cpu_isa.h).
    static let isas: [Int32] = [1, 2]

    private func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 24) * 2 - 1
        }
    }

    /// op(A) (m×k) and op(B) (k×n), stored as the transposes ask, with zero blocks: op(A)[i, p] is zero for i ≥ 12 where
    /// p falls in an odd stripe of 5 steps; op(B)[p, j] for 32 ≤ j < 64 where p is a multiple of 3, and for j ≥ 64 where
    /// p falls in an odd stripe of 40 steps (runs long enough to be walked as runs, some across a 64-step word).
    private func operands(m: Int, n: Int, k: Int, transposes: (a: Bool, b: Bool), zeros: Bool) -> (a: [Float], b: [Float]) {
        var a = values(m * k, seed: 11), b = values(k * n, seed: 12)
        guard zeros else { return (a, b) }
        for i in 0..<m { for p in 0..<k where i >= 12 && (p / 5) % 2 == 1 { a[transposes.a ? p * m + i : i * k + p] = 0 } }
        for p in 0..<k {
            for j in 0..<n where (j >= 32 && j < 64 && p % 3 == 0) || (j >= 64 && (p / 40) % 2 == 1) {
                b[transposes.b ? j * k + p : p * n + j] = 0
            }
        }
        return (a, b)
    }

    /// How many elements of two results differ in their bits (a count, not the arrays: Swift Testing would diff them).
    private func differing(_ x: [Float], _ y: [Float]) -> Int { zip(x, y).filter { $0.bitPattern != $1.bitPattern }.count }

    /// C from `tandem_sgemm_isa`, or nil when the CPU lacks `isa`.
    private func product(
        isa: Int32, transposes: (a: Bool, b: Bool), m: Int, n: Int, k: Int, alpha: Float = 1, a: [Float], b: [Float],
        accumulate: Bool = false, start: [Float], skipZeros: Bool = false, needed: (from: [Int32], to: [Int32])? = nil
    ) -> [Float]? {
        var c = start
        let (lda, ldb) = (transposes.a ? m : k, transposes.b ? k : n)
        let done = tandem_sgemm_isa(isa, transposes.a ? 1 : 0, transposes.b ? 1 : 0, m, n, k, alpha, a, lda, b, ldb,
                                    accumulate ? 1 : 0, &c, n, skipZeros ? 1 : 0, needed?.from, needed?.to)
        guard done == 1 else {
            #expect(differing(c, start) == 0, "a declined product leaves C alone")
            return nil
        }
        return c
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func everyPathMatchesADirectProductAndSkipsZerosBitForBit(transposes: (a: Bool, b: Bool)) {
        for (m, n, k) in [(1, 1, 1), (5, 17, 3), (13, 33, 7), (25, 70, 300), (97, 530, 600), (7, 15, 257)] {
            for accumulate in [false, true] {
                let (a, b) = operands(m: m, n: n, k: k, transposes: transposes, zeros: true)
                let start = values(m * n, seed: 13), alpha: Float = accumulate ? 0.75 : 1
                for isa in Self.isas {
                    guard let dense = product(isa: isa, transposes: transposes, m: m, n: n, k: k, alpha: alpha, a: a, b: b,
                                              accumulate: accumulate, start: start) else { continue }
                    let sparse = product(isa: isa, transposes: transposes, m: m, n: n, k: k, alpha: alpha, a: a, b: b,
                                         accumulate: accumulate, start: start, skipZeros: true)
                    #expect(sparse.map { differing($0, dense) } == 0, "ISA \(isa), \(m)×\(n)×\(k), accumulate \(accumulate)")
                    var worst: Double = 0
                    for i in 0..<m {
                        for j in 0..<n {
                            var sum = 0.0
                            for p in 0..<k {
                                let x = transposes.a ? a[p * m + i] : a[i * k + p], y = transposes.b ? b[j * k + p] : b[p * n + j]
                                sum += Double(x) * Double(y)
                            }
                            let expected = Double(alpha) * sum + (accumulate ? Double(start[i * n + j]) : 0)
                            worst = max(worst, abs(expected - Double(dense[i * n + j])))
                        }
                    }
                    #expect(worst < 1e-4 * Double(k).squareRoot(), "ISA \(isa), \(m)×\(n)×\(k), accumulate \(accumulate): \(worst)")
                }
            }
        }
    }

    /// The rows-needed product computes each tile of C (12 × 32 with AVX-512, 6 × 16 with AVX2) that holds a wanted
    /// column of one of its rows, with the dense path's bits, and leaves the other tiles as they were.
    @Test(arguments: [false, true])
    func rowsNeededComputesTheWantedTilesOnly(transposeA: Bool) {
        let (m, n, k) = (40, 150, 300), transposes = (a: transposeA, b: false)
        let (a, b) = operands(m: m, n: n, k: k, transposes: transposes, zeros: false)
        let start = values(m * n, seed: 14)
        // Row i wants columns [3i, 3i + 5) (rows 30 and later: none).
        let from = (0..<m).map { Int32($0 < 30 ? 3 * $0 : 0) }, to = (0..<m).map { Int32($0 < 30 ? 3 * $0 + 5 : 0) }
        for (isa, tile) in zip(Self.isas, [(rows: 6, columns: 16), (rows: 12, columns: 32)]) {
            guard let full = product(isa: isa, transposes: transposes, m: m, n: n, k: k, a: a, b: b, start: start),
                  let partial = product(isa: isa, transposes: transposes, m: m, n: n, k: k, a: a, b: b, start: start,
                                        needed: (from, to)) else { continue }
            for i in 0..<m {
                for j in 0..<n {
                    let firstRow = i / tile.rows * tile.rows, firstColumn = j / tile.columns * tile.columns
                    let wanted = (firstRow..<min(m, firstRow + tile.rows)).contains { r in
                        Int(from[r]) < firstColumn + tile.columns && Int(to[r]) > firstColumn
                    }
                    #expect(partial[i * n + j].bitPattern == (wanted ? full : start)[i * n + j].bitPattern, "ISA \(isa), row \(i), column \(j)")
                }
            }
            #expect(partial != start && partial != full, "ISA \(isa): some tiles computed, some left")
        }
    }

    /// Both tiles form each element as one chain of fused multiply-adds over the same slices of k: where the CPU has
    /// both (AVX-512), they give the same bits.
    @Test func theTwoPathsGiveTheSameBits() {
        let (m, n, k) = (29, 101, 530), transposes = (a: true, b: false)
        let (a, b) = operands(m: m, n: n, k: k, transposes: transposes, zeros: true)
        let start = values(m * n, seed: 15)
        guard let avx512 = product(isa: 2, transposes: transposes, m: m, n: n, k: k, alpha: 0.5, a: a, b: b, accumulate: true, start: start),
              let avx2 = product(isa: 1, transposes: transposes, m: m, n: n, k: k, alpha: 0.5, a: a, b: b, accumulate: true, start: start)
        else { return }
        #expect(differing(avx2, avx512) == 0)
    }

    /// The harmonic model's products take Tandem's kernel on every CPU with AVX2 or AVX-512 (`BLAS.sgemm(skippingZeros:)`,
    /// the rows-needed product); only a CPU with neither declines them.
    @Test func skippingProductsRunWhereverAVX2Runs() {
        let (m, n, k) = (13, 40, 50)
        let a = values(m * k, seed: 16), b = values(k * n, seed: 17)
        var c = [Float](repeating: 0, count: m * n)
        let isa = String(cString: tandem_kernels_isa())
        let done = tandem_sgemm_sparse(0, 0, m, n, k, 1, a, k, b, n, 0, &c, n)
        #expect(done == (isa == "portable" ? 0 : 1), "\(isa)")
    }
}
