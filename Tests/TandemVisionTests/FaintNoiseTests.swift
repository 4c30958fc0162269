import Testing
import TandemCore
@testable import TandemVision

/// The faint search on a picture whose every cell flickers now and then, as a camera's sensor noise and its encode make
/// single cells flicker in single steps (camera-like footage, `separation_eval.py --footage`).
struct FaintNoiseTests {
    /// A flat picture, 24 × 8 cells of 4 pixels: each step each cell brightens by 4 luma (0.016 per cell, over
    /// `faintLevel`, under `movingLevel`) with probability `noise`, for that frame only; a faint player (a block 12
    /// pixels tall, 16 luma over the background) shifts by 2 pixels and back every `period` frames inside three
    /// phrases, its two edges moving faintly; a heavy jumper on the right. `playing: false` leaves the block still.
    static func noisyScene(noise: Double, period: Int, playing: Bool = true) throws -> MotionMap {
        var map = MotionMap(cellSize: 4)
        var generator = SplitMix(seed: 23)
        let phrases = [0..<50, 80..<140, 170..<230]
        for t in 0..<250 {
            var pixels = [UInt8](repeating: 40, count: 96 * 32)
            for cell in 0..<(24 * 8) where generator.unit() < noise {
                let (cy, cx) = (cell / 24 * 4, cell % 24 * 4)
                for y in cy..<(cy + 4) { for x in cx..<(cx + 4) { pixels[y * 96 + x] = 44 } }
            }
            let dx = playing && phrases.contains { $0.contains(t) } && t % period == 1 ? 2 : 0
            for y in 8..<20 { for x in (12 + dx)..<(28 + dx) { pixels[y * 96 + x] = 56 } }
            let jumperY = t % 2 == 0 ? 4 : 20
            for y in jumperY..<(jumperY + 8) { for x in 80..<88 { pixels[y * 96 + x] = 220 } }
            try map.append(GrayImage(width: 96, height: 32, pixels: pixels), time: Double(t) / 25)
        }
        return map
    }

    /// Flicker in 4 % of the cells per step lifts the picture's median cell, and with it the faint search's floor (four
    /// times its share), over the player's edges (moving in about a ninth of the steps): counted only when a neighbour
    /// moves with them, the flicker falls off and the player is found. Counting every step, it is not.
    @Test func aFaintPlayerIsFoundThroughCellFlicker() throws {
        let map = try Self.noisyScene(noise: 0.04, period: 12)
        let regions = MotionRegionFinder().regions(in: map)
        #expect(regions.contains { $0.x < 40 && $0.y < 24 && $0.y + $0.height > 8 }, "\(regions)")
        var everyStep = MotionRegionFinder()
        everyStep.faintNeighbourSteps = -1
        #expect(everyStep.regions(in: map).allSatisfy { $0.x >= 72 }, "\(everyStep.regions(in: map))")
    }

    /// The flicker alone, the block still, makes no region: only the jumper is found.
    @Test func cellFlickerAloneIsNoPlayer() throws {
        let regions = MotionRegionFinder().regions(in: try Self.noisyScene(noise: 0.04, period: 14, playing: false))
        #expect(regions.allSatisfy { $0.x >= 72 }, "\(regions)")
    }

    /// A cell counts a step when a neighbour is above its bar in that step or the next or previous one, not otherwise;
    /// with `faintNeighbourSteps` −1 every step above the bar counts alone.
    @Test func aStepCountsWithANeighbourNearInTime() throws {
        var map = MotionMap(cellSize: 4)
        func light(_ pixels: inout [UInt8], row: Int, column: Int) {
            for y in (row * 4)..<(row * 4 + 4) { for x in (column * 4)..<(column * 4 + 4) { pixels[y * 40 + x] = 60 } }
        }
        for t in 0..<6 {
            var pixels = [UInt8](repeating: 40, count: 40 * 40)  // 10 × 10 cells
            if t == 1 { light(&pixels, row: 5, column: 2) }  // cell (5, 2) lights at step 1
            if t == 2 { light(&pixels, row: 5, column: 3) }  // its neighbour at step 2
            if t == 4 { light(&pixels, row: 5, column: 7) }  // a cell alone at step 4
            try map.append(GrayImage(width: 40, height: 40, pixels: pixels), time: Double(t) / 25)
        }
        let finder = MotionRegionFinder()
        let bars = finder.faintBars(map).bars
        var together: [[Bool]] = [], alone: [[Bool]] = []
        finder.faintSteps(map, bars: bars) { _, above, near in alone.append(above); together.append(near) }
        #expect(alone[1][52] && alone[2][53] && alone[4][57], "\(alone.map { row in row.indices.filter { row[$0] } })")
        #expect(together[1][52] && together[2][53] && !together[4][57], "\(together.map { row in row.indices.filter { row[$0] } })")
        var off = finder
        off.faintNeighbourSteps = -1
        var none: [[Bool]] = []
        off.faintSteps(map, bars: bars) { _, _, near in none.append(near) }
        #expect(none.allSatisfy { !$0.contains(true) })
    }
}
