/// The harmonic model's small sums between its products, four at a time.
///
/// Between the products, one thread sums each template (513 bins), mixes each noise component's bands into its
/// template and compares its bands with the products, while the spare thread waits. Each of those sums is a chain
/// of additions, and a chain at a time waited on each one; four chains side by side (one a SIMD lane) add the same
/// terms in the same order, so every sum keeps its bits (a lane rounds its product, then adds it, as the scalar
/// loop does: there is no fused multiply–add in either) and the factors do not change.
extension HarmonicNMF {
    /// `sums[r] = Σ_f values[r · width + f]` for `rows` rows, each added in ascending `f`.
    static func rowSums(_ values: UnsafeBufferPointer<Float>, rows: Int, width: Int, into sums: UnsafeMutableBufferPointer<Float>) {
        precondition(values.count >= rows * width && sums.count >= rows, "\(rows) rows of \(width) values")
        var r = 0
        while r + 4 <= rows {
            var s = SIMD4<Float>()
            for f in 0..<width {
                s += SIMD4(values[r * width + f], values[(r + 1) * width + f], values[(r + 2) * width + f], values[(r + 3) * width + f])
            }
            for lane in 0..<4 { sums[r + lane] = s[lane] }
            r += 4
        }
        for r in r..<rows {
            var s: Float = 0
            for f in 0..<width { s += values[r * width + f] }
            sums[r] = s
        }
    }

    /// `mixed[f] = Σ_b matrix[f · columns + b] · weights[b]` for each of `rows` rows `f`, each added in ascending `b`:
    /// a noise component's template from its band weights.
    static func mixColumns(_ matrix: UnsafeBufferPointer<Float>, rows: Int, columns: Int, weights: UnsafeBufferPointer<Float>,
                           into mixed: UnsafeMutableBufferPointer<Float>) {
        precondition(matrix.count >= rows * columns && weights.count >= columns && mixed.count >= rows, "\(rows) × \(columns) values")
        var f = 0
        while f + 4 <= rows {
            var s = SIMD4<Float>()
            for b in 0..<columns {
                let column = SIMD4(matrix[f * columns + b], matrix[(f + 1) * columns + b], matrix[(f + 2) * columns + b],
                                   matrix[(f + 3) * columns + b])
                s += column * SIMD4(repeating: weights[b])
            }
            for lane in 0..<4 { mixed[f + lane] = s[lane] }
            f += 4
        }
        for f in f..<rows {
            var s: Float = 0
            for b in 0..<columns { s += matrix[f * columns + b] * weights[b] }
            mixed[f] = s
        }
    }

    /// For each column `b` of a `rows × columns` matrix: `Σ_f matrix[f · columns + b] · vector[f]` and
    /// `Σ_f matrix[f · columns + b]`, each added in ascending `f`: a noise component's bands against the products.
    static func columnProducts(_ matrix: UnsafeBufferPointer<Float>, rows: Int, columns: Int, vector: UnsafeBufferPointer<Float>)
        -> (products: [Float], sums: [Float]) {
        precondition(matrix.count >= rows * columns && vector.count >= rows, "\(rows) × \(columns) values")
        var products = [Float](repeating: 0, count: columns), sums = [Float](repeating: 0, count: columns)
        var b = 0
        while b + 4 <= columns {
            var num = SIMD4<Float>(), den = SIMD4<Float>()
            for f in 0..<rows {
                let i = f * columns + b
                let column = SIMD4(matrix[i], matrix[i + 1], matrix[i + 2], matrix[i + 3])
                num += column * SIMD4(repeating: vector[f])
                den += column
            }
            for lane in 0..<4 { products[b + lane] = num[lane]; sums[b + lane] = den[lane] }
            b += 4
        }
        for b in b..<columns {
            var num: Float = 0, den: Float = 0
            for f in 0..<rows { num += matrix[f * columns + b] * vector[f]; den += matrix[f * columns + b] }
            products[b] = num
            sums[b] = den
        }
        return (products, sums)
    }
}
