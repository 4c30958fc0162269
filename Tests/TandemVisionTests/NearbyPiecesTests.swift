import Testing
import TandemCore
@testable import TandemVision

/// Groups join by proximity piece to piece: a merged group's box spans the empty space between its pieces and must not
/// reach over a quiet gap to a player its pieces are nowhere near.
@Suite struct NearbyPiecesTests {
    /// A map of 64 × 36 cells (a 256×144 picture in 4-pixel cells); `mergingNearby` reads only its shape.
    static func map() throws -> MotionMap {
        var map = MotionMap(cellSize: 4)
        for t in 0..<2 { try map.append(GrayImage(width: 256, height: 144, pixels: [UInt8](repeating: 60, count: 256 * 144)), time: Double(t) / 25) }
        return map
    }

    static func block(_ rows: ClosedRange<Int>, _ columns: ClosedRange<Int>, map: MotionMap) -> [Int] {
        rows.flatMap { r in columns.map { r * map.columns + $0 } }
    }

    @Test func aCornerStripJoinedToOnePlayerDoesNotReachTheNext() throws {
        // Held-out duet #101 as footage, its shape: a corner strip 2 cells above the left player joins it; the box of the
        // two spans the top edge, 2 cells from a strip along the top, whose box with them overlaps the right player.
        let map = try Self.map()
        let corner = Self.block(0...6, 0...11, map: map), left = Self.block(9...32, 10...22, map: map)
        let top = Self.block(0...1, 25...34, map: map), right = Self.block(8...32, 33...63, map: map)
        let groups = MotionRegionFinder().mergingNearby([corner, left, top, right], map: map)
        #expect(groups.count == 3)
        #expect(groups.contains { Set($0) == Set(corner + left) })
        #expect(groups.contains { Set($0) == Set(right) })
        #expect(groups.contains { Set($0) == Set(top) })
        // Measured from the joined boxes (the faint search's candidates), the box grows over all four.
        #expect(MotionRegionFinder().mergingNearby([corner, left, top, right], map: map, byPieces: false).count == 1)
    }

    @Test func piecesWithinTheGapChainIntoOneGroup() throws {
        // Pieces each within `mergeGap` of the next (a bow's line broken in three) are one group, in any order.
        let map = try Self.map()
        let a = Self.block(10...11, 0...5, map: map), b = Self.block(10...11, 8...13, map: map), c = Self.block(10...11, 16...21, map: map)
        let far = Self.block(10...11, 30...35, map: map)
        let groups = MotionRegionFinder().mergingNearby([c, far, a, b], map: map)
        #expect(groups.count == 2)
        #expect(groups.contains { Set($0) == Set(a + b + c) })
    }
}
