import Testing
import TandemCore
@testable import TandemVision

/// Who is a player: a flash that lights everyone at once does not make two players one, a bow and its body
/// stay one, and a player moving faintly but persistently is found while a faint flicker is not.
@Suite struct RegionTimingTests {
    /// 250 frames at 25 fps of a `width`×40 picture (4-pixel cells); each player is a block that shifts by
    /// 2 px (and back) every `every` frames while it plays (its phrases) and rests otherwise. `flashes`: frames in which the
    /// rows 0..<`flashRows` light up for one frame. Still stripes on the backdrop keep the camera still.
    static func scene(width: Int = 120, players: [(x: Int, y: Int, w: Int, h: Int, phrases: [Range<Int>], every: Int)],
                      flashes: Set<Int> = [], flashRows: Int = 0) throws -> MotionMap {
        var map = MotionMap(cellSize: 4)
        for t in 0..<250 {
            var pixels = (0..<(width * 40)).map { UInt8(($0 % width) % 16 < 3 ? 90 : 40) }
            if flashes.contains(t) { for i in 0..<(flashRows * width) { pixels[i] = 200 } }
            for p in players {
                let playing = p.phrases.contains { $0.contains(t) }
                let dx = playing && t % p.every == 1 ? 2 : 0
                for y in p.y..<(p.y + p.h) { for x in (p.x + dx)..<(p.x + dx + p.w) { pixels[y * width + x] = 220 } }
            }
            try map.append(GrayImage(width: width, height: 40, pixels: pixels), time: Double(t) / 25)
        }
        return map
    }

    @Test func aBowAndTheBodyMovingWithItAreOneRegion() throws {
        // A bow (a 28×4 bar) above a body (16×20) that moves with it, in the same phrases.
        let phrases = [0..<60, 100..<180, 210..<250]
        let map = try Self.scene(players: [(24, 4, 28, 4, phrases, 2), (30, 10, 16, 20, phrases, 2)])
        let regions = MotionRegionFinder().regions(in: map)
        #expect(regions.count == 1, "\(regions)")
        #expect(regions.first.map { $0.y <= 4 && $0.y + $0.height >= 30 } == true, "\(regions)")
    }

    @Test func aFlashLightingBothPlayersDoesNotGlueThem() throws {
        // Two players 6 cells apart playing all along, each at its own pace; two flashes light the top 12
        // rows, both players' upper parts included (30 % of the cells move in those frames, a few otherwise).
        let map = try Self.scene(players: [(16, 8, 12, 16, [0..<250], 2), (56, 8, 12, 16, [0..<250], 3)], flashes: [60, 180], flashRows: 12)
        let finder = MotionRegionFinder()
        let steps = finder.timingSteps(in: map)
        #expect(steps.count < map.frameCount && !steps.contains(60) && !steps.contains(61) && steps.contains(59))
        let regions = finder.regions(in: map)
        #expect(regions.count == 2, "\(regions)")
        // With every step compared, the two flashes make the players' curves rise together: one region.
        var blind = finder
        blind.wholePictureShare = 1.01
        #expect(blind.timingSteps(in: map).count == map.frameCount)
        #expect(blind.regions(in: map).count == 1)
    }

    /// 96×32 frames at 25 fps: a heavy mover (an 8×8 square jumping 16 px every frame) at the right, and at
    /// the left a 16×12 block only 16 grey levels above the backdrop that shifts 2 px (and back) every fourth
    /// frame of its phrases (its edge cells move at about 0.016, under `movingLevel`, in a third of the frames).
    /// `flicker`: the left block's 4×4 cells instead stay put and blink 4–5 grey levels up and down every frame
    /// (a faint glow, a screen's noise): they move faintly in every frame, by as much as the faint player's do.
    /// `top`, `height`: where the left block lies (pixels; its width stays 16).
    static func faintScene(flicker: Bool = false, top: Int = 8, height: Int = 12) throws -> MotionMap {
        var map = MotionMap(cellSize: 4)
        var generator = SplitMix(seed: 11)
        let phrases = [0..<50, 80..<140, 170..<230]
        for t in 0..<250 {
            var pixels = [UInt8](repeating: 40, count: 96 * 32)
            let dx = phrases.contains { $0.contains(t) } && t % 4 == 1 ? 2 : 0
            for cy in stride(from: top, to: top + height, by: 4) {
                for cx in stride(from: 12, to: 28, by: 4) {
                    let level = flicker ? UInt8(t % 2 == 0 ? 40 : 44 + Int(generator.unit() * 2)) : 56
                    for y in cy..<(cy + 4) { for x in (cx + (flicker ? 0 : dx))..<(cx + (flicker ? 0 : dx) + 4) { pixels[y * 96 + x] = level } }
                }
            }
            let jumperY = t % 2 == 0 ? 4 : 20
            for y in jumperY..<(jumperY + 8) { for x in 80..<88 { pixels[y * 96 + x] = 220 } }
            try map.append(GrayImage(width: 96, height: 32, pixels: pixels), time: Double(t) / 25)
        }
        return map
    }

