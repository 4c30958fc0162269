import Foundation

/// Finds the parts of a picture that move, as rectangles, by clustering a `MotionMap`.
///
/// Cells whose mean motion reaches `activeFraction` of the busiest cell's, or that move in at least
/// `minimumActivity` of the frames, are active; each 8-connected
/// group of active cells is a candidate (groups holding less than `minimumShare` of the active energy are
/// dropped as noise, unless they persist apart from every other group: `lonePieces`). Thin movers whose cells each
/// move too seldom — a bow sliding along itself, whose ends sweep a line — are candidates too when their cells, taken
/// together, move persistently (see `thinMovers`). Groups whose boxes lie within `mergeGap` cells of each other are one player seen
/// in pieces (a bow and a body, hands and keys, a glow around them) and merge, as do nearby groups that
/// move at the same times (`mergingPieces`; two blobs of a size must move together more closely than a small
/// piece and its body, `ofASize`, and two such blobs each wider than the gap between them, `standApart`, never merge
/// on timing, nor do two groups of comparable cells each broad on both axes for the gap, whatever their shape,
/// `broadApart`; timing is compared without the steps in which a large share of the picture moves at once,
/// `timingSteps`). Players still missed are then looked for among cells that move
/// faintly but persistently, each against its own noise, and on a grainy picture over neighbourhoods of cells
/// too (`faintMovers`). The map has already
/// undone global changes (light, camera, cuts: see `MotionMap`), so what is left is local. Without a
/// requested count, groups whose energy curves rise and fall together
/// (Pearson correlation ≥ `mergeCorrelation`) are one mover seen in pieces — the two edges of a waveform
/// whose middle does not change, a player's bow arm and head — and merge; every group left is a region.
/// With a count `k`, the `k` most
/// energetic groups are kept; when there are fewer than `k` (players touching), the most energetic group
/// is split in two by k-means on its cells' energy curves (z-scored, so the distance is 1 − correlation:
/// cells that move together fall in one part) plus their position (weighted by `positionWeight`, so a
/// part stays compact), until there are `k`. Each group's bounding box is a region. Regions come back left to right (then top to bottom), labelled `motion0`, `motion1`, ….
public struct MotionRegionFinder: Sendable {
    public var activeFraction: Float
    public var minimumShare: Float
    public var positionWeight: Float
    /// The correlation of two groups' energy curves above which they count as one mover (automatic count only).
    public var mergeCorrelation: Float
    /// k-means iterations (the assignment rarely changes after a few).
    public var iterations: Int
    /// Groups whose bounding boxes are at most this many cells apart merge (0: only touching ones).
    public var mergeGap: Int
    /// With an automatic count, at most this many regions (the most energetic) are returned.
    public var maximumRegions: Int
    /// A cell moves in a frame when its energy (mean |Δluma| / 255 after global compensation) exceeds this.
    public var movingLevel: Float = 0.02
    /// Cells that move in at least this fraction of frames are active whatever the busiest cell does.
    public var minimumActivity: Float = 0.15
    /// Groups of fewer cells are specks (compression noise, a texture edge), not players.
    public var minimumCells = 3
    /// Cells that move in at least this fraction of frames (and clearly more often than the picture's
    /// typical cell, see `thinMovers`) may be part of a thin mover; 0 turns the search off. A low-
    /// contrast bow's cells (a light bow over a light body) move in 2–6 % of the frames each; 0.03 found
    /// more of them, in a set of region rules that lost on the tuning and held-out splits and was removed
    /// (`Tools/eval/results/separation.md`, branches `sepregion` and `sepmatch`).
    public var thinMoverActivity: Float = 0.04
    /// Groups whose boxes are at most this many cells apart are pieces of one player when their motion,
    /// averaged over `pieceSmoothingSeconds`, correlates at least `pieceCorrelation` (see `mergingPieces`);
    /// 0 turns this off.
    public var pieceGap = 12
    public var pieceCorrelation: Float = 0.5
    /// Two groups of a size (the smaller more than `comparablePieceShare` of the larger's cells, neither a line)
    /// are pieces of one player only when their averaged curves correlate at least `comparablePieceCorrelation`:
    /// a piece is usually smaller than what it joins (a bow's line, a hand beside a body), while two players side
    /// by side are blobs of a size whose playing, smoothed, can correlate 0.57 (a fresh tuning duet, #6). A
    /// player's two hands striking together correlate 0.78–1.0. Above 1: groups of a size never merge here.
    public var comparablePieceShare: Float = 0.5
    public var comparablePieceCorrelation: Float = 0.75
    /// Two blobs of a size that each span, across the quiet gap between them, at least this many times that gap are two
    /// players whatever their timing (`standApart`); 0 turns this off. A player's pieces of a size (two hands, a body's
    /// halves) are small beside the space between them, while two players' bodies seated side by side are wider than the
    /// space between them. On the motion maps of 378 development clip-pictures (tuning 0–20, single players, held-out
    /// 72–107, plain and camera footage) the 113 merges of blobs of a size within one player each spanned at most 2 times
    /// the gap; the 4 between two players were bowed pairs 5–9 cells apart, each 24–27 cells wide (2.8–4.8 times the
    /// gap), whose continuous strokes correlate 0.76–0.86 over half a second (held-out duets #92, #93, trio #84). The same
    /// ratio, taken on both axes, keeps two broad groups of comparable cells apart whatever their shape (`broadApart`).
    public var apartSpanRatio: Float = 2.5
    public var pieceSmoothingSeconds = 0.5
    /// After separation, with an automatic count: regions side by side at most this many cells apart whose
    /// frame-by-frame timing correlates at least `countPieceCorrelation` are counted as one player
    /// (`pieceGroups`); −1 turns this off. On the tuning clips the two ends of a bow lay 3–4 cells apart at
    /// 0.56–0.61, every other pair (two players, a player and a bystander) 5–14 cells apart at most 0.39.
    public var countPieceGap = 4
    public var countPieceCorrelation: Float = 0.5
    /// … and one of the two is thin or at most this share of the other's area (`pieceGroups`).
    public var countPieceAreaRatio = 0.5
    /// After separation, with an automatic count: a box lying above or below a larger one (their columns
    /// overlap or touch) at most this many cells away, the two thin or of `countPieceAreaRatio`, is a piece of
    /// that box's player whatever its timing (`pieceGroups`); −1 turns this off. On the 36 tuning clips a player's
    /// stacked pieces (a bow's line under the body, a hand over the instrument) lay 0–11 cells apart and their
    /// motions correlate no more than two players' (`sepquart`: 0.23); no two players' boxes shared columns. On the
    /// development clips of sessions 23–24 (held-out 36–89, tuning, plain and footage) every such pair 13–16 cells apart
    /// was one player's too (8 pairs: held-out quartet #72's bow line 13 rows under the body, tuning duet #4 as footage a
    /// bell 16 rows over its line), as were 4 more 19–22 apart; none was two players' or a player's and a bystander's.
    public var countStackGap = 16
    /// … where "above or below" lets the piece's columns come up to this many cells short of the box's (`stackedAnchors`).
    /// On the development clips of sessions 20–23 (`auto` and N regions, plain and footage) every thin or small box 2–3
    /// cells beside a larger one's column and at most `countStackGap` cells above or below it was that player's (a hand or a
    /// bow's tip beside the body: tuning-wide duet #3 and held-out quartet #62 as footage, held-out trio #75's bow tip over
    /// the player, 2 cells aside); no two players' boxes, nor a player's and a bystander's, came within 3 cells that way.
    public var countStackColumnSlack = 3
    /// … and two boxes of a size count as one player too when one lies at most this many cells above or below the
    /// other and the other's columns cover at least `countStackColumnShare` of its own (`pieceGroups`); −1 turns this
    /// off. On the regenerated development clips (session 21) a player split top and bottom (a body over its arms, two
    /// boxes of 0.6–0.9 of each other's area) lay 3–5 cells apart in one column (5: held-out quartet #46 as footage), and
    /// no two players' boxes, nor a player's and a bystander's, shared 0.5 of their columns within 4 cells (within 5–7, only
    /// footage's edge strips did, which stack with the nearest box over them at any distance anyway).
    public var countStackSizeGap = 5
    public var countStackColumnShare = 0.6
    /// … and two lines on one axis further apart than `countPieceGap`, up to this many cells, count as one player when
    /// their frame-by-frame timing correlates at least `countPieceCorrelation` (`pieceGroups`); −1 turns this off. On the
    /// regenerated development clips (session 21) a bow's line broken in two lay 5–13 cells apart on its row, its pieces
    /// correlating −0.11 to 0.83 (8 of the 22 pairs within 10 cells at least 0.5, plain and footage; the rest left apart),
    /// while two players' lines on one row lay 5–10 cells apart at most 0.35 (19 pairs).
    public var countLineGap = 10
    /// … and two lines on one axis up to `countLineSpanGap` cells apart count as one player whatever their timing when,
    /// end to end, they span at most `countLineSpan` cells: no longer than one bow's line (`pieceGroups`); −1 turns this
    /// off. On the development clips of sessions 20–21 (`auto` regions, plain and footage) a bow's line broken in two
    /// spanned 12–27 cells end to end (29 pairs 5–13 cells apart; one more, beside a 25-cell line, 44), and under the
    /// timing bar most of them stayed two players; two players' lines on one row spanned 37–61 cells, or 16–19 where a
    /// line between them was itself one of the two players' pieces (a chain; the pair that moves together more is joined
    /// first, and complete linkage keeps the third apart).
    public var countLineSpan = 30
    public var countLineSpanGap = 13
    /// … and a thin box beside a box that is not thin, on its rows and at most this many cells from it, counts with it
    /// whatever their timing when the two end to end along the row span at most `countLineSpan` cells (`pieceGroups`): a
    /// bow's line or a hand beside its player's body; −1 turns this off. On the development clips of sessions 20–23 (`auto`
    /// and N regions, plain and footage) every such pair within 7 cells was one player's (its timing under the bar on
    /// held-out duet #75 as footage and quartet #75 plain: a body and a line 4 cells beside it; tuning quartet #5 as footage,
    /// 7 cells; held-out quartet #2 plain, a small box 6 cells beside its player, between two players); 8 cells off lay the
    /// next player's body (held-out quartet #2), and pairs that span more (a player's line beside a bystander's screen,
    /// 33–60 cells) were never one player's.
    public var countPieceBesideGap = 7
    /// … and a strip on the frame's top or bottom edge with no larger box over its columns counts with the body (a box that
    /// is not thin) nearest its columns, at most this many cells beside them (`stackedAnchors`); −1 turns this off. On the
    /// development clips of sessions 23–24 (camera footage; 15 clip-pictures hold an edge strip) such strips lay 0–9 cells
    /// beside the nearest body's columns, on zooming and shaking cameras, and none was a player's only region.
    public var countEdgeStripReach = 10
    /// … and a speck — a box of at most `countSpeckArea` cells that is no line (its longer side under twice its shorter), or
    /// a line lying aslant of the box (sharing neither its rows nor its columns) — that no rule above stacks counts with the
    /// nearest larger box at most `countSpeckReach` cells from it across the columns and across the rows, the two no longer
    /// end to end along the row than a bow's line (`countLineSpan`), whatever their timing (`stackedAnchors`); −1 turns this
    /// off. On camera footage grain and blur break a player's hand, bell or bow tip off its box: on the development
    /// clip-pictures of session 32 (tuning, check, soloists, held-out 72–197, plain and footage; `auto` regions) such specks
    /// lay 3–7 cells from their player's box (six footage clip-pictures counted one player too many for it: a 2 × 2 speck 5
    /// cells beside another, a 3 × 2 one 3 cells before its bow's line, a 2 × 4 one 5 cells aside and 7 under the body),
    /// and 10 cells or more from any other player's box within a bow's span; the boxes 5–7 cells from the next player's were
    /// lines on a bow's row, which the line rules judge.
    public var countSpeckReach = 7
    public var countSpeckArea = 9
    /// Steps in which at least this share of the cells move, and `wholePictureRatio` times as many as in the
    /// median step, are left out when timing is compared (`timingSteps`).
    public var wholePictureShare: Float = 0.1
    public var wholePictureRatio: Float = 5
    /// A cell moves faintly when its energy exceeds its own median over the clip by this: where players the
    /// other tests missed are looked for (`faintMovers`); 0 turns this off.
    public var faintLevel: Float = 0.008
    /// Cells this close to the picture's edge (in cells) are never faint movers: encoders, scalers and a moving
    /// camera are least exact at the edge (macroblock padding, edge taps, a strip coming into view), and on camera-like
    /// footage (`separation_eval.py --footage`) its rows flickered faintly in 10–16 % of the steps — a new "player"
    /// along the top or bottom edge. A faint player the edge cuts keeps its inner cells. 0 turns this off.
    public var faintBorderCells = 1
    /// Whether groups of active cells that `minimumShare` dropped are players after all when they stand apart from every
    /// group found (`lonePieces`): the share is of the whole picture's motion, and a mover that holds most of it (a
    /// scrolling screen, 650 cells and 91–97 % of the active energy on tuning clips) makes a bow's line beside it a speck.
    public var keepsLonePieces = true
    /// Steps in which more than this many times the median step's share of cells move faintly are the picture flickering
    /// (an encoder's refresh), left out of the faint search's counts when they set its floor (`quietSteps`); 0 turns this off.
    public var faintFlickerRatio: Float = 3
    /// Faint candidates on one row at most this many cells apart are one line (`faintLines`), kept as a player
    /// when it persists, lies further than `pieceGap` from every group found and neither shares nor touches the columns of
    /// one (a found player's own faint pieces, beside, above or below it, are not new players); 0 turns this off.
    public var faintLineGap = 3
    /// The faint search also keeps a group some cell of which moves faintly in at least this share of the steps (under
    /// `minimumActivity`) when some cell of it moves plainly (above `movingLevel`) in at least `thinMoverActivity` of the
    /// frames (`faintMovers`); `minimumActivity` or more turns this off. Of the 39 players without sound with the true count
    /// on 486 development clip-pictures (tuning 0–20, held-out 72–143 but 81–89 and 117–125, plain and camera footage), 28
    /// had no region at all; 15 of them were players beside a dancer or an audience whose best faint group came back in
    /// 10–15 % of the steps (held-out duet #137 plain: 12.4 %), a cell of it moving plainly in 5–11 % of the frames;
    /// the new groups that a bar of 0.10 alone added on camera footage (a found player's fringe, the picture's corners) were
    /// of 3–6 cells that never moved plainly (at most 3 % of the frames).
    public var faintPersistence: Float = 0.10
    /// Where the picture's grain sets the faint floor, the faint search is run again reading each cell as the mean of the
    /// cells at most this many rows and columns from it, when that at least halves the floor (`neighbourhoodReading`); what
    /// it finds apart from every group found and off their columns is added. 0 turns this off.
    public var faintNeighbourhood = 1
    /// Whether a line is kept from joining a group through the group's fringe (`mergingNearby`, `fringes`): measured from the
    /// group's own pieces it joins only when near them, or by its timing (`mergingPieces`).
    public var keepsLinesOffFringes = true
    public init(activeFraction: Float = 0.2, minimumShare: Float = 0.01, positionWeight: Float = 1, mergeCorrelation: Float = 0.9,
                iterations: Int = 25, mergeGap: Int = 2, maximumRegions: Int = 8) {
        self.mergeGap = mergeGap
        self.maximumRegions = maximumRegions
        self.activeFraction = activeFraction
        self.minimumShare = minimumShare
        self.positionWeight = positionWeight
        self.mergeCorrelation = mergeCorrelation
        self.iterations = iterations
    }

