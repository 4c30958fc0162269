import Testing
@testable import TandemDSP

/// Where two players are left, each piece of a player is read with the player's whole motion
/// (`MotionInformedNMF.joinedPieces`, `Configuration.joinsPieces`).
@Suite struct SeparationJoinedPiecesTests {
    /// A bow's line in two pieces (regions 0 and 2, player 0), each showing the strokes at its own end, and a second
    /// player alone (region 1): each piece takes the sum of both; the player alone keeps its own curve.
    @Test func piecesShareTheirPlayersMotion() {
        let curves: [[Float]] = [[1, 0, 2], [5, 5, 0], [0, 3, 1]]
        #expect(MotionInformedNMF.joinedPieces(curves, players: [0, 1, 0]) == [[1, 3, 3], [5, 5, 0], [1, 3, 3]])
    }

    /// Every region its own player, or no players given: the curves as they are.
    @Test func regionsAloneKeepTheirCurves() {
        let curves: [[Float]] = [[1, 0, 2], [5, 5, 0]]
        #expect(MotionInformedNMF.joinedPieces(curves, players: [0, 1]) == curves)
        #expect(MotionInformedNMF.joinedPieces(curves, players: []) == curves)
    }

    /// Two players of two pieces each: each player's pieces summed apart from the other's.
    @Test func twoPlayersInPiecesStayApart() {
        let curves: [[Float]] = [[1, 0], [0, 1], [2, 0], [0, 2]]
        #expect(MotionInformedNMF.joinedPieces(curves, players: [0, 1, 0, 1]) == [[3, 0], [0, 3], [3, 0], [0, 3]])
    }

    /// On by default; off, the separator reads every piece with its own curve.
    @Test func onByDefault() {
        #expect(MotionInformedNMF.Configuration().joinsPieces)
    }
}
