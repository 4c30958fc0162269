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

    /// Three regions moving all clip long at their own periods (5, 7 and 11 frames): their timing is unrelated, so only a
    /// rule on where the boxes lie can join them.
    static func curvesApart() -> [[Float]] {
        [5, 7, 11].enumerated().map { i, every in
            curve(moving: frames(phrases: [0..<250], every: every, offset: i), level: 0.05, seed: i + 1)
        }
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
        // Turned off (with the joining of lines further apart, timed or within a bow's span): nothing is grouped.
        var off = finder
        off.countPieceGap = -1
        off.countLineGap = -1
        off.countLineSpan = -1
        #expect(off.pieceGroups(of: [left, right, next, far], curves: curves, cellSize: 5).isEmpty)
    }

    /// Complete linkage: a chain A–B–C where A and C do not move together does not make one player of all three.
    @Test func aChainDoesNotJoinTwoPlayers() {
        let first = Self.frames(phrases: [0..<120], every: 2, offset: 0)
        let second = Self.frames(phrases: [120..<250], every: 2, offset: 0)
        // Cells of 5 px: three 12-cell lines on one row, 1 cell apart (A to C: 38 cells end to end, over a bow's line).
        let a = MotionRegion(x: 0, y: 50, width: 60, height: 5), b = MotionRegion(x: 65, y: 50, width: 60, height: 5)
        let c = MotionRegion(x: 130, y: 50, width: 60, height: 5)
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

    /// Pieces stacked in a player's column (a bow's line under the body, a hand above it) count with that player
    /// whatever their timing, each with its own player when two stand side by side; a box of a size more than
    /// `countStackSizeGap` cells below another, or a small one further than `countStackGap` cells away, stays a player.
    @Test func piecesStackedInAPlayersColumnCountWithIt() {
        // Each region moves at its own times: no timing test would join any two of them.
        let curves = [5, 7, 11, 13].enumerated().map { i, every in
            Self.curve(moving: Self.frames(phrases: [0..<250], every: every, offset: i), level: 0.05, seed: i + 1)
        }
        let left = MotionRegion(x: 30, y: 40, width: 90, height: 60), right = MotionRegion(x: 190, y: 40, width: 90, height: 60)
        // The left player's bow line 6 cells (of 5 px) under the body; a hand over the right player's box, touching its column.
        let bow = MotionRegion(x: 20, y: 130, width: 100, height: 5), hand = MotionRegion(x: 170, y: 10, width: 20, height: 15)
        let finder = MotionRegionFinder()
        #expect(curves.indices.dropFirst().allSatisfy { finder.correlation(curves[0], curves[$0]) < 0.3 })
        #expect(finder.pieceGroups(of: [left, right, bow, hand], curves: curves, cellSize: 5) == [[0, 2], [1, 3]])
        // A player of a size 6 cells below another (a front row under a back row), and a small box further below than
        // `countStackGap`.
        let below = MotionRegion(x: 25, y: 130, width: 100, height: 40)
        let far = MotionRegion(x: 200, y: 40 + 60 + 5 * (finder.countStackGap + 1), width: 40, height: 10)
        #expect(finder.pieceGroups(of: [left, right, below, far], curves: curves, cellSize: 5).isEmpty)
        // Turned off: the stacked pieces stay apart.
        var off = finder
        off.countStackGap = -1
        #expect(off.pieceGroups(of: [left, right, bow, hand], curves: curves, cellSize: 5).isEmpty)
    }
    /// A bassoon seen as two lines in one column (a 3-cell-thick line 9 cells under a wider one, their timing apart) is
    /// one player; so is a small piece one or three cells beside its player's column, 7 cells under it. Four cells beside, or
    /// a box of a size 4 cells thick, it stays apart — but for the speck rule (`countSpeckReach`: a 3 × 3-cell piece 4 cells
    /// aside and 7 under is a speck within its reach), turned off here where the column's slack is what is tested.
    @Test func aThickLineAndAPieceJustBesideTheColumnCountWithTheirPlayer() {
        let curves = Self.curvesApart()
        var finder = MotionRegionFinder()
        finder.countSpeckReach = -1
        // Cells of 5 px: the upper line 14 × 5 cells, the lower 14 × 3, 9 cells under it; a neighbour far to the right.
        let upper = MotionRegion(x: 365, y: 80, width: 70, height: 25), lower = MotionRegion(x: 365, y: 150, width: 70, height: 15)
        let neighbour = MotionRegion(x: 520, y: 40, width: 100, height: 135)
        #expect(finder.pieceGroups(of: [upper, lower, neighbour], curves: curves, cellSize: 5) == [[0, 1]])
        let thick = MotionRegion(x: 365, y: 150, width: 70, height: 20)
        #expect(finder.pieceGroups(of: [upper, thick, neighbour], curves: curves, cellSize: 5).isEmpty)
        // A 3 × 3-cell piece one cell left of the body's column, 7 cells under it; then three and four cells left.
        let body = MotionRegion(x: 215, y: 70, width: 50, height: 50)
        let beside = MotionRegion(x: 195, y: 155, width: 15, height: 15), threeOff = MotionRegion(x: 185, y: 155, width: 15, height: 15)
        let apart = MotionRegion(x: 180, y: 155, width: 15, height: 15)
        #expect(finder.pieceGroups(of: [body, beside, neighbour], curves: curves, cellSize: 5) == [[0, 1]])
        #expect(finder.pieceGroups(of: [body, threeOff, neighbour], curves: curves, cellSize: 5) == [[0, 1]])
        #expect(finder.pieceGroups(of: [body, apart, neighbour], curves: curves, cellSize: 5).isEmpty)
        #expect(MotionRegionFinder().pieceGroups(of: [body, apart, neighbour], curves: curves, cellSize: 5) == [[0, 1]])
        // Held-out trio #75: a bow's tip (6 × 3 cells) 2 cells left of the player's column, 11 cells over it.
        let player = MotionRegion(x: 215, y: 75, width: 45, height: 25), tip = MotionRegion(x: 175, y: 5, width: 30, height: 15)
        #expect(finder.pieceGroups(of: [player, tip, neighbour], curves: curves, cellSize: 5) == [[0, 1]])
        var tight = finder
        tight.countStackColumnSlack = 1
        #expect(tight.pieceGroups(of: [player, tip, neighbour], curves: curves, cellSize: 5).isEmpty)
        #expect(tight.pieceGroups(of: [body, threeOff, neighbour], curves: curves, cellSize: 5).isEmpty)
    }

    /// A bow's line broken in pieces by a softer picture (camera footage: blur, grain, a lossy encode) counts once: two
    /// lines on one row at most `countPieceGap` cells apart, whatever their timing (a line's pieces move as the bow's end
    /// passes them, so their curves correlate little). Two cells further apart, lines across each other, or a line beside
    /// a box of a size, they stay apart.
    @Test func aLineBrokenInPiecesCountsOnce() {
        let curves = Self.curvesApart()
        let finder = MotionRegionFinder()
        #expect(finder.correlation(curves[0], curves[1]) < 0.3)
        // Cells of 4 px: a 5-cell piece and an 11-cell piece of row 20, 3 cells apart; a player far to the right.
        let left = MotionRegion(x: 40, y: 80, width: 20, height: 4), right = MotionRegion(x: 72, y: 80, width: 44, height: 4)
        let player = MotionRegion(x: 288, y: 48, width: 60, height: 32)
        #expect(finder.pieceGroups(of: [left, right, player], curves: curves, cellSize: 4) == [[0, 1]])
        // The broken line's pieces 4 cells apart (the gap) still count once; 6 cells apart, and 33 cells end to end (longer
        // than a bow's line, `countLineSpan`), they stay two.
        let atGap = MotionRegion(x: 76, y: 80, width: 44, height: 4), further = MotionRegion(x: 84, y: 80, width: 88, height: 4)
        #expect(finder.pieceGroups(of: [left, atGap, player], curves: curves, cellSize: 4) == [[0, 1]])
        #expect(finder.pieceGroups(of: [left, further, player], curves: curves, cellSize: 4).isEmpty)
        // An upright line beside the row's piece is not one line with it; a box beside it is not either, and counts with it
        // only as a body with its thin piece beside it (`countPieceBesideGap`).
        let upright = MotionRegion(x: 72, y: 60, width: 4, height: 40), box = MotionRegion(x: 72, y: 72, width: 20, height: 20)
        #expect(finder.pieceGroups(of: [left, upright, player], curves: curves, cellSize: 4).isEmpty)
        var noBody = finder
        noBody.countPieceBesideGap = -1
        #expect(noBody.pieceGroups(of: [left, box, player], curves: curves, cellSize: 4).isEmpty)
        // Turned off with the count's other side-by-side joining (and the bow's span).
        var off = finder
        off.countPieceGap = -1
        off.countLineSpan = -1
        #expect(off.pieceGroups(of: [left, right, player], curves: curves, cellSize: 4).isEmpty)
    }

    /// A player split top and bottom (a 9 × 4-cell box 3 or 5 cells over an 8 × 6 one in its column, their timing apart) is
    /// one player; 6 cells apart, or with less than 0.6 of the narrower's columns shared, or turned off, the two stay apart.
    @Test func boxesOfASizeStackedInOneColumnCountOnce() {
        let curves = Self.curvesApart()
        let finder = MotionRegionFinder()
        // Cells of 5 px: 36 and 48 cells, 0.75 of each other's area (over `countPieceAreaRatio`), neither thin.
        let upper = MotionRegion(x: 210, y: 80, width: 45, height: 20), lower = MotionRegion(x: 215, y: 115, width: 40, height: 30)
        let neighbour = MotionRegion(x: 380, y: 75, width: 50, height: 40)
        #expect(finder.pieceGroups(of: [upper, lower, neighbour], curves: curves, cellSize: 5) == [[0, 1]])
        let fiveApart = MotionRegion(x: 215, y: 125, width: 40, height: 30)
        #expect(finder.pieceGroups(of: [upper, fiveApart, neighbour], curves: curves, cellSize: 5) == [[0, 1]])
        let apart = MotionRegion(x: 215, y: 130, width: 40, height: 30)
        #expect(finder.pieceGroups(of: [upper, apart, neighbour], curves: curves, cellSize: 5).isEmpty)
        // Shifted right by 5 of its 8 columns: 3 of 8 shared.
        let aside = MotionRegion(x: 240, y: 115, width: 40, height: 30)
        #expect(finder.pieceGroups(of: [upper, aside, neighbour], curves: curves, cellSize: 5).isEmpty)
        var off = finder
        off.countStackSizeGap = -1
        #expect(off.pieceGroups(of: [upper, lower, neighbour], curves: curves, cellSize: 5).isEmpty)
    }

    /// A wide box along the frame's bottom under two players' bodies (held-out duet #85 as footage: 44 cells wide, the
    /// bodies 23 cells apart) does not join the two: the body further from the box's columns stands apart, the nearer one
    /// counts with the box. Two pieces of one player stacked under its box within a bow's line end to end both count with it.
    @Test func aBoxUnderTwoPlayersPlacesDoesNotJoinThem() {
        let curves = Self.curvesApart()
        let finder = MotionRegionFinder()
        // Cells of 5 px, a 180-px frame: the box 44 × 10 cells on the bottom rows (not an edge strip: 10 cells high); the
        // left body 10 × 10 cells 2 cells over its left end, the right body 8 × 4 cells 6 cells over its middle.
        let left = MotionRegion(x: 55, y: 70, width: 50, height: 50), right = MotionRegion(x: 220, y: 80, width: 40, height: 20)
        let box = MotionRegion(x: 100, y: 130, width: 220, height: 50)
        #expect(finder.pieceGroups(of: [left, right, box], curves: curves, cellSize: 5, frameHeight: 180) == [[1, 2]])
        // One player's box and a hand and a bow's end under it, 20 cells end to end.
        let body = MotionRegion(x: 100, y: 40, width: 100, height: 60)
        let hand = MotionRegion(x: 100, y: 110, width: 30, height: 20), bowEnd = MotionRegion(x: 170, y: 110, width: 30, height: 20)
        #expect(finder.pieceGroups(of: [body, hand, bowEnd], curves: curves, cellSize: 5, frameHeight: 180) == [[0, 1, 2]])
        // Without a bow's line to bound the stack (`countLineSpan` −1), the wide box joins both bodies, as before.
        var off = finder
        off.countLineSpan = -1
        #expect(off.pieceGroups(of: [left, right, box], curves: curves, cellSize: 5, frameHeight: 180) == [[0, 1, 2]])
    }

    /// A one-cell strip on the frame's bottom row (camera footage's shake and encode) counts with the player whose column it
    /// lies under, 23 cells below the player's box; one on the top row too. The same strip off the edge, or with no frame
    /// height given, stays apart, and two strips are not each other's player.
    @Test func aStripOnTheFramesEdgeCountsWithThePlayerOverIt() {
        let curves = Self.curvesApart()
        let finder = MotionRegionFinder()
        // Cells of 5 px, a 180-px frame: the player 9 × 4 cells at row 8; the strip 7 × 1 on row 35.
        let player = MotionRegion(x: 215, y: 40, width: 45, height: 20), neighbour = MotionRegion(x: 380, y: 75, width: 50, height: 40)
        let bottom = MotionRegion(x: 185, y: 175, width: 35, height: 5), top = MotionRegion(x: 230, y: 0, width: 50, height: 5)
        #expect(finder.pieceGroups(of: [player, bottom, neighbour], curves: curves, cellSize: 5, frameHeight: 180) == [[0, 1]])
        #expect(finder.pieceGroups(of: [player, top, neighbour], curves: curves, cellSize: 5, frameHeight: 180) == [[0, 1]])
        #expect(finder.pieceGroups(of: [player, bottom, neighbour], curves: curves, cellSize: 5).isEmpty)
        let offEdge = MotionRegion(x: 185, y: 170, width: 35, height: 5)
        #expect(finder.pieceGroups(of: [player, offEdge, neighbour], curves: curves, cellSize: 5, frameHeight: 180).isEmpty)
        // Two strips over each other's columns, one on each edge, no player over them.
        let long = MotionRegion(x: 0, y: 175, width: 150, height: 5), short = MotionRegion(x: 20, y: 0, width: 50, height: 5)
        #expect(finder.pieceGroups(of: [long, short, neighbour], curves: curves, cellSize: 5, frameHeight: 180).isEmpty)
    }

    /// A line 13 rows under its player's body (held-out quartet #72: a 9 × 1-cell bow line under an 8 × 3-cell body) and a
    /// bell 16 rows over its player's line (tuning duet #4 as footage: an 11 × 3-cell box over a 20 × 1-cell line) count with
    /// their player whatever their timing; 17 rows away, or with the stacking gap at session 23's 12 cells, they stay apart.
    @Test func aPieceUpToSixteenRowsAboveOrBelowItsPlayerCountsWithIt() {
        let curves = Self.curvesApart()
        let finder = MotionRegionFinder()
        // Cells of 5 px: the body on cells 44–51, rows 16–18; the line on cells 45–53, row 32; a player far off.
        let body = MotionRegion(x: 220, y: 80, width: 40, height: 15), line = MotionRegion(x: 225, y: 160, width: 45, height: 5)
        let player = MotionRegion(x: 500, y: 60, width: 60, height: 40)
        #expect(finder.pieceGroups(of: [body, line, player], curves: curves, cellSize: 5) == [[0, 1]])
        let bell = MotionRegion(x: 255, y: 5, width: 55, height: 15), row = MotionRegion(x: 180, y: 100, width: 100, height: 5)
        #expect(finder.pieceGroups(of: [row, bell, player], curves: curves, cellSize: 5) == [[0, 1]])
        let further = MotionRegion(x: 225, y: 180, width: 45, height: 5)
        #expect(finder.pieceGroups(of: [body, further, player], curves: curves, cellSize: 5).isEmpty)
        var before = finder
        before.countStackGap = 12
        #expect(before.pieceGroups(of: [body, line, player], curves: curves, cellSize: 5).isEmpty)
        #expect(before.pieceGroups(of: [row, bell, player], curves: curves, cellSize: 5).isEmpty)
    }

    /// A zooming camera's edge strips with no larger box over their columns (held-out trio #85 as footage: strips on the top
    /// and bottom rows 8 cells beside a player's columns; duet #88: a 16 × 3-cell strip on the bottom rows under a 9 × 4-cell
    /// player) count with the body nearest their columns, not with a thin piece nearer; 11 cells beside every body, or turned
    /// off, they stay apart. A piece over a long bottom strip does not count with the player the strip stacks with (tuning
    /// quartet #2 as footage).
    @Test func anEdgeStripBesideEveryColumnCountsWithTheNearestBody() {
        let curves = [5, 7, 11, 13].enumerated().map { i, every in
            Self.curve(moving: Self.frames(phrases: [0..<250], every: every, offset: i), level: 0.05, seed: i + 1)
        }
        let finder = MotionRegionFinder()
        // Cells of 5 px, a 180-px frame: players on cells 8–19 and 43–53, rows 16–20; a top strip on cells 30–35 (8 cells
        // before the second player, 11 after the first) and a bottom strip on cells 61–65 (8 after the second).
        let first = MotionRegion(x: 40, y: 80, width: 55, height: 20), second = MotionRegion(x: 215, y: 80, width: 50, height: 20)
        let top = MotionRegion(x: 150, y: 0, width: 25, height: 5), bottom = MotionRegion(x: 305, y: 175, width: 20, height: 5)
        #expect(finder.pieceGroups(of: [first, second, top, bottom], curves: curves, cellSize: 5, frameHeight: 180) == [[1, 2, 3]])
        let far = MotionRegion(x: 320, y: 175, width: 20, height: 5)
        #expect(finder.pieceGroups(of: [first, second, top, far], curves: curves, cellSize: 5, frameHeight: 180) == [[1, 2]])
        // A thin 3 × 1-cell piece one cell after the top strip (on row 7, 4 cells before the second player's columns) is not
        // the strip's body: the strip still counts with the second player, the piece alone.
        let nearer = MotionRegion(x: 180, y: 35, width: 15, height: 5)
        #expect(finder.pieceGroups(of: [first, second, top, bottom, nearer], curves: curves + [curves[0]], cellSize: 5, frameHeight: 180)
                == [[1, 2, 3]])
        var off = finder
        off.countEdgeStripReach = -1
        #expect(off.pieceGroups(of: [first, second, top, bottom], curves: curves, cellSize: 5, frameHeight: 180).isEmpty)
        // A 16 × 3-cell strip on rows 33–35 under a 9 × 4-cell player on rows 16–19 (13 rows apart, the strip the larger).
        let player = MotionRegion(x: 45, y: 80, width: 45, height: 20), wide = MotionRegion(x: 65, y: 165, width: 80, height: 15)
        #expect(finder.pieceGroups(of: [player, wide, second], curves: Array(curves.prefix(3)), cellSize: 5, frameHeight: 180) == [[0, 1]])
        #expect(off.pieceGroups(of: [player, wide, second], curves: Array(curves.prefix(3)), cellSize: 5, frameHeight: 180).isEmpty)
        // A bottom strip on cells 0–125 under a 15 × 14-cell player; a 3 × 2-cell piece 7 rows over the strip, 4 cells beside a
        // 7 × 2-cell player's columns: the piece does not count with the strip's player; it is a speck 4 cells aslant of the
        // line, and counts with it (`countSpeckReach`; before session 32 it stood alone).
        let body = MotionRegion(x: 20, y: 75, width: 75, height: 70), strip = MotionRegion(x: 0, y: 175, width: 630, height: 5)
        let line = MotionRegion(x: 490, y: 100, width: 35, height: 10), piece = MotionRegion(x: 545, y: 130, width: 15, height: 10)
        #expect(finder.pieceGroups(of: [body, strip, line, piece], curves: curves, cellSize: 5, frameHeight: 180) == [[0, 1], [2, 3]])
        var noSpecks = finder
        noSpecks.countSpeckReach = -1
        #expect(noSpecks.pieceGroups(of: [body, strip, line, piece], curves: curves, cellSize: 5, frameHeight: 180) == [[0, 1]])
    }

    /// A line broken 8 cells apart on its row, 39 cells end to end (longer than a bow's line, `countLineSpan`), counts once
    /// when its pieces move at the same times; with other timings (two players' lines on one row), 11 cells apart, or
    /// turned off, the two stay apart.
    @Test func aLineBrokenFurtherApartCountsOnceWhenItsPiecesMoveTogether() {
        let bow = Self.frames(phrases: [0..<60, 90..<150, 200..<240], every: 3, offset: 0)
        let other = Self.frames(phrases: [30..<110, 160..<230], every: 4, offset: 1)
        let curves = [Self.curve(moving: bow, level: 0.05, seed: 1), Self.curve(moving: bow, level: 0.02, seed: 2),
                      Self.curve(moving: other, level: 0.03, seed: 3), Self.curve(moving: other, level: 0.04, seed: 4)]
        let finder = MotionRegionFinder()
        #expect(finder.correlation(curves[0], curves[2]) < finder.countPieceCorrelation)
        // Cells of 5 px: a 26-cell and a 5-cell piece of row 20, 8 cells apart; a player far off.
        let left = MotionRegion(x: 100, y: 100, width: 130, height: 5), right = MotionRegion(x: 270, y: 100, width: 25, height: 5)
        let player = MotionRegion(x: 500, y: 60, width: 60, height: 40)
        #expect(finder.pieceGroups(of: [left, right, player], curves: [curves[0], curves[1], curves[3]], cellSize: 5) == [[0, 1]])
        #expect(finder.pieceGroups(of: [left, right, player], curves: [curves[0], curves[2], curves[3]], cellSize: 5).isEmpty)
        let far = MotionRegion(x: 285, y: 100, width: 25, height: 5)
        #expect(finder.pieceGroups(of: [left, far, player], curves: [curves[0], curves[1], curves[3]], cellSize: 5).isEmpty)
        var off = finder
        off.countLineGap = -1
        #expect(off.pieceGroups(of: [left, right, player], curves: [curves[0], curves[1], curves[3]], cellSize: 5).isEmpty)
    }

    /// Two short lines on one row, 9 cells apart and 27 end to end (no longer than one bow's line), count once whatever
    /// their timing; a 24-cell line and a 7-cell one 7 cells apart (38 end to end: two players' lines), the left short line
    /// and a 5-cell one 14 cells apart (over `countLineSpanGap`), or the rule turned off, stay apart. In a chain of three
    /// short lines the two that move together join, whichever side they are on, and the third stays a player.
    @Test func shortLinesOnOneRowWithinABowsSpanCountOnceWhateverTheirTiming() {
        let curves = Self.curvesApart()
        let finder = MotionRegionFinder()
        #expect(finder.correlation(curves[0], curves[1]) < finder.countPieceCorrelation)
        // Cells of 5 px: a 10-cell and an 8-cell piece of row 20; a player far off.
        let left = MotionRegion(x: 180, y: 100, width: 50, height: 5), right = MotionRegion(x: 275, y: 100, width: 40, height: 5)
        let player = MotionRegion(x: 500, y: 60, width: 60, height: 40)
        #expect(finder.pieceGroups(of: [left, right, player], curves: curves, cellSize: 5) == [[0, 1]])
        let long = MotionRegion(x: 40, y: 100, width: 120, height: 5), short = MotionRegion(x: 195, y: 100, width: 35, height: 5)
        #expect(finder.pieceGroups(of: [long, short, player], curves: curves, cellSize: 5).isEmpty)
        let beyond = MotionRegion(x: 300, y: 100, width: 25, height: 5)
        #expect(finder.pieceGroups(of: [left, beyond, player], curves: curves, cellSize: 5).isEmpty)
        var off = finder
        off.countLineSpan = -1
        #expect(off.pieceGroups(of: [left, right, player], curves: curves, cellSize: 5).isEmpty)

        // A chain on one row: a 10-cell, a 6-cell and a 3-cell line, 9 cells apart each (the outer two 37 cells end to end).
        let bow = Self.frames(phrases: [0..<60, 90..<150, 200..<240], every: 3, offset: 0)
        let other = Self.frames(phrases: [30..<110, 160..<230], every: 4, offset: 1)
        let together = [Self.curve(moving: bow, level: 0.05, seed: 1), Self.curve(moving: bow, level: 0.02, seed: 2)]
        let apart = Self.curve(moving: other, level: 0.03, seed: 3)
        #expect(finder.correlation(together[0], apart) < finder.countPieceCorrelation)
        let a = MotionRegion(x: 100, y: 100, width: 50, height: 5), b = MotionRegion(x: 195, y: 100, width: 30, height: 5)
        let c = MotionRegion(x: 270, y: 100, width: 15, height: 5)
        #expect(finder.pieceGroups(of: [a, b, c], curves: [together[0], together[1], apart], cellSize: 5) == [[0, 1]])
        #expect(finder.pieceGroups(of: [a, b, c], curves: [apart, together[0], together[1]], cellSize: 5) == [[1, 2]])
    }

    /// A thin box beside a body on its rows, at most `countPieceBesideGap` cells from it and no longer than a bow's line with
    /// it end to end, counts with it whatever their timing (held-out duet #75 as footage: a 9 × 14-cell body and a 5 × 2-cell
    /// line 4 cells beside it; quartet #79 as footage: a 7 × 1 line 4 cells left of a 5 × 5 box; 7 cells off). Eight cells
    /// off, 33 cells end to end (a line beside a bystander's screen), two thin boxes, or turned off, the two stay apart.
    @Test func aThinPieceBesideABodyWithinABowsSpanCountsWithItWhateverTheirTiming() {
        let curves = Self.curvesApart()
        let finder = MotionRegionFinder()
        #expect(finder.correlation(curves[0], curves[1]) < finder.countPieceCorrelation)
        // Cells of 5 px: the body cells 12–20 × 16–29, the line cells 25–29 on rows 21–22; a player far off.
        let body = MotionRegion(x: 60, y: 80, width: 45, height: 70), line = MotionRegion(x: 125, y: 105, width: 25, height: 10)
        let player = MotionRegion(x: 400, y: 60, width: 60, height: 40)
        #expect(finder.pieceGroups(of: [body, line, player], curves: curves, cellSize: 5) == [[0, 1]])
        #expect(finder.pieceGroups(of: [line, player, body], curves: curves, cellSize: 5) == [[0, 2]])
        let box = MotionRegion(x: 70, y: 100, width: 25, height: 25), rowLine = MotionRegion(x: 15, y: 100, width: 35, height: 5)
        #expect(finder.pieceGroups(of: [rowLine, box, player], curves: curves, cellSize: 5) == [[0, 1]])
        let sevenOff = MotionRegion(x: 140, y: 105, width: 25, height: 10), eightOff = MotionRegion(x: 145, y: 105, width: 25, height: 10)
        #expect(finder.pieceGroups(of: [body, sevenOff, player], curves: curves, cellSize: 5) == [[0, 1]])
        #expect(finder.pieceGroups(of: [body, eightOff, player], curves: curves, cellSize: 5).isEmpty)
        let long = MotionRegion(x: 125, y: 105, width: 100, height: 10)
        #expect(finder.pieceGroups(of: [body, long, player], curves: curves, cellSize: 5).isEmpty)
        let thinBody = MotionRegion(x: 60, y: 80, width: 45, height: 10)
        #expect(finder.pieceGroups(of: [thinBody, MotionRegion(x: 125, y: 80, width: 10, height: 40), player], curves: curves, cellSize: 5).isEmpty)
        var off = finder
        off.countPieceBesideGap = -1
        #expect(off.pieceGroups(of: [body, line, player], curves: curves, cellSize: 5).isEmpty)
    }

    /// Check duet #12 as footage: a player's line in two pieces 3 cells apart and, 8 cells before it, the other player's
    /// line, the two nearer lines 27 cells end to end. The 3-cell link holds whatever the timing and joins first, so the
    /// span link of the two players' lines cannot join them (the far piece does not move with the other player). But
    /// close lines longer than a bow's line end to end rank under a span link (held-out trio #2 as footage).
    @Test func linksThatHoldWhateverTheTimingJoinFirstUnlessLongerThanABowsLine() {
        let curves = Self.curvesApart()
        let finder = MotionRegionFinder()
        // Cells of 5 px on row 20: the other player's line, cells 20–27; the player's pieces, cells 35–46 and 49–62.
        let other = MotionRegion(x: 100, y: 100, width: 40, height: 5)
        let near = MotionRegion(x: 175, y: 100, width: 60, height: 5), far = MotionRegion(x: 245, y: 100, width: 70, height: 5)
        #expect(MotionRegionFinder.span(other, near) <= finder.countLineSpan * 5)
        #expect(finder.pieceGroups(of: [other, near, far], curves: curves, cellSize: 5) == [[1, 2]])
        #expect(finder.pieceGroups(of: [far, near, other], curves: curves, cellSize: 5) == [[0, 1]])
        // The other player's own far piece, cells 1–6, joins its line: two players, two groups.
        let first = MotionRegion(x: 5, y: 100, width: 30, height: 5)
        let fourth = Self.curve(moving: Self.frames(phrases: [0..<250], every: 13, offset: 3), level: 0.05, seed: 4)
        #expect(finder.pieceGroups(of: [first, other, near, far], curves: [fourth] + curves, cellSize: 5) == [[0, 1], [2, 3]])

        // Held-out trio #2 as footage: a player's two lines, cells 5–11 and 20–30 (26 end to end), and the next player's
        // 28-cell line 3 cells after them (42 end to end with the nearer piece).
        let left = MotionRegion(x: 25, y: 100, width: 35, height: 5), right = MotionRegion(x: 100, y: 100, width: 55, height: 5)
        let next = MotionRegion(x: 170, y: 100, width: 140, height: 5)
        #expect(MotionRegionFinder.span(right, next) > finder.countLineSpan * 5)
        #expect(finder.pieceGroups(of: [left, right, next], curves: curves, cellSize: 5) == [[0, 1]])
        #expect(finder.pieceGroups(of: [next, right, left], curves: curves, cellSize: 5) == [[1, 2]])
    }

    /// A bow's line broken in two, with an edge strip under one piece (held-out trio #93 as camera footage: lines on cells
    /// 68–77 and 83–92 of row 20, a strip on cells 91–95 of the bottom row): the strip goes with the piece over it, and
    /// its timing, which is no player's, does not keep the line's two pieces apart. Two players' bodies with a strip under
    /// one stay two players.
    /// A speck that camera footage broke off its player's box counts with the nearest larger box a few cells away in any
    /// direction, whatever their timing (`countSpeckReach`): held-out quartet #104 as footage, a 2 × 4-cell speck 5 cells
    /// aside and 7 rows under a 16 × 6-cell body; tuning quartet #1, two 2 × 2-cell specks 5 cells apart on one row; held-out
    /// trio #102, a 3 × 2-cell speck 3 cells before its bow's 17 × 1-cell line. A speck 8 cells off, one whose box spans more
    /// than a bow's line with it, and a short line on a body's rows 5 cells beside it (the next player's bow, left to the line
    /// rules) stay apart, as does everything with the rule turned off.
    @Test func aSpeckAFewCellsFromItsPlayersBoxCountsWithIt() {
        let curves = [5, 7, 11, 13].enumerated().map { i, every in
            Self.curve(moving: Self.frames(phrases: [0..<250], every: every, offset: i), level: 0.05, seed: i + 1)
        }
        let finder = MotionRegionFinder()
        var off = finder
        off.countSpeckReach = -1
        // Cells of 5 px. A body on cells 8–23, rows 18–23; a player far off.
        let body = MotionRegion(x: 40, y: 90, width: 80, height: 30), far = MotionRegion(x: 500, y: 80, width: 60, height: 40)
        let aslant = MotionRegion(x: 145, y: 155, width: 10, height: 20)
        #expect(finder.pieceGroups(of: [body, aslant, far], curves: Array(curves.prefix(3)), cellSize: 5) == [[0, 1]])
        #expect(off.pieceGroups(of: [body, aslant, far], curves: Array(curves.prefix(3)), cellSize: 5).isEmpty)
        let further = MotionRegion(x: 160, y: 155, width: 10, height: 20)
        #expect(finder.pieceGroups(of: [body, further, far], curves: Array(curves.prefix(3)), cellSize: 5).isEmpty)
        // Two 2 × 2-cell specks 5 cells apart on one row.
        let speck = MotionRegion(x: 530, y: 100, width: 10, height: 10), next = MotionRegion(x: 565, y: 95, width: 10, height: 10)
        #expect(finder.pieceGroups(of: [body, speck, next], curves: Array(curves.prefix(3)), cellSize: 5) == [[1, 2]])
        // A 3 × 2-cell speck 3 cells before a 17 × 1-cell line on its row.
        let line = MotionRegion(x: 45, y: 100, width: 85, height: 5), dot = MotionRegion(x: 15, y: 100, width: 15, height: 10)
        #expect(finder.pieceGroups(of: [line, dot, far], curves: Array(curves.prefix(3)), cellSize: 5) == [[0, 1]])
        #expect(off.pieceGroups(of: [line, dot, far], curves: Array(curves.prefix(3)), cellSize: 5).isEmpty)
        // A 44-cell box (one over two players) and a speck 5 cells after it: 52 cells end to end, apart.
        let wide = MotionRegion(x: 50, y: 65, width: 220, height: 80), after = MotionRegion(x: 295, y: 100, width: 15, height: 10)
        #expect(finder.pieceGroups(of: [wide, after, far], curves: Array(curves.prefix(3)), cellSize: 5).isEmpty)
        // A 4 × 1-cell line on a 43 × 16-cell body's rows, 5 cells after it (held-out quartet #140 as footage): apart.
        let player = MotionRegion(x: 210, y: 65, width: 215, height: 80), bow = MotionRegion(x: 450, y: 100, width: 20, height: 5)
        #expect(finder.pieceGroups(of: [player, bow, body], curves: Array(curves.prefix(3)), cellSize: 5).isEmpty)
    }

    @Test func anEdgeStripNeitherLinksNorVetoesAPlayersPieces() {
        let curves = Self.curvesApart()
        let finder = MotionRegionFinder()
        let left = MotionRegion(x: 340, y: 100, width: 50, height: 5), right = MotionRegion(x: 415, y: 100, width: 50, height: 5)
        let strip = MotionRegion(x: 455, y: 175, width: 25, height: 5)
        #expect(finder.pieceGroups(of: [left, right, strip], curves: curves, cellSize: 5, frameHeight: 180) == [[0, 1, 2]])
        // Without a frame height the strip is a line like any other, and its timing vetoes the join as before.
        #expect(finder.pieceGroups(of: [left, right, strip], curves: curves, cellSize: 5) == [[1, 2]])
        // Two bodies of a size 6 cells apart, a strip under the right one: no link between the bodies, none through the strip.
        let body = MotionRegion(x: 200, y: 80, width: 60, height: 40), other = MotionRegion(x: 290, y: 80, width: 60, height: 40)
        let under = MotionRegion(x: 250, y: 175, width: 100, height: 5)
        let groups = finder.pieceGroups(of: [body, other, under], curves: curves, cellSize: 5, frameHeight: 180)
        #expect(groups.count == 1 && groups.first?.count == 2 && groups.first?.contains(2) == true)
    }
}