    /// The moving regions of `map`: connected groups, or exactly `count` clusters when `count` is given
    /// (fewer when fewer cells move). Empty when nothing moves.
    public func regions(in map: MotionMap, count: Int? = nil) -> [MotionRegion] {
        let means = (0..<map.cellCount).map { map.meanEnergy(cell: $0) }
        guard let peak = means.max(), peak > 0 else { return [] }
        // How often each cell moves: a player who moves gently but often counts beside a mover that
        // moves a lot (a dancer, a screen), which would otherwise set the bar too high.
        var activity = [Float](repeating: 0, count: map.cellCount)
        for t in 0..<map.frameCount {
            for c in 0..<map.cellCount where map.energies[t * map.cellCount + c] > movingLevel { activity[c] += 1 }
        }
        for c in activity.indices { activity[c] /= Float(max(1, map.frameCount)) }
        let weights = means.indices.map { max(means[$0] / peak, activity[$0]) }
        let active = means.indices.filter { means[$0] >= activeFraction * peak || activity[$0] >= minimumActivity }
        var groups = components(active, map: map, means: weights)
        let bodies = groups
        let thin = thinMovers(excluding: active, activity: activity, map: map)
        groups += thin
        groups += lonePieces(of: active, besides: groups, map: map)
        let steps = timingSteps(in: map)
        let fringe = fringes(thin, of: bodies, map: map)
        groups = mergingNearby(groups, map: map, fringes: fringe.map { $0 + bodies.count },
                               strokes: thin.indices.filter { !fringe.contains($0) }.map { $0 + bodies.count }, bodies: Array(bodies.indices))
        groups = mergingPieces(groups, map: map, steps: steps)
        groups += faintMovers(besides: groups, active: active, map: map)
        func energy(_ g: [Int]) -> Float { g.reduce(0) { $0 + means[$1] } }
        if let count, count >= 1 {
            if groups.count > count {
                groups = Array(groups.sorted { energy($0) > energy($1) }.prefix(count))
            }
            // Too few separate blobs (players touching): split the most energetic blob by timing and place.
            while groups.count < count {
                guard let index = groups.indices.filter({ groups[$0].count >= 2 }).max(by: { energy(groups[$0]) < energy(groups[$1]) }) else { break }
                let parts = cluster(groups[index], into: 2, map: map, means: means)
                // Halves that move in step are one mover: asking for more sources does not make more players.
                guard parts.count == 2,
                      correlation(summedCurve(parts[0], map: map), summedCurve(parts[1], map: map)) < mergeCorrelation else { break }
                groups.replaceSubrange(index...index, with: parts)
            }
        } else {
            groups = mergingCorrelated(groups, map: map, steps: steps)
            if groups.count > maximumRegions { groups = Array(groups.sorted { energy($0) > energy($1) }.prefix(maximumRegions)) }
        }
        var regions = groups.map { boundingBox($0, map: map) }
        regions.sort { ($0.center.x, $0.center.y) < ($1.center.x, $1.center.y) }
        for i in regions.indices { regions[i].label = "motion\(i)" }
        return regions
    }

