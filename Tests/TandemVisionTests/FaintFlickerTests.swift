import Testing
import TandemCore
@testable import TandemVision

/// An encoder's refresh lifts a large share of the cells over their faint bars at once; where those steps set the faint
/// floor over a player's own faint motion they are left out of the counts, and grain that is the picture's own is not.
@Suite struct FaintFlickerTests {
    /// `FaintScene`'s picture (the jumper at x 112, a player found without the faint search) where every
    /// cell blinks 3 grey levels up for a frame in `grain` of the frames; every tenth frame (when `flicker`) 40 % of the cells
    /// blink together (the refresh); the 3 × 3 cells at rows 4…6, columns 8…10 blink 4 levels up in 8 % of the frames (a
    /// faint player: each of its cells over its bar in about 16 % of the steps).
    static func scene(flicker: Bool, grain: Double = 0.01) throws -> MotionMap {
        var generator = SplitMix(seed: 29)
        return try FaintScene.map { t, row, column in
            let player = (4...6).contains(row) && (8...10).contains(column)
            if player && generator.unit() < 0.08 { return 44 }
            if generator.unit() < grain || (flicker && t % 10 == 0 && generator.unit() < 0.4) { return 43 }
            return nil
        }
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
        let quiet = try #require(finder.quietSteps(bars: bars, activity: activity, map: flickering, energies: flickering.energies))
        // The refresh frames and the steps after them (the blink going off): 49 of 250 (the first frame scores 0).
        #expect(quiet.steps.count == 201)
        #expect(quiet.steps.allSatisfy { $0 == 0 || ($0 % 10 != 0 && $0 % 10 != 1) })
        // Grain in a fifth of the frames, no refresh: every step counts.
        let grainy = try Self.scene(flicker: false, grain: 0.2)
        let (grainBars, grainActivity) = finder.faintBars(grainy)
        #expect(finder.quietSteps(bars: grainBars, activity: grainActivity, map: grainy, energies: grainy.energies) == nil)
    }
}
