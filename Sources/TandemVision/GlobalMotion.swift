/// One luma frame prepared for motion analysis: what `GlobalMotion` reads of it, computed once when the
/// frame arrives and read again when it is the previous frame of the next comparison (a frame is
/// compared twice, as the current and then as the previous one, so nothing is computed twice).
struct MotionFrame: Sendable {
    let image: GrayImage
    /// The 25th, 50th and 75th percentiles of the luma.
    let quartiles: (lower: Float, median: Float, upper: Float)
    /// Mean luma of each column and of each row (the camera is found by matching these).
    let columnMeans: [Float]
    let rowMeans: [Float]
    /// The minimum and maximum of each pixel's 3×3 neighbourhood (what the next frame is compared with).
    let low: [UInt8]
    let high: [UInt8]

    /// - Complexity: four passes over the pixels (histogram, profiles, neighbourhood rows, columns).
    init(_ image: GrayImage) {
        self.image = image
        quartiles = GlobalMotion.quartiles(image.pixels)
        (columnMeans, rowMeans) = GlobalMotion.profiles(image)
        (low, high) = GlobalMotion.neighbourhoodRange(image)
    }

    /// The frame alone, for plain frame differences (nothing else is read).
    init(plain image: GrayImage) {
        self.image = image
        quartiles = (0, 0, 0)
        columnMeans = []
        rowMeans = []
        low = []
        high = []
    }

    var width: Int { image.width }
    var height: Int { image.height }
}

/// What the whole picture did between two consecutive frames — a change of light (gain and offset of
/// the luma) and a camera translation — and the local motion left once that is undone.
///
/// The translation comes from the row and column luma profiles (one 1-D search per axis instead of a
/// 2-D block search: a pan or shake moves every column's mean the same way, a player moves a few);
/// it is only taken when it explains the profiles clearly better than no shift, so a player moving
/// on a plain background does not move the camera.
///
/// The per-pixel work runs a row at a time over `Span`s (bounds checked once per row, no copy-on-write
/// check per pixel), so the compiler vectorises it; every result is the same, bit for bit, as a
/// pixel-by-pixel loop (each cell's sum is still taken in row-major pixel order).
struct GlobalMotion {
    let previous: MotionFrame
    let current: MotionFrame
    /// Luma gain and offset that map the previous frame's light onto the current one's.
    let gain: Float
    let offset: Float
    /// Current relative to previous: `current(x, y) ≈ previous(x − shift.x, y − shift.y)`.
    let shift: (x: Int, y: Int)

    init(previous: GrayImage, current: GrayImage, maximumShift: Int) {
        self.init(previous: MotionFrame(previous), current: MotionFrame(current), maximumShift: maximumShift)
    }

    init(previous: MotionFrame, current: MotionFrame, maximumShift: Int) {
        self.previous = previous
        self.current = current
        let p = previous.quartiles, q = current.quartiles
        // Quartiles, not mean and spread: a player filling part of a plain picture moves the mean, not
        // the median. A picture with no spread (black, the start of a fade) keeps the gain at 1.
        let spreadP = p.upper - p.lower, spreadQ = q.upper - q.lower
        let g: Float = spreadP >= 4 && spreadQ >= 4 ? min(4, max(0.25, spreadQ / spreadP)) : 1
        gain = g
        offset = q.median - g * p.median
        let w = previous.width, h = previous.height
        shift = (Self.profileShift(previous.columnMeans, current.columnMeans, gain: g, offset: offset, radius: min(maximumShift, w / 4)),
                 Self.profileShift(previous.rowMeans, current.rowMeans, gain: g, offset: offset, radius: min(maximumShift, h / 4)))
    }

    /// A comparison with the light and camera given (tests compare the cell energies with these fixed).
    init(previous: MotionFrame, current: MotionFrame, gain: Float, offset: Float, shift: (x: Int, y: Int)) {
        self.previous = previous
        self.current = current
        self.gain = gain
        self.offset = offset
        self.shift = shift
    }