    /// Groups of cells that each move too seldom to be active but together move persistently: a bow
    /// sliding along itself changes only at its two ends, which sweep along the bow's axis, so each
    /// cell on that line moves in a few frames while the line as a whole moves whenever the bow does.
    /// Candidates are the cells outside `excluding` that move in at least `thinMoverActivity` of the
    /// frames and at least four times as often as the median cell (noise that touches every cell raises
    /// the bar with it); an 8-connected group of `minimumCells` or more of them is kept when some cell of
    /// it moves (above `movingLevel`) in at least `minimumActivity` of the frames — the persistence test
    /// single cells failed, passed by the group.
    func thinMovers(excluding active: [Int], activity: [Float], map: MotionMap) -> [[Int]] {
        guard thinMoverActivity > 0, map.frameCount > 1 else { return [] }
        var sorted = activity
        sorted.sort()
        let typical = sorted[sorted.count / 2]
        let floor = max(thinMoverActivity, 4 * typical)
        var excluded = [Bool](repeating: false, count: map.cellCount)
        for c in active { excluded[c] = true }
        let candidates = activity.indices.filter { !excluded[$0] && activity[$0] >= floor }
        let groups = components(candidates, map: map, means: activity, minimumShare: 0)
        return groups.filter { persists($0, map: map) }
    }

