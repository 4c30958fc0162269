import Testing
import TandemCore
@testable import TandemVision

/// Where grain lifts every cell over its faint bar now and then, each on its own, the faint floor rises over a faint
/// player's cells; read again as neighbourhood means, the grain averages out and the player, whose cells move together, is found.
@Suite struct FaintGrainTests {
    /// `FaintScene`'s picture (the jumper at x 112, a player found without the faint search) where every cell blinks 3 grey
    /// levels up for a frame in `grain` of the frames, each on its own, and the 3 × 3 cells at rows 4…6, columns 8…10 blink
    /// 4 levels up together in 8 % of the frames (a faint player: under `movingLevel`, over its faint bars).
    static func scene(grain: Double) throws -> MotionMap {
        var generator = SplitMix(seed: 37)
        var playerBlinks = false
        return try FaintScene.map { t, row, column in
            if row == 0 && column == 0 { playerBlinks = generator.unit() < 0.08 }
            if playerBlinks && (4...6).contains(row) && (8...10).contains(column) { return 44 }
            return generator.unit() < grain ? 43 : nil
        }
    }

    @Test func aFaintPlayerUnderGrainIsFoundOnTheNeighbourhoods() throws {
        let map = try Self.scene(grain: 0.06)
        let finder = MotionRegionFinder()
        let own = finder.faintBars(map)
        // The grain sets the floor over the player's own cells (each over its bar in about a quarter of the steps).
        #expect(finder.faintFloor(own.activity) > 0.3)
        let reading = try #require(finder.neighbourhoodReading(map, besides: finder.faintReading(map)))
        #expect(2 * finder.faintFloor(reading.activity) <= finder.faintFloor(own.activity))
        let regions = finder.regions(in: map)
        #expect(regions.contains { $0.x <= 36 && $0.x + $0.width >= 40 && $0.y <= 20 && $0.y + $0.height >= 24 && $0.x + $0.width <= 48 },
                "\(regions)")
        // Read cell by cell, the player is under the grain's floor: only the jumper is found.
        var cellByCell = MotionRegionFinder()
        cellByCell.faintNeighbourhood = 0
        #expect(cellByCell.regions(in: map).allSatisfy { $0.x >= 100 }, "\(cellByCell.regions(in: map))")
    }

    @Test func whatTheMeansFindUnderAFoundPlayerIsItsPiece() throws {
        // The faint player's blinks, under grain, at rows 9…10, columns 26…30: under the jumper (rows 2…5, columns 28…29),
        // apart from it by more than `mergeGap`.
        var generator = SplitMix(seed: 41)
        var blinks = false
        let map = try FaintScene.map { t, row, column in
            if row == 0 && column == 0 { blinks = generator.unit() < 0.08 }
            if blinks && (9...10).contains(row) && (26...30).contains(column) { return 44 }
            return generator.unit() < 0.06 ? 43 : nil
        }
        let finder = MotionRegionFinder()
        let jumper = (2...5).flatMap { r in (28...29).map { r * map.columns + $0 } }
        let reading = try #require(finder.neighbourhoodReading(map, besides: finder.faintReading(map)))
        // The means find it ...
        let underneath = finder.faintMovers(besides: [jumper], active: jumper, map: map, reading: reading)
        #expect(underneath.contains { g in g.contains { $0 / map.columns >= 9 && ($0 % map.columns) >= 27 } }, "\(underneath)")
        // ... but in the jumper's columns it is the jumper's piece, not a new player.
        let added = finder.faintMovers(besides: [jumper], active: jumper, map: map)
        #expect(!added.contains { g in g.contains { $0 / map.columns >= 9 && ($0 % map.columns) >= 27 } }, "\(added)")
    }

    @Test func aCleanPictureIsReadCellByCellOnly() throws {
        let map = try Self.scene(grain: 0.002)
        let finder = MotionRegionFinder()
        #expect(finder.neighbourhoodReading(map, besides: finder.faintReading(map)) == nil)
        #expect(finder.regions(in: map).contains { $0.x == 32 && $0.y == 16 && $0.width == 12 && $0.height == 12 })
    }

    @Test func neighbourhoodMeansAverageTheCellsWithinReach() throws {
        // One cell lit in one frame: a 4 × 4 block at row 5, column 9 brightened by 51 levels in frame 1 only.
        let map = try FaintScene.map { t, row, column in t == 1 && row == 5 && column == 9 ? 91 : nil }
        let means = MotionRegionFinder().neighbourhoodMeans(map, reach: 1)
        let cells = map.cellCount, columns = map.columns
        let lit = map.energies[cells + 5 * columns + 9]
        #expect(lit > 0.1)
        for r in 4...6 {
            for c in 8...10 { #expect(abs(means[cells + r * columns + c] - lit / 9) < 1e-6) }
        }
        #expect(means[cells + 5 * columns + 11] == 0)
        // At the picture's corner the neighbourhood holds four cells, beside it on the edge six.
        let corner = try FaintScene.map { t, row, column in t == 1 && row == 0 && column == 0 ? 91 : nil }
        let cornerMeans = MotionRegionFinder().neighbourhoodMeans(corner, reach: 1)
        let cornerLit = corner.energies[corner.cellCount]
        #expect(abs(cornerMeans[corner.cellCount] - cornerLit / 4) < 1e-6)
        #expect(abs(cornerMeans[corner.cellCount + 1] - cornerLit / 6) < 1e-6)
    }
}
