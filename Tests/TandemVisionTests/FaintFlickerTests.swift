import Testing
import TandemCore
@testable import TandemVision

/// An encoder's refresh lifts a large share of the cells over their faint bars at once; where those steps set the faint
/// floor over a player's own faint motion they are left out of the counts, and grain that is the picture's own is not.
@Suite struct FaintFlickerTests {
    /// 250 frames at 25 fps of a 128×48 picture (32 × 12 cells of 4 pixels), frame differences without compensation. Every
    /// cell blinks 3 grey levels up for a frame in `grain` of the frames; every tenth frame (when `flicker`) 40 % of the cells
    /// blink together (the refresh); the 3 × 3 cells at rows 4…6, columns 8…10 blink 4 levels up in 8 % of the frames (a
    /// faint player: each of its cells over its bar in about 16 % of the steps); an 8×8 square at x 112 jumps between
    /// y = 8 and 16 every frame (a player found without the faint search).
    static func scene(flicker: Bool, grain: Double = 0.01) throws -> MotionMap {
        var map = MotionMap(cellSize: 4, compensatesGlobalMotion: false)
        var generator = SplitMix(seed: 29)
        let width = 128, height = 48
        for t in 0..<250 {
            var pixels = [UInt8](repeating: 40, count: width * height)
            for row in 0..<12 {
                for column in 0..<32 {
                    let player = (4...6).contains(row) && (8...10).contains(column)
                    let level: UInt8
                    if player && generator.unit() < 0.08 { level = 44 }
                    else if generator.unit() < grain || (flicker && t % 10 == 0 && generator.unit() < 0.4) { level = 43 }
                    else { continue }
                    for y in (4 * row)..<(4 * row + 4) { for x in (4 * column)..<(4 * column + 4) { pixels[y * width + x] = level } }
                }
            }
            let top = t % 2 == 0 ? 8 : 16
            for y in top..<(top + 8) { for x in 112..<120 { pixels[y * width + x] = 220 } }
            try map.append(GrayImage(width: width, height: height, pixels: pixels), time: Double(t) / 25)
        }
        return map
    }

    @Test func aFaintPlayerUnderARefreshsFlickerIsFound() throws {
        let map = try Self.scene(flicker: true)
        let regions = MotionRegionFinder().regions(in: map)
        #expect(regions.contains { $0.x == 32 && $0.y == 16 && $0.width == 12 && $0.height == 12 }, "\(regions)")
        // Counted over every step, the flicker sets the floor over the player's cells: only the jumper is found.
        var everyStep = MotionRegionFinder()
        everyStep.faintFlickerRatio = 0
        #expect(everyStep.regions(in: map).allSatisfy { $0.x >= 100 }, "\(everyStep.regions(in: map))")
    }

    @Test func theRefreshStepsAreLeftOutAndGrainIsNot() throws {
        let finder = MotionRegionFinder()
        let flickering = try Self.scene(flicker: true)
        let (bars, activity) = finder.faintBars(flickering)
        let quiet = try #require(finder.quietSteps(bars: bars, activity: activity, map: flickering))
        // The refresh frames and the steps after them (the blink going off): 49 of 250 (the first frame scores 0).
        #expect(quiet.steps.count == 201)
        #expect(quiet.steps.allSatisfy { $0 == 0 || ($0 % 10 != 0 && $0 % 10 != 1) })
        // Grain in a fifth of the frames, no refresh: every step counts.
        let grainy = try Self.scene(flicker: false, grain: 0.2)
        let (grainBars, grainActivity) = finder.faintBars(grainy)
        #expect(finder.quietSteps(bars: grainBars, activity: grainActivity, map: grainy) == nil)
    }
}