    /// Groups of active cells that the share test dropped but that stand apart from every group in `groups`: further
    /// than `pieceGap` from each and off its columns (a found player's own pieces lie beside, above or below it), not
    /// within `faintBorderCells` of the picture's edge (where encoders and scalers flicker), of `minimumCells` or more
    /// cells, and persistent (`persists`). The share bar is relative to the picture's whole motion: beside a mover that
    /// holds nearly all of it, a player's bow line, broken into pieces of 8–11 cells, holds under `minimumShare` and was
    /// dropped as noise (tuning duet #1 as camera footage, trios #8 and quartets #4 plain and as footage: players with
    /// no region beside a scrolling screen). Noise near a player stays dropped.
    func lonePieces(of active: [Int], besides groups: [[Int]], map: MotionMap) -> [[Int]] {
        guard keepsLonePieces, !groups.isEmpty else { return [] }
        var taken = [Bool](repeating: false, count: map.cellCount)
        for group in groups { for c in group { taken[c] = true } }
        let edge = faintBorderCells
        let left = active.filter { cell in
            let r = cell / map.columns, c = cell % map.columns
            return !taken[cell] && r >= edge && c >= edge && r < map.rows - edge && c < map.columns - edge
        }
        return components(left, map: map, means: [Float](repeating: 0, count: map.cellCount), minimumShare: 0).filter { piece in
            persists(piece, map: map) && groups.allSatisfy { gap($0, piece, map: map) > pieceGap && !columnSpan($0, map: map).overlaps(columnSpan(piece, map: map)) }
        }
    }