    /// The 25th, 50th and 75th percentiles of the luma, from its histogram.
    ///
    /// The pixels are counted into four histograms in turn, then added: neighbouring pixels of one value (most of
    /// a picture) would otherwise wait each for the last one's count to be stored before adding to it.
    static func quartiles(_ pixels: [UInt8]) -> (lower: Float, median: Float, upper: Float) {
        guard !pixels.isEmpty else { return (0, 0, 0) }
        var partial = [Int32](repeating: 0, count: 4 * 256)
        do {
            var counts = partial.mutableSpan
            let values = pixels.span
            let whole = values.count / 4 * 4
            var i = 0
            while i < whole {
                counts[Int(values[i])] &+= 1
                counts[256 + Int(values[i + 1])] &+= 1
                counts[512 + Int(values[i + 2])] &+= 1
                counts[768 + Int(values[i + 3])] &+= 1
                i += 4
            }
            while i < values.count { counts[Int(values[i])] &+= 1; i += 1 }
        }
        let histogram = (0..<256).map { v in Int(partial[v]) + Int(partial[256 + v]) + Int(partial[512 + v]) + Int(partial[768 + v]) }
        func percentile(_ fraction: Double) -> Float {
            let target = Int(fraction * Double(pixels.count))
            var seen = 0
            for (value, count) in histogram.enumerated() {
                seen += count
                if seen > target { return Float(value) }
            }
            return 255
        }
        return (percentile(0.25), percentile(0.5), percentile(0.75))
    }

    /// The mean luma of each column and of each row.
    ///
    /// Sums are taken in integers: exact, so the means are the same whatever the order (a Float sum
    /// of bytes is exact too, below 2^24 — 65 000 pixels a line — which is what they replaced).
    /// - Complexity: O(pixels).
    static func profiles(_ image: GrayImage) -> (columns: [Float], rows: [Float]) {
        let w = image.width, h = image.height
        var columnSums = [Int32](repeating: 0, count: w)
        var rows = [Float](repeating: 0, count: h)
        let pixels = image.pixels.span
        do {
            var sums = columnSums.mutableSpan
            for y in 0..<h {
                let line = pixels.extracting((y * w)..<((y + 1) * w))
                var s: Int32 = 0
                for x in 0..<w {
                    let v = Int32(line[x])
                    sums[x] &+= v
                    s &+= v
                }
                rows[y] = Float(s) / Float(w)
            }
        }
        return (columnSums.map { Float($0) / Float(h) }, rows)
    }

    /// The shift `d` minimising the mean |q[i] − (gain · p[i − d] + offset)|; 0 unless it beats no
    /// shift by 10 % (a player moving changes a profile a little; a camera move changes all of it).
    static func profileShift(_ p: [Float], _ q: [Float], gain: Float, offset: Float, radius: Int) -> Int {
        guard radius > 0 else { return 0 }
        func cost(_ d: Int) -> Float {
            var s: Float = 0, n = 0
            for i in max(0, d)..<min(q.count, p.count + d) {
                s += abs(q[i] - (gain * p[i - d] + offset)); n += 1
            }
            return n > 0 ? s / Float(n) : .infinity
        }
        let still = cost(0)
        var best = 0, bestCost = still
        for d in -radius...radius where d != 0 {
            let c = cost(d)
            if c < bestCost { best = d; bestCost = c }
        }
        return bestCost < 0.9 * still ? best : 0
    }

