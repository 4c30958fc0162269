import Foundation
import Testing
import TandemCore
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

    /// Player 0's second piece (region 2) follows player 0's sound (placed on region 0) better than player 1's: joined.
    /// Player 1's second piece (region 3) follows player 0's sound a little better (0.05) than its own: it stands alone.
    /// Player 1's third piece (region 4) follows player 0's sound clearly better (0.2): joined, its player's kept piece may
    /// be the swapped one.
    @Test func aPieceLeaningALittleToTheOtherPlayerStandsAlone() {
        let score: [[Float]] = [[0.6, 0.1, 0.5, 0.30, 0.3], [0.1, 0.7, 0.2, 0.25, 0.1]]
        #expect(MotionInformedNMF.joiningPieces(players: [0, 1, 0, 1, 1], own: [0, 1], score: score, margin: 0.1) == [0, 1, 0, -4, 1])
        let curves: [[Float]] = [[1, 0], [0, 1], [2, 0], [5, 5], [0, 2]]
        #expect(MotionInformedNMF.joinedPieces(curves, players: [0, 1, 0, -4, 1]) == [[3, 0], [0, 3], [3, 0], [5, 5], [0, 3]])
    }

    /// A sound placed on a piece that is not its player's busiest: that piece anchors its player and the busiest is judged.
    /// A player who holds none of the sounds, and missing labels, leave the labels as they are.
    @Test func thePieceHoldingTheSoundAnchorsItsPlayer() {
        let score: [[Float]] = [[0.35, 0.6, 0.5], [0.4, 0.1, 0.6]]
        #expect(MotionInformedNMF.joiningPieces(players: [0, 0, 2], own: [1, 2], score: score, margin: 0.1) == [-1, 0, 2])
        #expect(MotionInformedNMF.joiningPieces(players: [0, 0, 2], own: [1, 2], score: score, margin: 0.04) == [0, 0, 2])
        #expect(MotionInformedNMF.joiningPieces(players: [0, 1, 3, 3], own: [0, 1], score: [[1, 0, 0, 0], [0, 1, 1, 1]], margin: 0.1)
                == [0, 1, 3, 3])
        #expect(MotionInformedNMF.joiningPieces(players: [], own: [0, 1], score: [[1, 0], [0, 1]], margin: 0.1) == [])
    }

    /// A region's motion: `weighted` components' activations (index, weight) plus a little slow, irregular sway.
    static func following(_ weighted: [(Int, Float)], _ factors: NMF.Factors, seed: UInt64) -> [Float] {
        var generator = SplitMix64(seed: seed)
        var walk: Float = 0.5
        return (0..<factors.frames).map { t in
            walk = min(1, max(0, walk + (Float(generator.next() % 1000) / 1000 - 0.5) * 0.2))
            return 0.1 * walk + weighted.reduce(Float(0)) { $0 + $1.1 * factors.activation($1.0)[t] }
        }
    }

    /// Player 0 (components 0–3) is a bow found as its two ends, each showing half its strokes (regions 0 and 2); the
    /// end at region 0 also catches a little of player 1's glow, and player 1's region (1) glows with player 0's notes
    /// more than with its own. Two sources: one end goes (region 2), and the pair is placed. Read alone, the kept end
    /// shows half of player 0's strokes and some of player 1's, and each player is given the other's sound; read with its
    /// player's other end, it shows every stroke of player 0.
    @Test func aBowKeptByOneEndIsPlacedByAllItsStrokes() {
        let factors = noteFactors(components: 8, seed: 12) { c in 12 + 24 * (c / 4) + 3 * (c % 4) }
        let own: [(Int, Float)] = (4..<8).map { ($0, 1) }
        let motion = [Self.following([(0, 1), (1, 1)] + (4..<8).map { ($0, 0.5) }, factors, seed: 1),
                      Self.following(own + (0..<4).map { ($0, 1.5) }, factors, seed: 2),
                      Self.following([(2, 1), (3, 1)], factors, seed: 3)]
        let joined = MotionInformedNMF().attribute(factors, motion: motion, frameSeconds: 0.032, sources: 2, players: [0, 1, 0])
        #expect(joined.sounding == [true, true, false], "\(joined.sounding)")
        #expect(joined.groups[0] == [0, 1, 2, 3] && joined.groups[1] == [4, 5, 6, 7], "\(joined.groups)")
        var alone = MotionInformedNMF()
        alone.configuration.joinsPieces = false
        let apart = alone.attribute(factors, motion: motion, frameSeconds: 0.032, sources: 2, players: [0, 1, 0])
        #expect(apart.groups[0] == [4, 5, 6, 7] && apart.groups[1] == [0, 1, 2, 3], "\(apart.groups)")
    }
}
