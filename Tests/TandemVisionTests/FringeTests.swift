import Testing
import TandemCore
@testable import TandemVision

/// A line does not join a group through the group's fringe: a dancer's fringe reaches out on every side, and a player's
/// bow line beside it must stay a player.
@Suite struct FringeTests {
    /// Held-out trio #140 plain, its shape on a 64 × 36 map: a dancer's body (rows 10…29, columns 42…60), its fringe (the
    /// cells around it that each move a little, rows 9…31, columns 38…62), and a player's bow line on row 20 in two pieces,
    /// 1 cell from the fringe and 5 from the body.
    static func dancer(map: MotionMap) -> (body: [Int], fringe: [Int], line1: [Int], line2: [Int]) {
        let body = NearbyPiecesTests.block(10...29, 42...60, map: map)
        let fringe = NearbyPiecesTests.block(9...31, 38...62, map: map).filter { !Set(body).contains($0) }
        return (body, fringe, NearbyPiecesTests.block(20...20, 12...23, map: map), NearbyPiecesTests.block(20...20, 25...36, map: map))
    }

    @Test func aLineBesideADancersFringeStaysApart() throws {
        let map = try NearbyPiecesTests.map()
        let (body, fringe, line1, line2) = Self.dancer(map: map)
        let finder = MotionRegionFinder()
        #expect(finder.fringes([fringe, line1, line2], of: [body], map: map) == [0])
        let groups = finder.mergingNearby([body, fringe, line1, line2], map: map, fringes: [1], strokes: [2, 3], bodies: [0])
        #expect(groups.count == 2)
        #expect(groups.contains { Set($0) == Set(body + fringe) })
        #expect(groups.contains { Set($0) == Set(line1 + line2) })
        #expect(finder.keptOffFringes([body, fringe, line1, line2], fringes: [1], strokes: [2, 3], bodies: [0], map: map).lines == [false, false, true, true])
        // Without fringes (or with the rule off), the line chains through the fringe into the dancer, as before.
        #expect(finder.mergingNearby([body, fringe, line1, line2], map: map).count == 1)
        var off = finder
        off.keepsLinesOffFringes = false
        #expect(off.fringes([fringe, line1, line2], of: [body], map: map).isEmpty)
    }

    @Test func aLineOverTheFringeAndABlobBesideItStillJoin() throws {
        // A stroke lying over the fringe (a conductor's baton inside the outline) and a blob beside it (a second dancer, a
        // neighbour in an audience) are the mover's.
        let map = try NearbyPiecesTests.map()
        let (body, fringe, _, _) = Self.dancer(map: map)
        let stroke = NearbyPiecesTests.block(30...30, 30...40, map: map), blob = NearbyPiecesTests.block(12...20, 30...36, map: map)
        let groups = MotionRegionFinder().mergingNearby([body, fringe, stroke, blob], map: map, fringes: [1], strokes: [2, 3], bodies: [0])
        #expect(groups.count == 1)
    }

    @Test func aLineNearABodyJoinsIt() throws {
        // A bow's line 1 cell under its player's body joins it, fringe or not.
        let map = try NearbyPiecesTests.map()
        let body = NearbyPiecesTests.block(10...20, 10...20, map: map), line = NearbyPiecesTests.block(22...22, 8...24, map: map)
        let fringe = NearbyPiecesTests.block(9...21, 9...21, map: map).filter { !Set(body).contains($0) }
        let finder = MotionRegionFinder()
        #expect(finder.fringes([fringe, line], of: [body], map: map) == [0])
        #expect(finder.mergingNearby([body, fringe, line], map: map, fringes: [1], strokes: [2], bodies: [0]).count == 1)
    }

    @Test func aLinePieceWithItsPlayerNearbyIsLeftAsBefore() throws {
        // A piece of a line whose other piece lies 3 cells off (beyond `mergeGap`, within `pieceGap`) is not all its player
        // shows: it chains through the fringe as before, and the other piece stays the player's.
        let map = try NearbyPiecesTests.map()
        let (body, fringe, _, _) = Self.dancer(map: map)
        let own = NearbyPiecesTests.block(20...20, 12...21, map: map), piece = NearbyPiecesTests.block(20...20, 25...36, map: map)
        let groups = MotionRegionFinder().mergingNearby([body, fringe, own, piece], map: map, fringes: [1], strokes: [2, 3], bodies: [0])
        #expect(groups.count == 2)
        #expect(groups.contains { Set($0) == Set(body + fringe + piece) })
        #expect(groups.contains { Set($0) == Set(own) })
    }
}
