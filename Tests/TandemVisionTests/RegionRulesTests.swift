import Foundation
import Testing
import TandemCore
@testable import TandemVision

/// The region-finding rules of issue #14's second pass: whole-picture steps left out, weak but persistent
/// players kept beside a big mover, and the two ends of one rigid thing merged while two players are not.
@Suite struct RegionRulesTests {
    /// The finder with every rule of this suite on, whatever the defaults.
    static var finder: MotionRegionFinder {
        var finder = MotionRegionFinder()
        finder.keepsPersistentGroups = true
        finder.comparesCompressedTiming = true
        finder.mergesOverlappingPieces = true
        return finder
    }

    /// 96×48 frames, flat grey but for a block of 8-px checks at x 0…31 (a textured backdrop), and a
    /// 4×4 square at x 70 that jumps every frame (a player). At `flash` and the frame after, the whole
    /// picture is brightened 1.8× and clipped, as a photographer's flash does.
    static func flashScene(frames: Int = 40, flash: Int? = 20) throws -> MotionMap {
        var map = MotionMap(cellSize: 4)
        let width = 96, height = 48
        for t in 0..<frames {
            var pixels = [UInt8](repeating: 100, count: width * height)
            for y in 0..<height { for x in 0..<32 { pixels[y * width + x] = ((x / 8) + (y / 8)) % 2 == 0 ? 40 : 220 } }
            let py = t % 2 == 0 ? 8 : 24
            for y in py..<(py + 4) { for x in 70..<74 { pixels[y * width + x] = 230 } }
            if let flash, t == flash || t == flash + 1 { pixels = pixels.map { UInt8(min(255, Double($0) * 1.8)) } }
            try map.append(GrayImage(width: width, height: height, pixels: pixels), time: Double(t) / 25)
        }
        return map
    }

