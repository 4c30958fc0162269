import Foundation
import Testing
import TandemCore
@testable import TandemVision

/// The row-at-a-time motion computation must give the same bits as the pixel-by-pixel one it replaced
/// (kept here as the reference), so speeding it up changes no region and no separation.
@Suite struct GlobalMotionTests {
    /// A deterministic pseudo-random image (a texture plus noise), `width × height`.
    static func image(width: Int, height: Int, seed: UInt64, shiftX: Int = 0, gain: Double = 1) -> GrayImage {
        var state = seed &* 6364136223846793005 &+ 1442695040888963407
        var pixels = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                let noise = Double((state >> 33) % 23)
                let sx = Double(x + shiftX)
                let v = (90 + 50 * sin(sx / 2.7) * cos(Double(y) / 3.9) + noise) * gain
                pixels[y * width + x] = UInt8(max(0, min(255, v)))
            }
        }
        return GrayImage(width: width, height: height, pixels: pixels)
    }

    // MARK: the reference: the pixel-by-pixel computation as it was before it was restructured

    static func referenceProfiles(_ image: GrayImage) -> (columns: [Float], rows: [Float]) {
        let w = image.width, h = image.height
        var columns = [Float](repeating: 0, count: w), rows = [Float](repeating: 0, count: h)
        for y in 0..<h {
            var s: Float = 0
            for x in 0..<w {
                let a = Float(image.pixels[y * w + x])
                columns[x] += a
                s += a
            }
            rows[y] = s / Float(w)
        }
        for x in 0..<w { columns[x] /= Float(h) }
        return (columns, rows)
    }

    static func referenceRange(_ image: GrayImage) -> (low: [UInt8], high: [UInt8]) {
        let w = image.width, h = image.height, p = image.pixels
        var rowLow = p, rowHigh = p
        for y in 0..<h {
            for x in 0..<w {
                let a = p[y * w + max(0, x - 1)], b = p[y * w + x], c = p[y * w + min(w - 1, x + 1)]
                rowLow[y * w + x] = min(a, b, c)
                rowHigh[y * w + x] = max(a, b, c)
            }
        }
        var low = rowLow, high = rowHigh
        for y in 0..<h {
            for x in 0..<w {
                let up = max(0, y - 1) * w + x, here = y * w + x, down = min(h - 1, y + 1) * w + x
                low[here] = min(rowLow[up], rowLow[here], rowLow[down])
                high[here] = max(rowHigh[up], rowHigh[here], rowHigh[down])
            }
        }
        return (low, high)
    }

    static func referenceCells(previous: GrayImage, current: GrayImage, gain g: Float, offset o: Float, shift: (x: Int, y: Int),
                               cellSize cs: Int, rows: Int, columns: Int) -> [Float] {
        let w = previous.width, h = previous.height
        let (low, high) = referenceRange(previous)
        var sums = [Float](repeating: 0, count: rows * columns), counts = [Int](repeating: 0, count: rows * columns)
        for y in max(0, shift.y)..<min(h, h + shift.y) {
            for x in max(0, shift.x)..<min(w, w + shift.x) {
                let s = (y - shift.y) * w + x - shift.x
                let v = Float(current.pixels[y * w + x])
                let a = g * Float(low[s]) + o, b = g * Float(high[s]) + o
                let d = v > b ? v - b : (v < a ? a - v : 0)
                sums[(y / cs) * columns + x / cs] += d
                counts[(y / cs) * columns + x / cs] += 1
            }
        }
        return sums.indices.map { counts[$0] > 0 ? sums[$0] / (255 * Float(counts[$0])) : 0 }
    }

    // MARK: tests

    @Test(arguments: [(37, 23), (1, 5), (2, 2), (64, 36), (5, 1)])
    func profilesAndRangeEqualThePixelLoop(size: (Int, Int)) {
        let image = Self.image(width: size.0, height: size.1, seed: 7)
        let frame = MotionFrame(image)
        let reference = Self.referenceProfiles(image)
        #expect(frame.columnMeans == reference.columns)
        #expect(frame.rowMeans == reference.rows)
        let range = Self.referenceRange(image)
        #expect(frame.low == range.low)
        #expect(frame.high == range.high)
    }

    /// Cell energies for shifts in every direction, edge cells smaller than the others, and bands of
    /// cell rows computed apart: the same bits as the reference.
    @Test(arguments: [(0, 0), (3, -2), (-4, 1), (2, 5), (-1, -3)])
    func cellEnergiesEqualThePixelLoop(shift: (Int, Int)) {
        let width = 61, height = 38, cs = 4
        let rows = (height + cs - 1) / cs, columns = (width + cs - 1) / cs
        let previous = Self.image(width: width, height: height, seed: 1)
        let current = Self.image(width: width, height: height, seed: 2, shiftX: 1, gain: 1.1)
        let motion = GlobalMotion(previous: previous, current: current, maximumShift: 6)
        let forced = GlobalMotion(previous: MotionFrame(previous), current: MotionFrame(current), gain: motion.gain, offset: motion.offset,
                                  shift: (shift.0, shift.1))
        let reference = Self.referenceCells(previous: previous, current: current, gain: motion.gain, offset: motion.offset,
                                            shift: (shift.0, shift.1), cellSize: cs, rows: rows, columns: columns)
        let whole = forced.cellEnergies(cellSize: cs, rows: rows, columns: columns)
        #expect(whole == reference)
        let banded = forced.cellEnergies(cellSize: cs, rows: rows, columns: columns, cellRows: 0..<4)
            + forced.cellEnergies(cellSize: cs, rows: rows, columns: columns, cellRows: 4..<rows)
        #expect(banded == reference)
        // Bands on three threads (the size threshold lowered so this small frame is cut).
        #expect(MotionMap.cellEnergies(forced, cellSize: cs, rows: rows, columns: columns, threads: 3, bandPixels: 100) == reference)
        #expect(MotionMap.cellEnergies(forced, cellSize: cs, rows: rows, columns: columns, threads: 3) == reference)
        #expect(reference.contains { $0 > 0 })
    }

    /// Four cells a lane: several cell sizes on a frame wide enough for a few groups of four, an edge cell
    /// smaller than the others, shifts that cut the first cell or not — the reference's bits.
    @Test(arguments: [1, 2, 3, 4, 5])
    func cellEnergiesInLanesEqualThePixelLoop(cellSize cs: Int) {
        let width = 83, height = 21
        let rows = (height + cs - 1) / cs, columns = (width + cs - 1) / cs
        let previous = Self.image(width: width, height: height, seed: 3)
        let current = Self.image(width: width, height: height, seed: 4, shiftX: 2, gain: 0.9)
        let motion = GlobalMotion(previous: previous, current: current, maximumShift: 6)
        for shift in [(0, 0), (1, 0), (-2, 1), (cs, -1), (-cs - 1, 2), (5, 0)] {
            let forced = GlobalMotion(previous: MotionFrame(previous), current: MotionFrame(current), gain: motion.gain,
                                      offset: motion.offset, shift: shift)
            let reference = Self.referenceCells(previous: previous, current: current, gain: motion.gain, offset: motion.offset,
                                                shift: shift, cellSize: cs, rows: rows, columns: columns)
            let cells = forced.cellEnergies(cellSize: cs, rows: rows, columns: columns)
            #expect(cells.map(\.bitPattern) == reference.map(\.bitPattern), "cell size \(cs), shift \(shift)")
            #expect(reference.contains { $0 > 0 })
        }
    }

    /// A whole map over a moving, flickering, panning sequence: every frame's row as the reference
    /// computation (gain, offset and shift found the old way, median taken by sorting) gives it.
    @Test func mapEqualsTheReference() throws {
        let width = 72, height = 40, cs = 4
        var map = MotionMap(cellSize: cs)
        var previous: GrayImage?
        for t in 0..<8 {
            let image = Self.image(width: width, height: height, seed: UInt64(10 + t % 3), shiftX: t * 2, gain: 1 + 0.05 * Double(t % 2))
            let row = try map.append(image, time: Double(t))
            guard let before = previous else {
                #expect(row.allSatisfy { $0 == 0 })
                previous = image
                continue
            }
            let p = GlobalMotion.quartiles(before.pixels), q = GlobalMotion.quartiles(image.pixels)
            let spreadP = p.upper - p.lower, spreadQ = q.upper - q.lower
            let g: Float = spreadP >= 4 && spreadQ >= 4 ? min(4, max(0.25, spreadQ / spreadP)) : 1
            let o = q.median - g * p.median
            let (cp, rp) = Self.referenceProfiles(before), (cq, rq) = Self.referenceProfiles(image)
            let radius = max(1, Int(map.maximumShiftFraction * Double(min(width, height))))
            let shift = (GlobalMotion.profileShift(cp, cq, gain: g, offset: o, radius: min(radius, width / 4)),
                         GlobalMotion.profileShift(rp, rq, gain: g, offset: o, radius: min(radius, height / 4)))
            #expect(map.shifts[t] == shift)
            var cells = Self.referenceCells(previous: before, current: image, gain: g, offset: o, shift: shift, cellSize: cs,
                                            rows: map.rows, columns: map.columns)
            let median = cells.sorted()[cells.count / 2]
            cells = median > map.cutLevel ? cells.map { _ in 0 } : cells.map { max(0, $0 - median) }
            #expect(row == cells, "frame \(t)")
            previous = image
        }
    }

    @Test func selectionEqualsSorting() {
        var state: UInt64 = 99
        for count in [1, 2, 3, 7, 100, 1001] {
            var values = (0..<count).map { i -> Float in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                // Many ties (a quarter of the values repeat a few levels), as cell energies often are 0.
                return i % 4 == 0 ? Float(state >> 62) : Float(state >> 40) / 1000
            }
            let sorted = values.sorted()
            for k in Set([0, count / 2, count - 1, count / 3]) {
                var scratch = values
                #expect(OrderStatistic.select(k, in: &scratch) == sorted[k], "count \(count), k \(k)")
            }
            #expect(OrderStatistic.median(values) == sorted[count / 2])
            values = [Float](repeating: 0.5, count: count)
            #expect(OrderStatistic.median(values) == 0.5)
        }
        #expect(OrderStatistic.median([]) == 0)
    }

    /// The radix selection gives the sort's value, bit for bit, on non-negative values (ties, zeros, subnormals,
    /// infinity), and declines where a value has its sign bit set or is NaN, where the median is selection's.
    @Test func radixSelectionEqualsSorting() {
        var state: UInt64 = 31
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        for count in [1, 2, 3, 7, 100, 1001, 4608] {
            let sets: [[Float]] = [
                (0..<count).map { _ in Float(next() % 1000) / 997 },
                (0..<count).map { i in i % 3 == 0 ? 0 : Float(next()) / 1e6 },
                [Float](repeating: 0, count: count),
                (0..<count).map { i in i % 5 == 0 ? .infinity : Float(bitPattern: UInt32(next() % 5000)) },
            ]
            for values in sets {
                let sorted = values.sorted()
                for k in Set([0, count / 3, count / 2, count - 1]) {
                    #expect(OrderStatistic.nonNegativeSelect(k, in: values)?.bitPattern == sorted[k].bitPattern, "count \(count), k \(k)")
                }
                #expect(OrderStatistic.median(values).bitPattern == sorted[count / 2].bitPattern)
            }
        }
        #expect(OrderStatistic.nonNegativeSelect(0, in: [1, -0.0, 2]) == nil)
        #expect(OrderStatistic.nonNegativeSelect(1, in: [1, -3, 2]) == nil)
        #expect(OrderStatistic.nonNegativeSelect(0, in: [1, .nan]) == nil)
        #expect(OrderStatistic.median([3, -1, 2, -5, 0]) == 0)
    }

    /// The four interleaved histograms give the percentiles a sort gives (lengths not a multiple of four included).
    @Test func quartilesEqualSorting() {
        var state: UInt64 = 7
        for count in [1, 2, 3, 5, 8, 1001, 73_731] {
            let pixels = (0..<count).map { i -> UInt8 in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                // Runs of one value (a plain background) between noise.
                return i % 97 < 40 ? 17 : UInt8(truncatingIfNeeded: state >> 40)
            }
            let sorted = pixels.sorted()
            let expected = [0.25, 0.5, 0.75].map { Float(sorted[min(count - 1, Int($0 * Double(count)))]) }
            let q = GlobalMotion.quartiles(pixels)
            #expect([q.lower, q.median, q.upper] == expected, "count \(count)")
        }
        #expect(GlobalMotion.quartiles([]) == (0, 0, 0))
    }
}