    @Test func aFaintPersistentPlayerBesideAHeavyMoverIsFound() throws {
        let map = try Self.faintScene()
        let regions = MotionRegionFinder().regions(in: map)
        #expect(regions.count == 2, "\(regions)")
        #expect(regions.first.map { $0.x <= 16 && $0.x + $0.width >= 28 && $0.x + $0.width <= 40 } == true, "\(regions)")
        // Its cells move under `movingLevel`: without the faint search only the heavy mover is found.
        var plain = MotionRegionFinder()
        plain.faintLevel = 0
        #expect(plain.regions(in: map).allSatisfy { $0.x >= 72 }, "\(plain.regions(in: map))")
    }

    /// Each cell's faint bar and activity, gathered a block of cells at a time on one or two threads, are its own
    /// series' median plus `faintLevel` and its share of steps above that, as computed cell by cell.
    @Test func faintBarsAreEachCellsOwnMedianAndShare() throws {
        var small = MotionMap(cellSize: 4)
        var generator = SplitMix(seed: 5)
        for t in 0..<30 {  // 5 × 3 cells: fewer than one block
            try small.append(GrayImage(width: 20, height: 12, pixels: (0..<240).map { _ in UInt8(generator.unit() * 255) }), time: Double(t) / 25)
        }
        let finder = MotionRegionFinder()
        for map in [try Self.faintScene(), try Self.faintScene(flicker: true), small] {
            let expected = (0..<map.cellCount).map { c -> (Float, Float) in
                let series = map.series(cell: c)
                let bar = series.sorted()[series.count / 2] + finder.faintLevel
                return (bar, Float(series.filter { $0 > bar }.count) / Float(map.frameCount))
            }
            for threads in [1, 2] {
                let (bars, activity) = ComputeContext(threads: threads).run { finder.faintBars(map) }
                #expect(bars == expected.map(\.0) && activity == expected.map(\.1), "\(map.cellCount) cells, \(threads) threads")
            }
        }
    }

    /// The same faint motion against the picture's top edge (its moving ends three cells tall, one of them on the edge,
    /// as an encoder's or scaler's flicker there is) is not a player: what is left off the edge is a speck. With the edge
    /// counted it would be one.
    @Test func aFaintMoverAgainstThePicturesEdgeIsNotAPlayer() throws {
        let map = try Self.faintScene(top: 0, height: 12)
        let regions = MotionRegionFinder().regions(in: map)
        #expect(regions.allSatisfy { $0.x >= 72 }, "\(regions)")
        var withEdge = MotionRegionFinder()
        withEdge.faintBorderCells = 0
        #expect(withEdge.regions(in: map).contains { $0.x < 40 && $0.y == 0 }, "\(withEdge.regions(in: map))")
        // One cell further in, the strip is found as the faint block is.
        #expect(MotionRegionFinder().regions(in: try Self.faintScene(top: 4, height: 12)).contains { $0.x < 40 })
    }

    @Test func aFaintFlickerIsNotAPlayer() throws {
        let map = try Self.faintScene(flicker: true)
        let regions = MotionRegionFinder().regions(in: map)
        #expect(regions.allSatisfy { $0.x >= 72 }, "\(regions)")
        // Against one level for every cell (`faintLevel` above 0) the flicker's cells would move in most steps;
        // against their own median they never do.
        let cell = 3 * map.columns + 4
        let above = map.series(cell: cell).filter { $0 > MotionRegionFinder().faintLevel }.count
        #expect(Float(above) > 0.5 * Float(map.frameCount), "\(above)")
    }
}