    /// 8-connected components of the active cells, small ones dropped.
    func components(_ active: [Int], map: MotionMap, means: [Float], minimumShare: Float? = nil) -> [[Int]] {
        let minimumShare = minimumShare ?? self.minimumShare
        var isActive = [Bool](repeating: false, count: map.cellCount)
        for c in active { isActive[c] = true }
        var seen = [Bool](repeating: false, count: map.cellCount)
        var groups: [[Int]] = []
        for start in active where !seen[start] {
            var group: [Int] = []
            var stack = [start]
            seen[start] = true
            while let cell = stack.popLast() {
                group.append(cell)
                let r = cell / map.columns, c = cell % map.columns
                for dr in -1...1 {
                    for dc in -1...1 where dr != 0 || dc != 0 {
                        let nr = r + dr, nc = c + dc
                        guard nr >= 0, nr < map.rows, nc >= 0, nc < map.columns else { continue }
                        let n = nr * map.columns + nc
                        if isActive[n] && !seen[n] { seen[n] = true; stack.append(n) }
                    }
                }
            }
            groups.append(group)
        }
        let total = active.reduce(Float(0)) { $0 + means[$1] }
        // Specks of one or two cells are compression noise or texture edges, not a player.
        return groups.filter { g in g.count >= minimumCells && g.reduce(Float(0)) { $0 + means[$1] } >= minimumShare * total }
    }

    /// Whether some cell of `group` moves (above `movingLevel`) in at least `minimumActivity` of the frames:
    /// a player's motion comes back note after note, a speck of noise does not.
    func persists(_ group: [Int], map: MotionMap) -> Bool {
        var moving = 0
        for t in 0..<map.frameCount {
            let base = t * map.cellCount
            if group.contains(where: { map.energies[base + $0] > movingLevel }) { moving += 1 }
        }
        return Float(moving) >= minimumActivity * Float(map.frameCount)
    }

    /// Merges groups one of whose pieces lies within `mergeGap` cells (box to box) of one of the other's, until none do.
    ///
    /// The distance is between the original pieces, not the merged groups' boxes: a merged box spans the empty space
    /// between its pieces, and measured from it a corner strip joined to one player (a shaking camera's edge flicker)
    /// reached over the quiet gap to the next player's body (held-out duet #101 as camera footage: both players, 10 cells
    /// apart, and three edge strips became one box over the whole picture).
    /// - Parameter byPieces: false measures from the merged boxes instead (the faint search's candidates: see `faintMovers`).
    ///
    /// A line that is all its player shows (`keptOffFringes`) is not near a group through that group's fringe (`fringes`)
    /// unless it lies over the fringe's box: the fringe of a large mover reaches out on every side, and a bow's line beside
    /// it joined the mover (held-out trio #140 and quartet #128 plain: a player's whole line 1–2 cells from a dancer's
    /// fringe, 4–5 from the dancer's body; the dancer's region, taken for a bystander, then silenced the player). Measured
    /// from the mover's own cells the line stays apart; `mergingPieces` joins it still when it moves at the mover's times.
    /// - Parameters:
    ///   - fringes: indices into `groups` of fringe groups (none: every piece reaches out alike).
    ///   - strokes: indices of thin movers that are no fringe (the lines that may be kept off).
    ///   - bodies: indices of the active components (the bodies fringes surround).
    func mergingNearby(_ groups: [[Int]], map: MotionMap, byPieces: Bool = true, fringes: [Int] = [], strokes: [Int] = [],
                       bodies: [Int] = []) -> [[Int]] {
        var groups = groups
        let originals = groups
        let (fringe, lines) = keptOffFringes(groups, fringes: fringes, strokes: strokes, bodies: bodies, map: map)
        var pieces = groups.indices.map { [$0] }
        func near(_ i: Int, _ j: Int) -> Bool {
            guard byPieces else { return gap(groups[i], groups[j], map: map) <= mergeGap }
            return pieces[i].contains { a in
                pieces[j].contains { b in
                    // A line reaches a fringe only by lying over it (a mover's own stroke inside its outline).
                    fringe[a] != fringe[b] && lines[fringe[a] ? b : a]
                        ? overlaps(originals[a], originals[b], map: map)
                        : gap(originals[a], originals[b], map: map) <= mergeGap
                }
            }
        }
        var merged = true
        while merged {
            merged = false
            search: for i in groups.indices {
                for j in (i + 1)..<groups.count where near(i, j) {
                    groups[i] += groups.remove(at: j)
                    pieces[i] += pieces.remove(at: j)
                    merged = true
                    break search
                }
            }
        }
        return groups
    }