    /// Per cell, the mean over its pixels (those the shifted previous frame covers) of the luma's
    /// distance to the light-matched range of the previous frame's 3×3 neighbourhood, / 255.
    /// - Parameter cellRows: the rows of cells to compute (all by default); the result holds
    ///   `cellRows.count × columns` values, so bands of rows can be computed apart and concatenated.
    /// - Complexity: O(pixels).
    func cellEnergies(cellSize cs: Int, rows: Int, columns: Int, cellRows: Range<Int>? = nil) -> [Float] {
        let band = cellRows ?? 0..<rows
        let w = previous.width, h = previous.height
        let g = gain, o = offset, dx = shift.x, dy = shift.y
        // The pixels of the current frame the shifted previous frame covers.
        let x0 = max(0, dx), x1 = min(w, w + dx), y0 = max(0, dy), y1 = min(h, h + dy)
        var sums = [Float](repeating: 0, count: band.count * columns)
        guard x1 > x0, y1 > y0, !band.isEmpty else { return sums }
        let q = current.image.pixels.span, lo = previous.low.span, hi = previous.high.span
        var distances = [Float](repeating: 0, count: x1 - x0)
        for y in max(y0, band.lowerBound * cs)..<min(y1, band.upperBound * cs) {
            let sy = y - dy
            let currentRow = q.extracting((y * w + x0)..<(y * w + x1))
            let lowRow = lo.extracting((sy * w + x0 - dx)..<(sy * w + x1 - dx))
            let highRow = hi.extracting((sy * w + x0 - dx)..<(sy * w + x1 - dx))
            do {
                var d = distances.mutableSpan
                for i in d.indices {
                    let v = Float(currentRow[i])
                    let a = g * Float(lowRow[i]) + o, b = g * Float(highRow[i]) + o
                    d[i] = v > b ? v - b : (v < a ? a - v : 0)
                }
            }
            // Each cell's pixels are added in row-major order, as a pixel-by-pixel loop would.
            let rowBase = (y / cs - band.lowerBound) * columns
            do {
                var cells = sums.mutableSpan
                let d = distances.span
                var x = x0, cell = rowBase + x0 / cs
                // Whole cells four at a time, one a lane, after a first cell the shift cut: each lane still adds its
                // cell's pixels one by one in order (the same sums), but four cells' chains run side by side where a
                // cell at a time waited on each addition (a third of the map's time went to these short chains).
                var lanes = x0 % cs == 0
                while x < x1 {
                    if lanes && x + 4 * cs <= x1 {
                        let i = x - x0
                        var s = SIMD4<Float>(cells[cell], cells[cell + 1], cells[cell + 2], cells[cell + 3])
                        for j in i..<(i + cs) { s += SIMD4<Float>(d[j], d[j + cs], d[j + 2 * cs], d[j + 3 * cs]) }
                        for lane in 0..<4 { cells[cell + lane] = s[lane] }
                        x += 4 * cs
                        cell += 4
                        continue
                    }
                    let end = min(x1, (x / cs + 1) * cs)
                    var s = cells[cell]
                    for i in (x - x0)..<(end - x0) { s += d[i] }
                    cells[cell] = s
                    x = end
                    cell += 1
                    lanes = true
                }
            }
        }
        // Pixels counted per cell: the covered rows times the covered columns of the cell.
        func covered(_ index: Int, _ low: Int, _ high: Int) -> Int { max(0, min(high, (index + 1) * cs) - max(low, index * cs)) }
        let coveredColumns = (0..<columns).map { covered($0, x0, x1) }
        for r in band {
            let coveredRows = covered(r, y0, y1)
            for c in 0..<columns {
                let i = (r - band.lowerBound) * columns + c
                let count = coveredRows * coveredColumns[c]
                sums[i] = count > 0 ? sums[i] / (255 * Float(count)) : 0
            }
        }
        return sums
    }

