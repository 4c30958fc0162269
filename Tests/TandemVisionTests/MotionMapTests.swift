import Foundation
import Testing
import TandemCore
@testable import TandemVision

/// Global changes of real footage — light, camera, cuts — must not look like players.
@Suite struct MotionMapTests {
    /// A textured 96×64 scene seen through a camera at (`dx`, `dy`) with a light gain, and a square
    /// "player" at `player` (scene coordinates), if any.
    static func scene(dx: Int = 0, dy: Int = 0, gain: Double = 1, offset: Double = 0, player: (x: Int, y: Int)? = nil, checks: Bool = false,
                      flat: Bool = false) -> GrayImage {
        let width = 96, height = 64
        var pixels = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let sx = x + dx + 20, sy = y + dy + 20
                // Texture with structure along both axes (the camera is found from row and column profiles).
                var v = 110 + 40 * sin(Double(sx) / 3.1) * cos(Double(sy) / 4.3) + 30 * sin(Double(sy) / 7) + 30 * cos(Double(sx) / 9)
                    + Double((sx * 7 + sy * 13) % 17)
                if checks { v = (sx / 12 + sy / 12) % 2 == 0 ? 40 : 210 }
                if flat { v = 60 }
                if let p = player, sx - 20 >= p.x, sx - 20 < p.x + 10, sy - 20 >= p.y, sy - 20 < p.y + 10 { v = 240 }
                pixels[y * width + x] = UInt8(max(0, min(255, v * gain + offset)))
            }
        }
        return GrayImage(width: width, height: height, pixels: pixels)
    }

    static func peak(_ map: MotionMap, frame: Int) -> Float {
        map.energies[(frame * map.cellCount)..<((frame + 1) * map.cellCount)].max() ?? 0
    }

    @Test func lightChangesAreNotMotion() throws {
        var map = MotionMap(cellSize: 8)
        var plain = MotionMap(cellSize: 8, compensatesGlobalMotion: false)
        for (t, (gain, offset)) in [(1.0, 0.0), (1.25, 5.0), (0.8, -10.0), (0.6, 0.0)].enumerated() {
            let image = Self.scene(gain: gain, offset: offset)
            try map.append(image, time: Double(t))
            try plain.append(image, time: Double(t))
        }
        for t in 1..<4 {
            #expect(Self.peak(map, frame: t) < 0.01, "frame \(t): \(Self.peak(map, frame: t))")
            #expect(Self.peak(plain, frame: t) > 0.05)
        }
    }

    @Test func cameraPanAndShakeAreNotMotionButAPlayerIs() throws {
        var map = MotionMap(cellSize: 8)
        let path = [(0, 0), (2, 0), (4, 1), (3, -1), (6, 0), (8, 2), (7, 1), (10, 0)]
        for (t, (dx, dy)) in path.enumerated() {
            // The player (a square in the scene) hops up and down; the camera moves over everything.
            try map.append(Self.scene(dx: dx, dy: dy, player: (30, t % 2 == 0 ? 20 : 30)), time: Double(t))
        }
        #expect(map.shifts[1].x == -2 && map.shifts[2].y == -1)
        let regions = MotionRegionFinder().regions(in: map)
        try #require(regions.count == 1, "\(regions)")
        // The player's box (scene x 30…40, y 20…40 seen from a camera around x +5) and nothing else.
        #expect(regions[0].x >= 8 && regions[0].x + regions[0].width <= 48 && regions[0].width < 48, "\(regions[0])")
    }

    @Test func aCutIsNotMotion() throws {
        var map = MotionMap(cellSize: 8)
        for t in 0..<6 { try map.append(Self.scene(checks: t >= 3), time: Double(t)) }
        #expect(map.cuts == [3])
        #expect(Self.peak(map, frame: 3) == 0)
        #expect(MotionRegionFinder().regions(in: map).isEmpty)
    }

    /// `image` with sensor grain: each `grain`-pixel square moved by up to ±`amplitude` levels (a sum of three uniform
    /// draws, near Gaussian), new in every frame.
    static func grainy(_ image: GrayImage, amplitude: Float, grain: Int = 4, random: inout SplitMix64) -> GrayImage {
        let columns = (image.width + grain - 1) / grain, rows = (image.height + grain - 1) / grain
        let draws = (0..<(rows * columns)).map { _ in (random.nextUnitFloat() + random.nextUnitFloat() + random.nextUnitFloat() - 1.5) / 1.5 }
        var pixels = image.pixels
        for y in 0..<image.height {
            for x in 0..<image.width {
                let v = Float(pixels[y * image.width + x]) + amplitude * draws[(y / grain) * columns + x / grain]
                pixels[y * image.width + x] = UInt8(max(0, min(255, v.rounded())))
            }
        }
        return GrayImage(width: image.width, height: image.height, pixels: pixels)
    }

    /// The share of (step, cell) pairs above `level` among the cells `where` picks, steps 1 and on.
    static func share(_ map: MotionMap, above level: Float, where pick: (Int) -> Bool) -> Double {
        var above = 0, total = 0
        for t in 1..<map.frameCount {
            for c in 0..<map.cellCount where pick(c) {
                total += 1
                if map.energies[t * map.cellCount + c] > level { above += 1 }
            }
        }
        return Double(above) / Double(max(1, total))
    }

    @Test func grainThatLastsIsNoiseAndThePlayerStays() throws {
        var floored = MotionMap(cellSize: 4), medianOnly = MotionMap(cellSize: 4)
        medianOnly.noiseFloorFactor = 0
        var random = SplitMix64(seed: 7)
        for t in 0..<40 {
            // A plain dark wall (where grain shows most), still but for the player's square (scene 30…40 × 20…30,
            // moving 10 rows every frame) and the grain.
            let image = Self.grainy(Self.scene(player: (30, t % 2 == 0 ? 20 : 30), flat: true), amplitude: 10, random: &random)
            try floored.append(image, time: Double(t) / 25)
            try medianOnly.append(image, time: Double(t) / 25)
        }
        // Cells of the player's columns (x 30…40 at cell size 4, with the 3×3 reach: columns 6–11) and the others.
        let still = { (c: Int) in !(6...11).contains(c % floored.columns) }
        let before = Self.share(medianOnly, above: 0.008, where: still), after = Self.share(floored, above: 0.008, where: still)
        #expect(before > 0.1, "the grain lifts still cells: \(before)")
        #expect(after < before / 3, "still cells above 0.008: \(before) → \(after)")
        // The player's own energy (about 0.7 in its cells) loses only the floor.
        let peakBefore = (1..<40).map { Self.peak(medianOnly, frame: $0) }.reduce(0, +)
        let peakAfter = (1..<40).map { Self.peak(floored, frame: $0) }.reduce(0, +)
        #expect(peakAfter > 0.95 * peakBefore, "\(peakBefore) → \(peakAfter)")
    }

    @Test func aCleanPictureKeepsItsMotion() throws {
        // No grain: one frame of a light change and a camera step, then a player; the medians stay at 0 but for
        // single frames, so the floor is the frame's own median and nothing changes.
        var floored = MotionMap(cellSize: 8), medianOnly = MotionMap(cellSize: 8)
        medianOnly.noiseFloorFactor = 0
        for t in 0..<30 {
            let image = Self.scene(dx: t >= 12 ? 3 : 0, gain: t == 7 ? 1.2 : 1, player: (30, t % 3 == 0 ? 20 : 28))
            try floored.append(image, time: Double(t) / 25)
            try medianOnly.append(image, time: Double(t) / 25)
        }
        #expect(floored.energies == medianOnly.energies)
    }
}