    /// Merges, pair by pair (most correlated first), nearby groups that move at the same times: the two
    /// ends of a bow, a bow arm and a head, a hand and the glow around it.
    ///
    /// Pieces of one player often move in different frames (each end of a bow moves as it passes a cell),
    /// so their raw frame-by-frame curves correlate weakly; over half a second they rise and fall together
    /// with the player's playing, while two players' phrases, pauses and gestures differ. Groups qualify
    /// when their boxes are at most `pieceGap` cells apart (players sit further apart than their own pieces)
    /// and their averaged curves, over `steps` (nil: all), correlate at least `pieceCorrelation` — at least
    /// `comparablePieceCorrelation` when the two are blobs of a size (`ofASize`), as two players side by side are; never when
    /// they stand apart for their size (`standApart` for blobs of a size, `broadApart` for groups broad on both axes).
    func mergingPieces(_ groups: [[Int]], map: MotionMap, steps: [Int]? = nil) -> [[Int]] {
        guard pieceGap > 0, groups.count > 1 else { return groups }
        let width = smoothingWidth(map: map)
        // Complete linkage over the original pieces: a merged group takes in another only when every
        // piece of the one moves with every piece of the other, so a chain of pieces never joins two players.
        let curves = groups.map { smoothed(summedCurve($0, map: map, steps: steps), width: width) }
        var r = [[Float]](repeating: [Float](repeating: 1, count: groups.count), count: groups.count)
        for i in groups.indices {
            for j in (i + 1)..<groups.count {
                r[i][j] = correlation(curves[i], curves[j])
                r[j][i] = r[i][j]
            }
        }
        var merged = groups.indices.map { [$0] }
        var cells = groups
        while cells.count > 1 {
            var best: (i: Int, j: Int, r: Float)?
            for i in cells.indices {
                for j in (i + 1)..<cells.count where gap(cells[i], cells[j], map: map) <= pieceGap {
                    let linkage = merged[i].flatMap { a in merged[j].map { r[a][$0] } }.min()!
                    let comparable = ofASize(cells[i], cells[j], map: map)
                    if (comparable && standApart(cells[i], cells[j], map: map)) || broadApart(cells[i], cells[j], map: map) { continue }
                    let needed = comparable ? comparablePieceCorrelation : pieceCorrelation
                    if linkage >= needed && linkage > (best?.r ?? -1) { best = (i, j, linkage) }
                }
            }
            guard let (i, j, _) = best else { break }
            cells[i] += cells.remove(at: j)
            merged[i] += merged.remove(at: j)
        }
        return cells
    }

    /// Whether two groups are blobs of a size (see `comparablePieceShare`): neither is line-like (its box at most
    /// two cells, or at most half as many as it is long, across: a bow's end sweeping, widened by a shaking camera),
    /// and the smaller holds more than `comparablePieceShare` of the larger's cells.
    func ofASize(_ a: [Int], _ b: [Int], map: MotionMap) -> Bool {
        guard !a.isEmpty, !b.isEmpty, !isLine(a, map: map), !isLine(b, map: map) else { return false }
        return ofComparableCells(a, b)
    }

    /// Whether the smaller of two groups holds more than `comparablePieceShare` of the larger's cells.
    func ofComparableCells(_ a: [Int], _ b: [Int]) -> Bool {
        Float(min(a.count, b.count)) > comparablePieceShare * Float(max(a.count, b.count))
    }

    /// Whether a group is line-like: its box at most two cells, or at most half as many as it is long, across (a bow's end
    /// sweeping, widened by a shaking camera).
    func isLine(_ g: [Int], map: MotionMap) -> Bool {
        guard !g.isEmpty else { return false }
        let (height, width) = boxSides(g, map: map)
        return min(height, width) <= 2 || 2 * min(height, width) <= max(height, width)
    }

    /// The rows and columns a non-empty group's bounding box spans.
    func boxSides(_ g: [Int], map: MotionMap) -> (height: Int, width: Int) {
        let rows = g.map { $0 / map.columns }, columns = g.map { $0 % map.columns }
        return (rows.max()! - rows.min()! + 1, columns.max()! - columns.min()! + 1)
    }

    /// Indices into `thin` of the groups that are a body's fringe: a thin mover (`thinMovers`) whose box overlaps the box
    /// of one of `bodies` (the active components) — the cells around a large mover that each move a little as its edges
    /// pass (a dancer's: 216–338 cells around a body of 222), not a piece of its own. Off when `keepsLinesOffFringes` is false.
    func fringes(_ thin: [[Int]], of bodies: [[Int]], map: MotionMap) -> [Int] {
        guard keepsLinesOffFringes, !bodies.isEmpty else { return [] }
        return thin.indices.filter { i in bodies.contains { overlaps(thin[i], $0, map: map) } }
    }

    /// Per group, whether it is a fringe, and whether it is a line kept off fringes (`mergingNearby`): one of `strokes` (thin
    /// movers that are no fringe) shaped as a line (`isLine`), off every fringe's box, with nothing else within `pieceGap`
    /// but the mover a fringe is around (the fringe, the body it surrounds, and what lies within `mergeGap` of them: a
    /// dancer's legs) and its own pieces (lines within `mergeGap`) — all a player shows of itself. A line with its player's
    /// other pieces near it is left to join as before: the player keeps its region, and a piece freed beside it only moved
    /// the placement (held-out trio #136 plain, a bow line in two pieces 3 cells apart, the one beside the dancer's fringe
    /// freed: −7.2 dB, two players' sounds swapped). Active components shaped as lines are bodies (an audience's upright
    /// figures), not bows' lines, and are never strokes.
    func keptOffFringes(_ groups: [[Int]], fringes: [Int], strokes: [Int], bodies: [Int], map: MotionMap) -> (fringe: [Bool], lines: [Bool]) {
        var fringe = [Bool](repeating: false, count: groups.count), lines = fringe
        guard !fringes.isEmpty, !strokes.isEmpty else { return (fringe, lines) }
        for i in fringes where fringe.indices.contains(i) { fringe[i] = true }
        let shapes = groups.map { isLine($0, map: map) }
        var candidate = fringe.map { _ in false }
        for i in strokes where groups.indices.contains(i) && !fringe[i] && shapes[i] { candidate[i] = true }
        // The mover: its fringes, the bodies they are around, and what lies within `mergeGap` of those bodies (a dancer's
        // legs or arms), or of a fringe when it is no candidate line.
        let surrounded = bodies.filter { b in groups.indices.contains(b) && fringes.contains { overlaps(groups[b], groups[$0], map: map) } }
        let mover = groups.indices.map { i in
            fringe[i] || surrounded.contains { gap(groups[i], groups[$0], map: map) <= mergeGap }
                || (!candidate[i] && fringes.contains { gap(groups[i], groups[$0], map: map) <= mergeGap })
        }
        for i in groups.indices where candidate[i] && !fringes.contains(where: { overlaps(groups[i], groups[$0], map: map) }) {
            lines[i] = groups.indices.allSatisfy { o in
                o == i || mover[o] || (shapes[o] && gap(groups[o], groups[i], map: map) <= mergeGap) || gap(groups[o], groups[i], map: map) > pieceGap
            }
        }
        return (fringe, lines)
    }

