import Testing
import TandemCore
@testable import TandemVision

/// A player whose faint motion comes back in fewer steps than `minimumActivity` is found by the faint search when some
/// cell of it also moves plainly now and then; a patch that only flickers faintly as often is not a player.
@Suite struct FaintPersistenceTests {
    /// `FaintScene`'s picture (the jumper at x 112, a player found without the faint search) where every
    /// cell off rows 4…6 blinks 3 grey levels up for a frame in 1 % of the frames (grain). Every 17th frame (15 blinks, 30 of 249
    /// steps: 12 %) the 3 × 3 cells at rows 4…6, columns 8…10 brighten by `playerLevels` (the player), and 8 frames later
    /// the 3 × 3 cells at rows 4…6, columns 20…22 by 3 levels (a faint patch: under `movingLevel`, over its faint bar).
    static func scene(playerLevels: UInt8 = 8) throws -> MotionMap {
        var generator = SplitMix(seed: 31)
        return try FaintScene.map { t, row, column in
            if t % 17 == 0 && (4...6).contains(row) && (8...10).contains(column) { return 40 + playerLevels }
            if t % 17 == 8 && (4...6).contains(row) && (20...22).contains(column) { return 43 }
            if !(4...6).contains(row) && generator.unit() < 0.01 { return 43 }
            return nil
        }
    }

    @Test func aPlayerMovingInOneStepInEightIsFound() throws {
        let map = try Self.scene()
        let regions = MotionRegionFinder().regions(in: map)
        #expect(regions.contains { $0.x == 32 && $0.y == 16 && $0.width == 12 && $0.height == 12 }, "\(regions)")
        // The faint patch persists as often but never moves plainly: no region there.
        #expect(!regions.contains { $0.x <= 88 && $0.x + $0.width >= 80 && $0.y < 28 }, "\(regions)")
        // At the bar every other search keeps (`minimumActivity`), the player is missed: only the jumper is found.
        var strict = MotionRegionFinder()
        strict.faintPersistence = strict.minimumActivity
        #expect(strict.regions(in: map).allSatisfy { $0.x >= 100 }, "\(strict.regions(in: map))")
    }

    @Test func aPlayerThatNeverMovesPlainlyNeedsTheFullBar() throws {
        // The same player brightening by 3 levels only: as faint as the patch, missed like it.
        let map = try Self.scene(playerLevels: 3)
        #expect(MotionRegionFinder().regions(in: map).allSatisfy { $0.x >= 100 }, "\(MotionRegionFinder().regions(in: map))")
    }
}
