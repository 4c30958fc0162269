/// The attention post-processing and dynamic time warping, in float32 and with CTranslate2's choices
/// (`compute_alignments`, `ops::MedianFilter`, `negative_dtw`) so the same attention gives the same path.
extension WhisperWordAligner {
    /// Standardises each column (frame) of a `rows × columns` matrix over its rows (tokens): mean 0, variance 1,
    /// as `LayerNorm(axis: -2, epsilon: 0)` computes it (one pass of sums and sums of squares).
    static func standardizeColumns(_ values: inout [Float], rows: Int, columns: Int) {
        guard rows > 0 else { return }
        for column in 0..<columns {
            var sum: Float = 0, squares: Float = 0
            for row in 0..<rows {
                let x = values[row * columns + column]
                sum += x
                squares += x * x
            }
            let mean = sum / Float(rows)
            let variance = max(squares / Float(rows) - mean * mean, 0)
            let inverseDeviation = 1 / variance.squareRoot()
            for row in 0..<rows { values[row * columns + column] = (values[row * columns + column] - mean) * inverseDeviation }
        }
    }

    /// Median of each `width` window along every row, the rows reflected at their ends (`…, x2, x1, x0, x1, x2, …`).
    /// Rows no longer than `width / 2` are returned unchanged, as both references do.
    static func medianFilterRows(_ values: [Float], rows: Int, columns: Int, width: Int) -> [Float] {
        precondition(width > 0 && width % 2 == 1, "the median filter width must be odd")
        let half = width / 2
        guard columns > half else { return values }
        var result = values
        var window = [Float](repeating: 0, count: width)
        for row in 0..<rows {
            let base = row * columns
            for j in 0..<columns {
                for k in -half...half {
                    var read = abs(j + k)
                    if read >= columns { read = columns - (read - columns) - 2 }
                    window[k + half] = values[base + read]
                }
                window.sort()
                result[base + j] = window[half]
            }
        }
        return result
    }

    /// The cheapest monotonic path through `-matrix` from (0, 0) to (rows − 1, columns − 1), as pairs
    /// (row, column) in order.
    ///
    /// Ties go as in openai/whisper's `dtw_cpu` and CTranslate2's `negative_dtw`: the diagonal only when
    /// strictly cheapest, then the step from above only when strictly cheapest, else the step from the left.
    /// Costs accumulate in float32.
    /// - Complexity: O(rows · columns) time and memory.
    static func negativeDTW(_ matrix: [Float], rows: Int, columns: Int) -> [(row: Int, column: Int)] {
        guard rows > 0, columns > 0 else { return [] }
        let stride = columns + 1
        var cost = [Float](repeating: .infinity, count: (rows + 1) * stride)
        var trace = [UInt8](repeating: 0, count: (rows + 1) * stride)
        cost[0] = 0
        for j in 1...columns {
            for i in 1...rows {
                let c0 = cost[(i - 1) * stride + j - 1]
                let c1 = cost[(i - 1) * stride + j]
                let c2 = cost[i * stride + j - 1]
                let c: Float
                let t: UInt8
                if c0 < c1 && c0 < c2 {
                    (c, t) = (c0, 0)
                } else if c1 < c0 && c1 < c2 {
                    (c, t) = (c1, 1)
                } else {
                    (c, t) = (c2, 2)
                }
                cost[i * stride + j] = -matrix[(i - 1) * columns + j - 1] + c
                trace[i * stride + j] = t
            }
        }
        for k in 0...columns { trace[k] = 2 }
        for k in 0...rows { trace[k * stride] = 1 }
        var path: [(row: Int, column: Int)] = []
        var i = rows, j = columns
        while i > 0 || j > 0 {
            path.append((i - 1, j - 1))
            switch trace[i * stride + j] {
            case 0: i -= 1; j -= 1
            case 1: i -= 1
            default: j -= 1
            }
        }
        return path.reversed()
    }
}