    @Test func aFlashOnATexturedBackdropIsAGlobalStep() throws {
        let map = try Self.flashScene()
        // The flash is not a cut (the flat part matches by gain), yet it lights the checks' cells.
        #expect(map.cuts.isEmpty || !map.cuts.contains(20) || !map.cuts.contains(22), "\(map.cuts)")
        let steps = map.globalSteps()
        #expect(!steps.isEmpty && steps.allSatisfy { (20...22).contains($0) }, "\(steps)")
        let zeroed = map.zeroing(steps: steps)
        for t in steps { #expect((0..<zeroed.cellCount).allSatisfy { zeroed.energies[t * zeroed.cellCount + $0] == 0 }) }
        // Other steps are untouched.
        #expect(zeroed.energies[5 * map.cellCount..<6 * map.cellCount] == map.energies[5 * map.cellCount..<6 * map.cellCount])
    }

    @Test func aPlayerAloneIsNeverAGlobalStep() throws {
        #expect(try Self.flashScene(flash: nil).globalSteps().isEmpty)
    }

    /// 160×48 frames: a 112×44 block of fresh noise every frame (a screen, a crowd: the busiest thing by
    /// far), and an 8×4 bar at x 132 that hops 4 px in about a quarter of the frames (a flautist's fingers).
    static func bigMoverAndFingers(frames: Int = 100, hops: Double = 0.25) throws -> MotionMap {
        var map = MotionMap(cellSize: 4, compensatesGlobalMotion: false)
        var generator = SplitMix(seed: 11)
        let width = 160, height = 48
        var up = false
        for t in 0..<frames {
            var pixels = [UInt8](repeating: 60, count: width * height)
            for y in 2..<46 { for x in 0..<112 { pixels[y * width + x] = UInt8(generator.next() & 0xFF) } }
            if generator.unit() < hops { up.toggle() }
            let fy = up ? 20 : 24
            for y in fy..<(fy + 4) { for x in 132..<140 { pixels[y * width + x] = 200 } }
            try map.append(GrayImage(width: width, height: height, pixels: pixels), time: Double(t) / 25)
        }
        return map
    }

    @Test func aWeakPersistentPlayerBesideABigMoverIsKept() throws {
        let map = try Self.bigMoverAndFingers()
        let finder = Self.finder
        let regions = finder.regions(in: map)
        #expect(regions.contains { $0.x >= 124 && $0.x + $0.width <= 148 }, "\(regions)")
        // Its share of the motion (weighted as the finder weighs cells) is below `minimumShare`: it is
        // kept for persisting, not for its energy.
        let fingers = (0..<map.cellCount).filter { map.rectangle(cell: $0).x >= 124 && map.meanEnergy(cell: $0) > 0 }
        let activity = ThinMoverTests.activity(map)
        let peak = (0..<map.cellCount).map { map.meanEnergy(cell: $0) }.max()!
        let weight = { (c: Int) in max(map.meanEnergy(cell: c) / peak, activity[c]) }
        let all = (0..<map.cellCount).filter { weight($0) > 0 }
        let share = fingers.reduce(Float(0)) { $0 + weight($1) } / all.reduce(Float(0)) { $0 + weight($1) }
        #expect(share < finder.minimumShare, "\(share)")
        #expect(finder.persists(fingers, map: map))
    }

    @Test func aFleetingSpeckBesideABigMoverIsNot() throws {
        // The same bar hopping in 3 % of the frames: too seldom to be a player.
        let map = try Self.bigMoverAndFingers(frames: 200, hops: 0.03)
        let fingers = (0..<map.cellCount).filter { map.rectangle(cell: $0).x >= 124 && map.meanEnergy(cell: $0) > 0 }
        #expect(!fingers.isEmpty && !Self.finder.persists(fingers, map: map))
        #expect(Self.finder.regions(in: map).allSatisfy { $0.x < 124 })
    }

    /// 160×32 frames: a 40×4 bar (a bow) at x 16 that slides 8 px one way or the other in random frames,
    /// so its two ends sweep two patches 32 px apart that move in the same frames; in a few frames the
    /// right end's patch also flashes white (a glint), which the left end does not share. A second bar,
    /// `other`, at x 108 slides in its own random frames (another player).
    static func bowScene(frames: Int = 200, other: Bool = true) throws -> MotionMap {
        var map = MotionMap(cellSize: 4, compensatesGlobalMotion: false)
        var generator = SplitMix(seed: 5)
        let width = 160, height = 32
        var offset = 0, otherOffset = 0
        for t in 0..<frames {
            if generator.unit() < 0.3 { offset = offset == 0 ? 8 : 0 }
            if generator.unit() < 0.3 { otherOffset = otherOffset == 0 ? 8 : 0 }
            var pixels = [UInt8](repeating: 60, count: width * height)
            for y in 12..<16 { for x in (16 + offset)..<(56 + offset) { pixels[y * width + x] = 200 } }
            if t % 40 == 7 { for y in 8..<20 { for x in 56..<68 { pixels[y * width + x] = 255 } } }
            if other { for y in 12..<16 { for x in (108 + otherOffset)..<(128 + otherOffset) { pixels[y * width + x] = 200 } } }
            try map.append(GrayImage(width: width, height: height, pixels: pixels), time: Double(t) / 25)
        }
        return map
    }

    @Test func theTwoEndsOfOneBowMergeThoughAGlintSetsOneApart() throws {
        let map = try Self.bowScene(other: false)
        let finder = Self.finder
        let cells = (0..<map.cellCount).filter { map.meanEnergy(cell: $0) > 0 }
        let left = cells.filter { map.rectangle(cell: $0).x < 36 }, right = cells.filter { map.rectangle(cell: $0).x >= 36 && map.rectangle(cell: $0).x < 100 }
        #expect(!left.isEmpty && !right.isEmpty)
        #expect(finder.gap(left, right, map: map) > finder.mergeGap)
        // Averaged over half a second, the glints decide the right end's curve: the old rule alone would not merge.
        let width = Int((finder.pieceSmoothingSeconds * 25).rounded())
        func smoothed(_ g: [Int]) -> [Float] {
            let c = finder.summedCurve(g, map: map)
            return c.indices.map { i in let lo = max(0, i - width / 2), hi = min(c.count, i - width / 2 + width); return c[lo..<hi].reduce(0, +) / Float(hi - lo) }
        }
        #expect(finder.correlation(smoothed(left), smoothed(right)) < finder.pieceCorrelation)
        let merged = finder.mergingPieces([left, right], map: map)
        #expect(merged.count == 1, "\(merged.map(\.count))")
    }

    @Test func twoBowsThatMoveOnTheirOwnStayApart() throws {
        let map = try Self.bowScene()
        let finder = Self.finder
        let cells = (0..<map.cellCount).filter { map.meanEnergy(cell: $0) > 0 }
        let right = cells.filter { map.rectangle(cell: $0).x >= 36 && map.rectangle(cell: $0).x < 100 }
        let other = cells.filter { map.rectangle(cell: $0).x >= 100 }
        #expect(finder.gap(right, other, map: map) <= finder.pieceGap)
        #expect(finder.mergingPieces([right, other], map: map).count == 2)
    }

    @Test func aPieceInsideAPlayersBoxJoinsItAndANeighbourDoesNot() throws {
        var map = MotionMap(cellSize: 4)
        for t in 0..<2 { try map.append(GrayImage(width: 64, height: 64, pixels: [UInt8](repeating: 60, count: 64 * 64)), time: Double(t)) }
        let cell = { (r: Int, c: Int) in r * map.columns + c }
        // A body seen as two edges (its box spans rows 0…9, columns 0…9), a bow piece inside that box,
        // and another player's piece one cell beyond it.
        let body = [cell(0, 0), cell(0, 1), cell(9, 8), cell(9, 9)], bow = [cell(5, 4), cell(5, 5)], neighbour = [cell(5, 11), cell(5, 12)]
        let finder = Self.finder
        let merged = finder.mergingNearby([body, bow, neighbour], map: map, within: 0)
        #expect(merged.count == 2)
        #expect(merged.contains { Set($0) == Set(body + bow) }, "\(merged)")
        // With the usual gap (2 cells) the neighbour would join too: the final pass is stricter on purpose.
        #expect(finder.mergingNearby([body, bow, neighbour], map: map).count == 1)
    }
}
