import Foundation
import Testing
import TandemCore
@testable import TandemVision

/// A region's curve on grainy footage: read from its cells that move above the grain, not from every cell of its box.
@Suite struct GrainCellsTests {
    /// A 64×48 grey picture in 4-pixel cells whose cell (5, 5) — a bow — flips between dark and light on the frames `bow`
    /// marks; with `grain`, every cell's level also jumps by up to ± `grain` each frame on its own (a codec's blocks).
    static func map(frames: Int, grain: Int, bow: (Int) -> Bool) throws -> MotionMap {
        var map = MotionMap(cellSize: 4, compensatesGlobalMotion: false)
        var seed: UInt64 = 12345
        func next() -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int(seed >> 33)
        }
        var dark = false
        for t in 0..<frames {
            if bow(t) { dark.toggle() }
            var pixels = [UInt8](repeating: 128, count: 64 * 48)
            for cellRow in 0..<12 {
                for cellColumn in 0..<16 {
                    let offset = grain > 0 ? next() % (2 * grain + 1) - grain : 0
                    let bowCell = cellRow == 5 && cellColumn == 5
                    for y in (cellRow * 4)..<(cellRow * 4 + 4) {
                        for x in (cellColumn * 4)..<(cellColumn * 4 + 4) {
                            pixels[y * 64 + x] = UInt8(bowCell ? (dark ? 60 : 200) + offset : 128 + offset)
                        }
                    }
                }
            }
            try map.append(GrayImage(width: 64, height: 48, pixels: pixels), time: Double(t) / 25)
        }
        return map
    }

    static func correlation(_ a: [Float], _ b: [Float]) -> Double {
        let n = Double(a.count)
        let ma = a.reduce(0.0) { $0 + Double($1) } / n, mb = b.reduce(0.0) { $0 + Double($1) } / n
        var ab = 0.0, aa = 0.0, bb = 0.0
        for i in a.indices {
            let x = Double(a[i]) - ma, y = Double(b[i]) - mb
            ab += x * y; aa += x * x; bb += y * y
        }
        return ab / (aa * bb).squareRoot()
    }

    /// The bow turns on an irregular pattern of frames.
    static func turns(_ t: Int) -> Bool { t % 7 == 0 || t % 5 == 2 }

    @Test func grainyBoxIsReadFromTheCellsThatMoveAboveItsGrain() throws {
        let map = try Self.map(frames: 120, grain: 14, bow: Self.turns)
        let box = MotionRegion(x: 8, y: 8, width: 32, height: 32)
        let kept = try #require(map.movingCells(in: box, ratio: 2, share: 0.5))
        #expect(kept == [5 * 16 + 5], "\(kept)")
        // The bow's own turns, as the frame difference sees them (the first frame has no predecessor).
        let truth = (0..<120).map { Float($0 > 0 && Self.turns($0) ? 1 : 0) }
        let whole = map.series(for: box, rows: map.energies)
        let moving = map.series(for: box, rows: map.energies, keeping: kept)
        #expect(Self.correlation(moving, truth) > 0.95, "\(Self.correlation(moving, truth))")
        #expect(Self.correlation(whole, truth) < Self.correlation(moving, truth) - 0.1, "\(Self.correlation(whole, truth))")
        #expect(MotionRegionFinder().grainy(map))
    }

    @Test func cleanPictureKeepsTheWholeBox() throws {
        let map = try Self.map(frames: 120, grain: 0, bow: Self.turns)
        let box = MotionRegion(x: 8, y: 8, width: 32, height: 32)
        // The still cells measure 0: nothing to leave out, and the curve is the whole box's.
        #expect(map.movingCells(in: box, ratio: 2) == nil)
        #expect(map.series(for: box, rows: map.energies, keeping: nil) == map.series(for: box, rows: map.energies))
        #expect(!MotionRegionFinder().grainy(map))
    }

    @Test func aTightBoxWhoseMovingCellsCarryMostOfItsMotionIsReadWhole() throws {
        // The bow turns every frame, in a 3 × 3-cell box around it: its cell carries most of the box's motion.
        let map = try Self.map(frames: 60, grain: 14, bow: { _ in true })
        let box = MotionRegion(x: 16, y: 16, width: 12, height: 12)
        #expect(map.movingCells(in: box, ratio: 2) == [5 * 16 + 5])
        #expect(map.movingCells(in: box, ratio: 2, share: 0.5) == nil)
    }

    @Test func aBoxOfGrainAloneIsReadWhole() throws {
        let map = try Self.map(frames: 60, grain: 14, bow: { _ in false })
        // No cell moves above the others' grain (the bow never turns): no curve of nothing, the whole box.
        #expect(map.movingCells(in: MotionRegion(x: 32, y: 0, width: 32, height: 32), ratio: 2) == nil)
    }

    @Test func smallBoxesAreLeftWhole() throws {
        let map = try Self.map(frames: 40, grain: 14, bow: Self.turns)
        // Two cells: too few to tell the grain from the player.
        #expect(map.movingCells(in: MotionRegion(x: 20, y: 20, width: 8, height: 4), ratio: 2) == nil)
    }
}