    /// Per cell, which way its moving pixels went: the sums of `∂x L · ∂t L` and `∂y L · ∂t L` over the pixels that
    /// score in `cellEnergies` (outside the previous frame's 3×3 range), `/ 255²` and over the cell's covered pixels,
    /// interleaved (`[2 · cell]` x, `[2 · cell + 1]` y).
    ///
    /// The energy has no sign: a bow sliding at an even speed scores the same whichever way it goes, so the moment it
    /// turns — a bowed note's start — does not show in it. `∂t L ≈ −(u ∂x L + v ∂y L)` for a motion `(u, v)`, so
    /// each product's sign is the motion's against the brightness slope, and summed over a region the two sums turn
    /// over when the region's motion does (the gradient-constraint of Lucas and Kanade, without the division). Only the
    /// pixels that score as motion count: a sub-pixel slide of the picture (a pan's rounding, shake, compression
    /// noise) leaves the 3×3 range alone and would otherwise add a flow everywhere. The gradients are those of the
    /// mean of the current frame and the light-matched, shifted previous one (central differences, edges repeated).
    /// - Complexity: O(pixels) for the distances, O(moving pixels) for the products.
    func cellFlows(cellSize cs: Int, rows: Int, columns: Int) -> [Float] {
        let w = previous.width, h = previous.height
        let g = gain, o = offset, dx = shift.x, dy = shift.y
        let x0 = max(0, dx), x1 = min(w, w + dx), y0 = max(0, dy), y1 = min(h, h + dy)
        var sums = [Float](repeating: 0, count: 2 * rows * columns)
        guard x1 > x0, y1 > y0 else { return sums }
        let q = current.image.pixels.span, p = previous.image.pixels.span, lo = previous.low.span, hi = previous.high.span
        for y in y0..<y1 {
            let sy = y - dy
            let up = max(0, y - 1) * w, down = min(h - 1, y + 1) * w
            let upPrevious = max(0, sy - 1) * w, downPrevious = min(h - 1, sy + 1) * w
            let rowBase = (y / cs) * columns
            for x in x0..<x1 {
                let v = Float(q[y * w + x]), sx = x - dx
                let a = g * Float(lo[sy * w + sx]) + o, b = g * Float(hi[sy * w + sx]) + o
                guard v > b || v < a else { continue }
                let left = max(0, x - 1), right = min(w - 1, x + 1), leftPrevious = max(0, sx - 1), rightPrevious = min(w - 1, sx + 1)
                let gx = (Float(q[y * w + right]) - Float(q[y * w + left]) + g * (Float(p[sy * w + rightPrevious]) - Float(p[sy * w + leftPrevious]))) / 4
                let gy = (Float(q[down + x]) - Float(q[up + x]) + g * (Float(p[downPrevious + sx]) - Float(p[upPrevious + sx]))) / 4
                let gt = v - (g * Float(p[sy * w + sx]) + o)
                let cell = rowBase + x / cs
                sums[2 * cell] += gx * gt
                sums[2 * cell + 1] += gy * gt
            }
        }
        func covered(_ index: Int, _ low: Int, _ high: Int) -> Int { max(0, min(high, (index + 1) * cs) - max(low, index * cs)) }
        for r in 0..<rows {
            let coveredRows = covered(r, y0, y1)
            for c in 0..<columns {
                let count = coveredRows * covered(c, x0, x1)
                let scale: Float = count > 0 ? 1 / (255 * 255 * Float(count)) : 0
                sums[2 * (r * columns + c)] *= scale
                sums[2 * (r * columns + c) + 1] *= scale
            }
        }
        return sums
    }

    /// The minimum and maximum of each pixel's 3×3 neighbourhood (separable: rows, then columns).
    /// - Complexity: O(pixels).
    static func neighbourhoodRange(_ image: GrayImage) -> (low: [UInt8], high: [UInt8]) {
        let w = image.width, h = image.height
        var rowLow = [UInt8](repeating: 0, count: w * h), rowHigh = rowLow
        let p = image.pixels.span
        do {
            var lows = rowLow.mutableSpan, highs = rowHigh.mutableSpan
            for y in 0..<h {
                let line = y * w
                // Edges repeat their own pixel; the interior takes its two neighbours.
                let first = p[line], last = p[line + w - 1]
                lows[line] = min(first, p[line + min(w - 1, 1)])
                highs[line] = max(first, p[line + min(w - 1, 1)])
                if w > 1 {
                    lows[line + w - 1] = min(p[line + w - 2], last)
                    highs[line + w - 1] = max(p[line + w - 2], last)
                }
                if w > 2 {
                    let left = p.extracting(line..<(line + w - 2)), middle = p.extracting((line + 1)..<(line + w - 1))
                    let right = p.extracting((line + 2)..<(line + w))
                    for x in 0..<(w - 2) {
                        let a = left[x], b = middle[x], c = right[x]
                        lows[line + 1 + x] = min(a, b, c)
                        highs[line + 1 + x] = max(a, b, c)
                    }
                }
            }
        }
        var low = rowLow, high = rowHigh
        do {
            let rl = rowLow.span, rh = rowHigh.span
            var lows = low.mutableSpan, highs = high.mutableSpan
            for y in 0..<h {
                let up = max(0, y - 1) * w, here = y * w, down = min(h - 1, y + 1) * w
                let upLow = rl.extracting(up..<(up + w)), hereLow = rl.extracting(here..<(here + w)), downLow = rl.extracting(down..<(down + w))
                let upHigh = rh.extracting(up..<(up + w)), hereHigh = rh.extracting(here..<(here + w)), downHigh = rh.extracting(down..<(down + w))
                for x in 0..<w {
                    lows[here + x] = min(upLow[x], hereLow[x], downLow[x])
                    highs[here + x] = max(upHigh[x], hereHigh[x], downHigh[x])
                }
            }
        }
        return (low, high)
    }
}
