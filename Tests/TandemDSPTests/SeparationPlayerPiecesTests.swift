import Foundation
import Testing
import TandemCore
@testable import TandemDSP

/// With a count given, once no more players are kept than sources asked for, a piece of a player (the regions taken for
/// pieces of one player) goes before any player's last region.
@Suite struct SeparationPlayerPiecesTests {
    /// Hand-made factors: three instruments of four components each (spectral shapes a few bins apart, each
    /// component a few notes at its own times), and what each instrument played over time.
    static func band() -> (factors: NMF.Factors, played: [[Float]]) {
        let components = 12
        let factors = noteFactors(components: components, seed: 11) { c in 8 + 16 * (c / 4) + 2 * (c % 4) }
        let activations = factors.activations
        let played = (0..<3).map { p in
            (0..<factors.frames).map { t in (4 * p..<4 * p + 4).reduce(Float(0)) { $0 + activations[t * components + $1] } }
        }
        return (factors, played)
    }

    /// `weights` of the three instruments' playing plus `sway` times a slow, irregular motion of the region's own
    /// (a random walk: a regular one would mark the region as a bystander keeping time).
    static func curve(_ played: [[Float]], _ weights: [Float], sway: Float, seed: UInt64) -> [Float] {
        var generator = SplitMix64(seed: seed)
        var walk: Float = 0.5
        return played[0].indices.map { t in
            walk = min(1, max(0, walk + (Float(generator.next() % 1000) / 1000 - 0.5) * 0.2))
            var v = sway * walk
            for p in weights.indices { v += weights[p] * played[p][t] }
            return v
        }
    }

    static func sounding(_ motion: [[Float]], players: [Int] = [], factors: NMF.Factors, sources: Int? = 3) -> [Bool] {
        MotionInformedNMF().attribute(factors, motion: motion, frameSeconds: 0.032, sources: sources, players: players).sounding
    }

    /// The motion of a region that follows `components` (indices into `band()`'s factors) plus a little sway.
    static func following(_ components: [Int], _ factors: NMF.Factors, seed: UInt64) -> [Float] {
        var generator = SplitMix64(seed: seed)
        var walk: Float = 0.5
        return (0..<factors.frames).map { t in
            walk = min(1, max(0, walk + (Float(generator.next() % 1000) / 1000 - 0.5) * 0.2))
            return 0.1 * walk + components.reduce(Float(0)) { $0 + factors.activation($1)[t] }
        }
    }

    /// Player 0 in two boxes — a body that also took in player 1's notes (their glow), and its bow's line that follows
    /// player 0 alone — beside player 1, seen faintly, and player 2 (tuning quartet #5: the cello's box took the
    /// marimba's notes); three sources asked for. Counted region by region, the cheapest drop is player 1 (the body
    /// explains its sound); counted by players there are three already, so one of player 0's pieces goes instead.
    @Test func aPieceGoesBeforeAPlayer() {
        let (factors, played) = Self.band()
        let motion = [Self.curve(played, [0.3, 0.6, 0], sway: 0.1, seed: 1), Self.curve(played, [0, 0.1, 0], sway: 0.1, seed: 2),
                      Self.curve(played, [0, 0, 1], sway: 0.1, seed: 3), Self.curve(played, [1, 0, 0], sway: 0.1, seed: 4)]
        #expect(Self.sounding(motion, factors: factors) == [true, false, true, true])
        let byPlayer = Self.sounding(motion, players: [0, 1, 2, 0], factors: factors)
        #expect(byPlayer[1] && byPlayer[2] && byPlayer[0] != byPlayer[3], "\(byPlayer)")
    }

    /// Player 0 seen in two pieces that each move with half of its notes (a hand on the high strings, a bow arm on the
    /// low ones), beside players 1 and 2, three sources asked for: the one region too many is one of player 0's pieces.
    @Test func withAsManyPlayersAsSourcesOnlyAPieceGoes() {
        let (factors, _) = Self.band()
        let motion = [Self.following([0, 1], factors, seed: 1), Self.following([4, 5, 6, 7], factors, seed: 2),
                      Self.following([8, 9, 10, 11], factors, seed: 3), Self.following([2, 3], factors, seed: 4)]
        #expect(Self.sounding(motion, players: [0, 1, 2, 0], factors: factors, sources: nil) == [true, true, true, true])
        let byPlayer = Self.sounding(motion, players: [0, 1, 2, 0], factors: factors)
        #expect(byPlayer[1] && byPlayer[2] && byPlayer[0] != byPlayer[3], "\(byPlayer)")
    }

    /// The same band with two sources asked for: one player goes, and what is left is one region per player — never a
    /// piece beside its player's other piece while a third player goes.
    @Test func withMorePlayersThanSourcesAPlayerGoes() {
        let (factors, played) = Self.band()
        let motion = [Self.curve(played, [0.3, 0.6, 0], sway: 0.1, seed: 1), Self.curve(played, [0, 0.1, 0], sway: 0.1, seed: 2),
                      Self.curve(played, [0, 0, 1], sway: 0.1, seed: 3), Self.curve(played, [1, 0, 0], sway: 0.1, seed: 4)]
        let players = [0, 1, 2, 0]
        let byPlayer = Self.sounding(motion, players: players, factors: factors, sources: 2)
        let kept = players.indices.filter { byPlayer[$0] }.map { players[$0] }
        #expect(kept.count == 2 && Set(kept).count == 2, "\(byPlayer)")
    }

    /// Without players named, every region is its own player: the drops are the region-by-region ones.
    @Test func regionsStandAloneWithoutPlayers() {
        let (factors, played) = Self.band()
        let motion = [Self.curve(played, [1, 0, 0], sway: 0.1, seed: 1), Self.curve(played, [0, 1, 0], sway: 0.1, seed: 2),
                      Self.curve(played, [0.3, 0.3, 0], sway: 1, seed: 3), Self.curve(played, [0, 0, 1], sway: 0.1, seed: 4)]
        let alone = Self.sounding(motion, factors: factors)
        #expect(alone == [true, true, false, true], "\(alone)")
        #expect(Self.sounding(motion, players: [0, 1, 2, 3], factors: factors) == alone)
    }

    /// The tracks name their player by a label; the separation reads it as the index of the player's busiest track (here
    /// all move alike: the first).
    @Test func playersComeFromTheTracksLabels() {
        let times = [0.0, 0.04]
        let tracks = [MotionTrack(label: "motion0", times: times, energy: [0, 1]),
                      MotionTrack(label: "motion1", times: times, energy: [1, 0], player: "motion2"),
                      MotionTrack(label: "motion2", times: times, energy: [0, 1], player: "motion2"),
                      MotionTrack(label: "motion3", times: times, energy: [0, 1], player: "motion2")]
        #expect(MotionInformedNMF.playerIndices(tracks) == [0, 1, 1, 1])
    }
}