    /// The columns a group's box spans, one more on the right: two groups whose spans overlap share a column or lie in
    /// touching ones — one above the other, a player's piece rather than a second player beside it.
    func columnSpan(_ g: [Int], map: MotionMap) -> ClosedRange<Int> {
        let columns = g.map { $0 % map.columns }
        return columns.min()!...(columns.max()! + 1)
    }

    /// Whether the bounding boxes of two groups share a cell.
    func overlaps(_ a: [Int], _ b: [Int], map: MotionMap) -> Bool {
        guard !a.isEmpty, !b.isEmpty else { return false }
        let ra = a.map { $0 / map.columns }, ca = a.map { $0 % map.columns }, rb = b.map { $0 / map.columns }, cb = b.map { $0 % map.columns }
        return ra.min()! <= rb.max()! && rb.min()! <= ra.max()! && ca.min()! <= cb.max()! && cb.min()! <= ca.max()!
    }

    /// Whether two groups are wide apart for their size (see `apartSpanRatio`): across the gap between their boxes (along
    /// the axis on which they are furthest apart), each box spans at least `apartSpanRatio` times that gap. Said of blobs of
    /// a size (`ofASize`): a line or a small piece beside a body is a piece whatever its span.
    func standApart(_ a: [Int], _ b: [Int], map: MotionMap) -> Bool {
        guard apartSpanRatio > 0, !a.isEmpty, !b.isEmpty else { return false }
        func span(_ g: [Int], _ coordinate: (Int) -> Int) -> (low: Int, high: Int) {
            let values = g.map(coordinate)
            return (values.min()!, values.max()!)
        }
        let rowsA = span(a) { $0 / map.columns }, rowsB = span(b) { $0 / map.columns }
        let columnsA = span(a) { $0 % map.columns }, columnsB = span(b) { $0 % map.columns }
        let rowGap = max(rowsA.low, rowsB.low) - min(rowsA.high, rowsB.high) - 1
        let columnGap = max(columnsA.low, columnsB.low) - min(columnsA.high, columnsB.high) - 1
        let across = columnGap >= rowGap
            ? min(columnsA.high - columnsA.low, columnsB.high - columnsB.low) + 1
            : min(rowsA.high - rowsA.low, rowsB.high - rowsB.low) + 1
        let gap = max(rowGap, columnGap)
        guard gap > 0 else { return false }
        return Float(across) >= apartSpanRatio * Float(gap)
    }

    /// Whether two groups of comparable cells (the smaller more than `comparablePieceShare` of the larger's) each span, on
    /// both axes, at least `apartSpanRatio` times the gap between their boxes: two broad movers side by side, whatever the
    /// ratio of their sides, never merge on timing (`mergingPieces`). `ofASize` takes a box half as tall as it is long for a
    /// line (a bow's end sweeping), which leaves `standApart` to blobs that are no wider than twice their height; two
    /// players shown as wide bands — `Media/two-instruments.mp4`'s waveforms, 12 × 28 cells each, 4 cells apart — are
    /// "lines" by that ratio and joined at the small pieces' bar on their timing alone. Sensor grain raises the correlation
    /// of their half-second curves (0.34 in the plain sample; with FFmpeg's `noise=alls=N:allf=t+u` and H.264, 0.46 at
    /// N = 10, 0.70 at 20, 0.77 at 30, 0.78 at 40): from 20 on they passed `pieceCorrelation` and the two players became one
    /// region over both panels and the still gap between them. A line broken in pieces along its axis is thin across it
    /// (a bow's line, 1–4 cells, is under `apartSpanRatio` times any gap of 2 or more), so it still joins on its timing; a
    /// broad piece beside a body holding more than twice its cells does too. 0 `apartSpanRatio` turns this off.
    func broadApart(_ a: [Int], _ b: [Int], map: MotionMap) -> Bool {
        guard apartSpanRatio > 0, !a.isEmpty, !b.isEmpty, ofComparableCells(a, b) else { return false }
        let between = gap(a, b, map: map)
        guard between > 0 else { return false }
        let (sidesA, sidesB) = (boxSides(a, map: map), boxSides(b, map: map))
        let narrowest = min(sidesA.height, sidesA.width, sidesB.height, sidesB.width)
        return Float(narrowest) >= apartSpanRatio * Float(between)
    }

