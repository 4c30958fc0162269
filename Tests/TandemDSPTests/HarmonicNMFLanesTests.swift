import Testing
@testable import TandemDSP

/// The harmonic model's sums four at a time give the bits of the loops that took one sum at a time (so the
/// factors, masks and separations do not change): odd shapes, so the lanes and the remainder both run.
@Suite struct HarmonicNMFLanesTests {
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { i in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            // Magnitudes over several octaves and some zeros, as templates and spectra hold.
            return i % 7 == 0 ? 0 : Float(state >> 40) / Float(1 << 24) * Float(1 << (i % 9))
        }
    }

    @Test(arguments: [(1, 1), (3, 5), (4, 513), (9, 17), (213, 513)])
    func rowSumsAreTheLoopsBits(shape: (Int, Int)) {
        let (rows, width) = shape
        let values = Self.values(rows * width, seed: 1)
        var expected = [Float](repeating: 0, count: rows)
        for r in 0..<rows { var s: Float = 0; for f in 0..<width { s += values[r * width + f] }; expected[r] = s }
        var sums = [Float](repeating: -1, count: rows)
        values.withUnsafeBufferPointer { v in sums.withUnsafeMutableBufferPointer { HarmonicNMF.rowSums(v, rows: rows, width: width, into: $0) } }
        #expect(sums.map(\.bitPattern) == expected.map(\.bitPattern))
    }

    @Test(arguments: [(1, 1), (3, 24), (4, 7), (513, 24), (30, 5)])
    func mixedColumnsAreTheLoopsBits(shape: (Int, Int)) {
        let (rows, columns) = shape
        let matrix = Self.values(rows * columns, seed: 2), weights = Self.values(columns, seed: 3).map { $0 + 0.5 }
        var expected = [Float](repeating: 0, count: rows)
        for f in 0..<rows { var s: Float = 0; for b in 0..<columns { s += matrix[f * columns + b] * weights[b] }; expected[f] = s }
        var mixed = [Float](repeating: -1, count: rows)
        matrix.withUnsafeBufferPointer { m in
            weights.withUnsafeBufferPointer { w in
                mixed.withUnsafeMutableBufferPointer { HarmonicNMF.mixColumns(m, rows: rows, columns: columns, weights: w, into: $0) }
            }
        }
        #expect(mixed.map(\.bitPattern) == expected.map(\.bitPattern))
    }

    @Test(arguments: [(1, 1), (5, 3), (7, 4), (513, 24), (20, 9)])
    func columnProductsAreTheLoopsBits(shape: (Int, Int)) {
        let (rows, columns) = shape
        let matrix = Self.values(rows * columns, seed: 4), vector = Self.values(rows, seed: 5)
        var products = [Float](repeating: 0, count: columns), sums = products
        for b in 0..<columns {
            var num: Float = 0, den: Float = 0
            for f in 0..<rows { num += matrix[f * columns + b] * vector[f]; den += matrix[f * columns + b] }
            products[b] = num
            sums[b] = den
        }
        let found = matrix.withUnsafeBufferPointer { m in
            vector.withUnsafeBufferPointer { HarmonicNMF.columnProducts(m, rows: rows, columns: columns, vector: $0) }
        }
        #expect(found.products.map(\.bitPattern) == products.map(\.bitPattern))
        #expect(found.sums.map(\.bitPattern) == sums.map(\.bitPattern))
    }
}
