/// What the whole picture did between two consecutive frames — a change of light (gain and offset of
/// the luma) and a camera translation — and the local motion left once that is undone.
///
/// The translation comes from the row and column luma profiles (one 1-D search per axis instead of a
/// 2-D block search: a pan or shake moves every column's mean the same way, a player moves a few);
/// it is only taken when it explains the profiles clearly better than no shift, so a player moving
/// on a plain background does not move the camera.
struct GlobalMotion {
    let previous: GrayImage
    let current: GrayImage
    /// Luma gain and offset that map the previous frame's light onto the current one's.
    let gain: Float
    let offset: Float
    /// Current relative to previous: `current(x, y) ≈ previous(x − shift.x, y − shift.y)`.
    let shift: (x: Int, y: Int)

    init(previous: GrayImage, current: GrayImage, maximumShift: Int) {
        self.previous = previous
        self.current = current
        let p = Self.quartiles(previous.pixels), q = Self.quartiles(current.pixels)
        // Quartiles, not mean and spread: a player filling part of a plain picture moves the mean, not
        // the median. A picture with no spread (black, the start of a fade) keeps the gain at 1.
        let spreadP = p.upper - p.lower, spreadQ = q.upper - q.lower
        let g: Float = spreadP >= 4 && spreadQ >= 4 ? min(4, max(0.25, spreadQ / spreadP)) : 1
        gain = g
        offset = q.median - g * p.median
        let w = previous.width, h = previous.height
        var columnsP = [Float](repeating: 0, count: w), columnsQ = columnsP
        var rowsP = [Float](repeating: 0, count: h), rowsQ = rowsP
        previous.pixels.withUnsafeBufferPointer { p in
            current.pixels.withUnsafeBufferPointer { q in
                for y in 0..<h {
                    var sp: Float = 0, sq: Float = 0
                    for x in 0..<w {
                        let a = Float(p[y * w + x]), b = Float(q[y * w + x])
                        columnsP[x] += a; columnsQ[x] += b
                        sp += a; sq += b
                    }
                    rowsP[y] = sp / Float(w); rowsQ[y] = sq / Float(w)
                }
            }
        }
        for x in 0..<w { columnsP[x] /= Float(h); columnsQ[x] /= Float(h) }
        shift = (Self.profileShift(columnsP, columnsQ, gain: g, offset: offset, radius: min(maximumShift, w / 4)),
                 Self.profileShift(rowsP, rowsQ, gain: g, offset: offset, radius: min(maximumShift, h / 4)))
    }

    /// The 25th, 50th and 75th percentiles of the luma, from its histogram.
    static func quartiles(_ pixels: [UInt8]) -> (lower: Float, median: Float, upper: Float) {
        guard !pixels.isEmpty else { return (0, 0, 0) }
        var histogram = [Int](repeating: 0, count: 256)
        for v in pixels { histogram[Int(v)] += 1 }
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
    /// - Complexity: O(pixels).
    func cellEnergies(cellSize cs: Int, rows: Int, columns: Int) -> [Float] {
        let w = previous.width, h = previous.height
        let (low, high) = Self.neighbourhoodRange(previous)
        var sums = [Float](repeating: 0, count: rows * columns)
        var counts = [Int](repeating: 0, count: rows * columns)
        let g = gain, o = offset, dx = shift.x, dy = shift.y
        current.pixels.withUnsafeBufferPointer { q in
            low.withUnsafeBufferPointer { lo in
                high.withUnsafeBufferPointer { hi in
                    for y in max(0, dy)..<min(h, h + dy) {
                        let sy = y - dy
                        let rowBase = (y / cs) * columns
                        for x in max(0, dx)..<min(w, w + dx) {
                            let sx = x - dx
                            let v = Float(q[y * w + x])
                            let a = g * Float(lo[sy * w + sx]) + o, b = g * Float(hi[sy * w + sx]) + o
                            let d = v > b ? v - b : (v < a ? a - v : 0)
                            let cell = rowBase + x / cs
                            sums[cell] += d
                            counts[cell] += 1
                        }
                    }
                }
            }
        }
        return sums.indices.map { counts[$0] > 0 ? sums[$0] / (255 * Float(counts[$0])) : 0 }
    }

    /// The minimum and maximum of each pixel's 3×3 neighbourhood (separable: rows, then columns).
    static func neighbourhoodRange(_ image: GrayImage) -> (low: [UInt8], high: [UInt8]) {
        let w = image.width, h = image.height
        var rowLow = image.pixels, rowHigh = image.pixels
        image.pixels.withUnsafeBufferPointer { p in
            for y in 0..<h {
                let line = y * w
                for x in 0..<w {
                    let a = p[line + max(0, x - 1)], b = p[line + x], c = p[line + min(w - 1, x + 1)]
                    rowLow[line + x] = min(a, b, c)
                    rowHigh[line + x] = max(a, b, c)
                }
            }
        }
        var low = rowLow, high = rowHigh
        for y in 0..<h {
            let up = max(0, y - 1) * w, here = y * w, down = min(h - 1, y + 1) * w
            for x in 0..<w {
                low[here + x] = min(rowLow[up + x], rowLow[here + x], rowLow[down + x])
                high[here + x] = max(rowHigh[up + x], rowHigh[here + x], rowHigh[down + x])
            }
        }
        return (low, high)
    }
}