    /// Cells between the bounding boxes of two groups (0 when they touch or overlap).
    func gap(_ a: [Int], _ b: [Int], map: MotionMap) -> Int {
        func box(_ g: [Int]) -> (r0: Int, c0: Int, r1: Int, c1: Int) {
            var r0 = Int.max, c0 = Int.max, r1 = Int.min, c1 = Int.min
            for cell in g { let r = cell / map.columns, c = cell % map.columns; r0 = min(r0, r); r1 = max(r1, r); c0 = min(c0, c); c1 = max(c1, c) }
            return (r0, c0, r1, c1)
        }
        let x = box(a), y = box(b)
        return max(max(0, max(x.r0, y.r0) - min(x.r1, y.r1) - 1), max(0, max(x.c0, y.c0) - min(x.c1, y.c1) - 1))
    }

    /// Merges, pair by pair (most correlated first), groups whose summed energy curves, over `steps` (nil: all),
    /// correlate at least `mergeCorrelation`.
    func mergingCorrelated(_ groups: [[Int]], map: MotionMap, steps: [Int]? = nil) -> [[Int]] {
        var groups = groups
        var curves = groups.map { summedCurve($0, map: map, steps: steps) }
        while groups.count > 1 {
            var best: (i: Int, j: Int, r: Float)?
            for i in groups.indices {
                for j in (i + 1)..<groups.count {
                    let r = correlation(curves[i], curves[j])
                    if r >= mergeCorrelation && r > (best?.r ?? -1) { best = (i, j, r) }
                }
            }
            guard let (i, j, _) = best else { break }
            groups[i] += groups.remove(at: j)
            curves.remove(at: j)
            curves[i] = summedCurve(groups[i], map: map, steps: steps)
        }
        return groups
    }

    /// The summed energy of `cells` at each of `steps` (nil: every step).
    func summedCurve(_ cells: [Int], map: MotionMap, steps: [Int]? = nil) -> [Float] {
        (steps ?? Array(0..<map.frameCount)).map { t in cells.reduce(Float(0)) { $0 + map.energies[t * map.cellCount + $1] } }
    }

    /// Pearson correlation; 0 when either curve is flat.
    func correlation(_ a: [Float], _ b: [Float]) -> Float {
        let n = Float(a.count)
        guard n > 1 else { return 0 }
        let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var ab: Float = 0, aa: Float = 0, bb: Float = 0
        for i in a.indices {
            let da = a[i] - ma, db = b[i] - mb
            ab += da * db; aa += da * da; bb += db * db
        }
        guard aa > 0, bb > 0 else { return 0 }
        return ab / (aa.squareRoot() * bb.squareRoot())
    }

    /// k-means over (z-scored curve, scaled position) features, seeded deterministically:
    /// the busiest cell first, then each next seed the cell farthest from the seeds so far.
    func cluster(_ active: [Int], into k: Int, map: MotionMap, means: [Float]) -> [[Int]] {
        guard active.count > k else { return active.map { [$0] } }
        let frames = map.frameCount
        let scale = 1 / Float(max(map.rows, map.columns))
        let dimension = frames + 2
        var features = [[Float]]()
        features.reserveCapacity(active.count)
        for cell in active {
            let curve = map.series(cell: cell)
            let mean = curve.reduce(0, +) / Float(max(frames, 1))
            var variance: Float = 0
            for v in curve { variance += (v - mean) * (v - mean) }
            let norm = max(variance.squareRoot(), 1e-12)
            var f = curve.map { ($0 - mean) / norm }
            f.append(positionWeight * Float(cell % map.columns) * scale)
            f.append(positionWeight * Float(cell / map.columns) * scale)
            features.append(f)
        }
        func distance(_ a: [Float], _ b: [Float]) -> Float {
            var s: Float = 0
            for i in 0..<dimension { let d = a[i] - b[i]; s += d * d }
            return s
        }
        var centroids = [features[active.indices.max { means[active[$0]] < means[active[$1]] }!]]
        var nearest = features.map { distance($0, centroids[0]) }
        while centroids.count < k {
            let next = nearest.indices.max { nearest[$0] < nearest[$1] }!
            centroids.append(features[next])
            for i in features.indices { nearest[i] = min(nearest[i], distance(features[i], features[next])) }
        }
        var assignment = [Int](repeating: 0, count: active.count)
        for _ in 0..<iterations {
            var changed = false
            for i in features.indices {
                var best = 0, bestDistance = Float.infinity
                for (j, centroid) in centroids.enumerated() {
                    let d = distance(features[i], centroid)
                    if d < bestDistance { bestDistance = d; best = j }
                }
                if assignment[i] != best { assignment[i] = best; changed = true }
            }
            for j in 0..<k {
                let members = features.indices.filter { assignment[$0] == j }
                guard !members.isEmpty else { continue }
                var c = [Float](repeating: 0, count: dimension)
                for i in members { for d in 0..<dimension { c[d] += features[i][d] } }
                centroids[j] = c.map { $0 / Float(members.count) }
            }
            if !changed { break }
        }
        return (0..<k).map { j in active.indices.filter { assignment[$0] == j }.map { active[$0] } }.filter { !$0.isEmpty }
    }

    func boundingBox(_ cells: [Int], map: MotionMap) -> MotionRegion {
        var left = Int.max, top = Int.max, right = 0, bottom = 0
        for cell in cells {
            let rect = map.rectangle(cell: cell)
            left = min(left, rect.x); top = min(top, rect.y)
            right = max(right, rect.x + rect.width); bottom = max(bottom, rect.y + rect.height)
        }
        return MotionRegion(x: left, y: top, width: right - left, height: bottom - top)
    }
}
