import Testing
import TandemCore
@testable import TandemVision

/// Beside a mover that holds nearly all of the picture's motion (a scrolling screen), a player's bow line holds under
/// `minimumShare` of it: standing apart from every group found it is a player; next to one it stays a speck.
@Suite struct LonePieceTests {
    /// 100 frames at 25 fps of a 200×64 picture (50 columns, 16 rows of 4-pixel cells). A checkerboard of 8-pixel squares
    /// at x 4…99, y 8…55 (24 × 12 cells) inverts every frame (the mover: every cell moves in every step); a bar 32×4 pixels
    /// on cell row 8 from cell column `barColumn` turns on and off every third frame (a bow line: its 8 cells move in a
    /// third of the steps, together under 1 % of the active energy).
    static func scene(barColumn: Int) throws -> MotionMap {
        var map = MotionMap(cellSize: 4)
        let width = 200, height = 64
        for t in 0..<100 {
            var pixels = [UInt8](repeating: 40, count: width * height)
            for y in 8..<56 {
                for x in 4..<100 where ((x - 4) / 8 + (y - 8) / 8 + t) % 2 == 0 { pixels[y * width + x] = 200 }
            }
            if t % 6 < 3 {
                for y in 32..<36 { for x in (4 * barColumn)..<(4 * barColumn + 32) { pixels[y * width + x] = 120 } }
            }
            try map.append(GrayImage(width: width, height: height, pixels: pixels), time: Double(t) / 25)
        }
        return map
    }

    @Test func aBowLineApartFromAScreenThatHoldsNearlyAllTheMotionIsAPlayer() throws {
        // Columns 38…45, 13 cells right of the screen's last column (24): further than `pieceGap`.
        let map = try Self.scene(barColumn: 38)
        let regions = MotionRegionFinder().regions(in: map)
        #expect(regions.count == 2, "\(regions)")
        #expect(regions.contains { $0.x == 152 && $0.width == 32 && $0.y == 32 && $0.height == 4 }, "\(regions)")
        // The share test alone drops it as a speck.
        var shareOnly = MotionRegionFinder()
        shareOnly.keepsLonePieces = false
        #expect(shareOnly.regions(in: map).allSatisfy { $0.x < 110 }, "\(shareOnly.regions(in: map))")
    }

    @Test func aSpeckNearAFoundGroupStaysDropped() throws {
        // Columns 30…37, 5 cells from the screen: within `pieceGap`, noise or a piece of what moves there.
        let regions = MotionRegionFinder().regions(in: try Self.scene(barColumn: 30))
        #expect(regions.allSatisfy { $0.x < 110 }, "\(regions)")
    }
}
