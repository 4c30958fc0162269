import Foundation
import Testing
@testable import TandemVision

/// After separation, with an automatic count, the pieces of one player (a bow's two ends) count once; a
/// neighbour who plays at other times, and a far player who plays at the same times, stay players.
@Suite struct PieceCountTests {
    /// 250 frames at 25 fps. `bursts`: the frames a player moves in (notes, with rests between phrases).
    static func curve(moving: Set<Int>, level: Float, spike: Int? = nil, seed: Int) -> [Float] {
        (0..<250).map { t in
            // A little noise everywhere (compression, texture), the player's motion on its frames.
            var v = Float((t * 7919 + seed * 104_729) % 97) / 97 * 0.002
            if moving.contains(t) { v += level * (0.6 + 0.4 * Float((t * 31 + seed) % 11) / 11) }
            if t == spike { v += 40 * level }
            return v
        }
    }

    static func frames(phrases: [Range<Int>], every: Int, offset: Int) -> Set<Int> {
        Set(phrases.flatMap { $0.filter { ($0 + offset) % every == 0 } })
    }

    @Test func twoEndsOfABowCountOnceButNeighboursAndFarPlayersDoNot() {
        let bow = Self.frames(phrases: [0..<60, 90..<150, 200..<240], every: 3, offset: 0)
        let neighbour = Self.frames(phrases: [40..<100, 150..<210], every: 4, offset: 1)
        // The bow's two thin ends, 3 cells (of 5 px) apart on one line; one of them caught a flash.
        let left = MotionRegion(x: 20, y: 100, width: 55, height: 5, label: "motion0")
        let right = MotionRegion(x: 90, y: 100, width: 55, height: 5, label: "motion1")
        // A neighbour 2 cells to the right of the bow, playing its own phrases.
        let next = MotionRegion(x: 155, y: 90, width: 60, height: 40, label: "motion2")
        // A player far off who plays exactly with the bow (in unison).
        let far = MotionRegion(x: 400, y: 100, width: 55, height: 5, label: "motion3")
        let curves = [Self.curve(moving: bow, level: 0.05, spike: 120, seed: 1), Self.curve(moving: bow, level: 0.01, seed: 2),
                      Self.curve(moving: neighbour, level: 0.03, seed: 3), Self.curve(moving: bow, level: 0.02, seed: 4)]
        let finder = MotionRegionFinder()
        #expect(finder.pieceGroups(of: [left, right, next, far], curves: curves, cellSize: 5) == [[0, 1]])
        // The flash dominates the raw curves: without the compression the two ends would not qualify.
        #expect(finder.correlation(curves[0], curves[1]) < finder.countPieceCorrelation)
        // Turned off: nothing is grouped.
        var off = finder
        off.countPieceGap = -1
        #expect(off.pieceGroups(of: [left, right, next, far], curves: curves, cellSize: 5).isEmpty)
    }

    /// Complete linkage: a chain A–B–C where A and C do not move together does not make one player of all three.
    @Test func aChainDoesNotJoinTwoPlayers() {
        let first = Self.frames(phrases: [0..<120], every: 2, offset: 0)
        let second = Self.frames(phrases: [120..<250], every: 2, offset: 0)
        let a = MotionRegion(x: 0, y: 50, width: 30, height: 5), b = MotionRegion(x: 35, y: 50, width: 30, height: 5)
        let c = MotionRegion(x: 70, y: 50, width: 30, height: 5)
        let curves = [Self.curve(moving: first, level: 0.05, seed: 1), Self.curve(moving: first.union(second), level: 0.05, seed: 2),
                      Self.curve(moving: second, level: 0.05, seed: 3)]
        let groups = MotionRegionFinder().pieceGroups(of: [a, b, c], curves: curves, cellSize: 5)
        #expect(!groups.contains { $0.contains(0) && $0.contains(2) }, "\(groups)")
    }

    /// A bow's line whose box lies inside its player's body box counts with it, whatever the timing; boxes that
    /// only touch do not.
    @Test func aBoxLyingOverAnotherIsOnePlayer() {
        let body = MotionRegion(x: 505, y: 45, width: 95, height: 125), bow = MotionRegion(x: 565, y: 100, width: 50, height: 5)
        let touching = MotionRegion(x: 600, y: 45, width: 60, height: 40)
        let curves = [Self.curve(moving: Self.frames(phrases: [0..<250], every: 5, offset: 0), level: 0.05, seed: 1),
                      Self.curve(moving: Self.frames(phrases: [0..<250], every: 5, offset: 2), level: 0.05, seed: 2),
                      Self.curve(moving: Self.frames(phrases: [0..<250], every: 7, offset: 3), level: 0.05, seed: 3)]
        let finder = MotionRegionFinder()
        #expect(finder.correlation(curves[0], curves[1]) < 0.1)
        #expect(finder.pieceGroups(of: [body, bow, touching], curves: curves, cellSize: 5) == [[0, 1]])
    }

    /// Two players of a size standing close and moving at the same notes (`Media/two-instruments.mp4`) stay two:
    /// a piece is thin or much smaller than the region beside it.
    @Test func twoPlayersOfASizeSideBySideStayTwo() {
        let notes = Self.frames(phrases: [0..<250], every: 6, offset: 0)
        let left = MotionRegion(x: 8, y: 48, width: 112, height: 48), right = MotionRegion(x: 136, y: 48, width: 112, height: 48)
        let curves = [Self.curve(moving: notes, level: 0.05, seed: 1), Self.curve(moving: notes, level: 0.04, seed: 2)]
        let finder = MotionRegionFinder()
        #expect(finder.correlation(curves[0], curves[1]) > 0.9)
        #expect(finder.pieceGroups(of: [left, right], curves: curves, cellSize: 8).isEmpty)
        // A small box beside the big one, moving with it, is a piece of it.
        let hand = MotionRegion(x: 136, y: 48, width: 24, height: 24)
        #expect(finder.pieceGroups(of: [left, hand], curves: curves, cellSize: 8) == [[0, 1]])
    }
}
