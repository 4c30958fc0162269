import Foundation
import Testing
import TandemCore
@testable import TandemVision

/// Global changes of real footage — light, camera, cuts — must not look like players.
@Suite struct MotionMapTests {
    /// A textured 96×64 scene seen through a camera at (`dx`, `dy`) with a light gain, and a square
    /// "player" at `player` (scene coordinates), if any.
    static func scene(dx: Int = 0, dy: Int = 0, gain: Double = 1, offset: Double = 0, player: (x: Int, y: Int)? = nil, checks: Bool = false) -> GrayImage {
        let width = 96, height = 64
        var pixels = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let sx = x + dx + 20, sy = y + dy + 20
                // Texture with structure along both axes (the camera is found from row and column profiles).
                var v = 110 + 40 * sin(Double(sx) / 3.1) * cos(Double(sy) / 4.3) + 30 * sin(Double(sy) / 7) + 30 * cos(Double(sx) / 9)
                    + Double((sx * 7 + sy * 13) % 17)
                if checks { v = (sx / 12 + sy / 12) % 2 == 0 ? 40 : 210 }
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
}
