import Testing
import TandemCore
@testable import TandemVision

/// A bow's line on camera footage passes the faint floor one or two cells at a time, the cells between just under
/// it: joined along its row it is a player; the same cells scattered, or beside a player already found, are not.
@Suite struct FaintLineTests {
    /// 300 frames at 25 fps of a 128×`height` picture (32 columns of 4-pixel cells). Every cell blinks 3 grey levels up for a
    /// frame in 1 % of the frames (sensor and encoder noise); the cells in `line` (row, column) blink 4 levels up in 8 %
    /// (a faint bow: each moves in about 15 % of the steps, under `movingLevel`); an 8×8 square at `jumperX` jumps
    /// between y = `jumperY` and 8 pixels lower every frame (a player found without the faint search).
    static func scene(line: [(row: Int, column: Int)], jumperX: Int = 112, jumperY: Int = 8, height: Int = 48) throws -> MotionMap {
        var map = MotionMap(cellSize: 4)
        var generator = SplitMix(seed: 23)
        let width = 128
        for t in 0..<300 {
            var pixels = [UInt8](repeating: 40, count: width * height)
            for row in 0..<(height / 4) {
                for column in 0..<32 {
                    let onLine = line.contains { $0.row == row && $0.column == column }
                    guard generator.unit() < (onLine ? 0.08 : 0.01) else { continue }
                    for y in (4 * row)..<(4 * row + 4) { for x in (4 * column)..<(4 * column + 4) { pixels[y * width + x] = onLine ? 44 : 43 } }
                }
            }
            let top = t % 2 == 0 ? jumperY : jumperY + 8
            for y in top..<(top + 8) { for x in jumperX..<(jumperX + 8) { pixels[y * width + x] = 220 } }
            try map.append(GrayImage(width: width, height: height, pixels: pixels), time: Double(t) / 25)
        }
        return map
    }

    /// #49's contrabass as footage: pairs and single cells 1–2 apart on the bow's row, no 8-connected group of three.
    static let brokenRow: [(row: Int, column: Int)] = [(6, 4), (6, 5), (6, 7), (6, 10), (6, 11)]

    @Test func aBowRowBrokenIntoPairsAndSingleCellsIsFound() throws {
        let map = try Self.scene(line: Self.brokenRow)
        let regions = MotionRegionFinder().regions(in: map)
        #expect(regions.filter { $0.x < 100 }.count == 1, "\(regions)")
        // The row's cells: x 16…47, y 24…27.
        #expect(regions.contains { $0.x <= 16 && $0.x + $0.width >= 48 && $0.x + $0.width <= 52 && $0.y <= 24 && $0.y + $0.height >= 28 },
                "\(regions)")
        // Without joining along the row no group reaches `minimumCells`: only the jumper is found.
        var unjoined = MotionRegionFinder()
        unjoined.faintLineGap = 0
        #expect(unjoined.regions(in: map).allSatisfy { $0.x >= 100 }, "\(unjoined.regions(in: map))")
    }

    @Test func faintCellsOnDifferentRowsOrFurtherApartAreNoLine() throws {
        let scattered: [(row: Int, column: Int)] = [(3, 4), (6, 7), (9, 10), (6, 15), (6, 20)]
        let regions = MotionRegionFinder().regions(in: try Self.scene(line: scattered))
        #expect(regions.allSatisfy { $0.x >= 100 }, "\(regions)")
    }

    @Test func aFaintLineBesideAFoundPlayerIsNoNewPlayer() throws {
        // The jumper 6 cells right of the row's end (within `pieceGap`): a piece of that player, not a player.
        let regions = MotionRegionFinder().regions(in: try Self.scene(line: Self.brokenRow, jumperX: 72))
        #expect(regions.allSatisfy { $0.x >= 60 }, "\(regions)")
    }

    @Test func aFaintLineAboveAFoundPlayerIsItsPiece() throws {
        // The jumper 14 rows under the row, further than `pieceGap`, in the row's columns: a bow over its player.
        let map = try Self.scene(line: Self.brokenRow, jumperX: 24, jumperY: 84, height: 112)
        let regions = MotionRegionFinder().regions(in: map)
        #expect(regions.allSatisfy { $0.y >= 80 }, "\(regions)")
        // Moved to columns of its own, the row is a player.
        #expect(MotionRegionFinder().regions(in: try Self.scene(line: Self.brokenRow, jumperX: 96, jumperY: 84, height: 112))
            .contains { $0.y == 24 && $0.x <= 16 }, "row not found")
    }
}
