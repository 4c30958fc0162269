import Foundation
import Testing
import TandemCore
@testable import TandemVision

/// A bow that slides along itself changes only at its ends: no single cell moves often, but the line
/// they sweep does. Such a player must be found beside a busy mover, and scattered flicker must not be.
@Suite struct ThinMoverTests {
    /// 96×32 frames: a 24×3 bar at y = 12 that slides 32 px right, rests, slides back and rests (16
    /// frames each), and an 8×8 square at x = 80 that jumps up and down every frame (the busiest cell).
    static func bowAndJumper(frames: Int = 128) throws -> MotionMap {
        var map = MotionMap(cellSize: 4)
        let width = 96, height = 32
        for t in 0..<frames {
            let phase = t % 64
            let offset = phase < 16 ? 2 * phase : phase < 32 ? 32 : phase < 48 ? 32 - 2 * (phase - 32) : 0
            var pixels = [UInt8](repeating: 60, count: width * height)
            for y in 12..<15 { for x in (8 + offset)..<(32 + offset) { pixels[y * width + x] = 220 } }
            let jumperY = t % 2 == 0 ? 4 : 20
            for y in jumperY..<(jumperY + 8) { for x in 80..<88 { pixels[y * width + x] = 220 } }
            try map.append(GrayImage(width: width, height: height, pixels: pixels), time: Double(t) / 25)
        }
        return map
    }

    @Test func aBarSlidingAlongItselfIsFoundBesideABusyMover() throws {
        let map = try Self.bowAndJumper()
        let regions = MotionRegionFinder().regions(in: map)
        let bar = regions.first { $0.x + $0.width <= 72 }
        let found = try #require(bar, "\(regions)")
        // The line the ends sweep: x 8…64, rows 12…14.
        #expect(found.x <= 12 && found.x + found.width >= 60, "\(found)")
        #expect(found.y <= 12 && found.y + found.height >= 15 && found.height <= 12, "\(found)")
        #expect(regions.contains { $0.x >= 72 }, "\(regions)")
        // Without the thin-mover search only the jumper is found.
        var plain = MotionRegionFinder()
        plain.thinMoverActivity = 0
        #expect(plain.regions(in: map).allSatisfy { $0.x >= 72 })
    }

    @Test func scatteredFlickerIsNotAThinMover() throws {
        // Every 4×4 cell blinks on its own for one frame in about 6 % of frames (noise, compression):
        // each cell moves about as often as a bow's end passes, but so does every other cell.
        var map = MotionMap(cellSize: 4)
        var generator = SplitMix(seed: 7)
        for t in 0..<120 {
            var pixels = [UInt8](repeating: 60, count: 64 * 32)
            for cell in 0..<(16 * 8) where generator.unit() < 0.06 {
                let cx = (cell % 16) * 4, cy = (cell / 16) * 4
                for y in cy..<(cy + 4) { for x in cx..<(cx + 4) { pixels[y * 64 + x] = 120 } }
            }
            try map.append(GrayImage(width: 64, height: 32, pixels: pixels), time: Double(t) / 25)
        }
        #expect(MotionRegionFinder().thinMovers(excluding: [], activity: Self.activity(map), map: map).isEmpty)
    }

    static func activity(_ map: MotionMap) -> [Float] {
        (0..<map.cellCount).map { c in
            Float((0..<map.frameCount).filter { map.energies[$0 * map.cellCount + c] > 0.02 }.count) / Float(map.frameCount)
        }
    }
}

/// A small deterministic generator for test noise.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
