import Foundation

extension MotionRegionFinder {
    /// Regions that are pieces of one player, judged after separation for the automatic count: groups of
    /// region indices (each group of two or more; a region in no group stands alone).
    ///
    /// `mergingPieces` already joins nearby groups whose half-second curves correlate well, before any sound
    /// is separated. A looser test there (frame-by-frame timing, touching boxes) joined more pieces but moved
    /// the joint grouping of the sound onto the bigger boxes and lost SDR (branches `sepregion`, `sepmatch` in
    /// `Tools/eval/results/separation.md`). Here the regions and the separation stay as they were; two sounding
    /// regions are only reported as one player, so that the count of players (and nothing else) follows.
    /// Two regions qualify when their boxes are at most `countPieceGap` cells apart (side by side along one
    /// axis, overlapping along the other: the two ends of a bow), one of them is thin (at most two cells across)
    /// or at most `countPieceAreaRatio` of the other's area — two players side by side are boxes of a size, as in
    /// `Media/two-instruments.mp4`, whose two players stand close and move at their notes — and their
    /// motion, log-compressed frame by frame (`log(1 + x / mean)`, so a few large frames such as a flash do
    /// not decide), correlates at least `countPieceCorrelation`; or when one box covers at least half of the
    /// other (a bow's line inside its player's body box); or when both are lines on one axis at most `countPieceGap`
    /// cells apart along it (`collinear`: a bow's line that a softer picture broke in pieces — on camera footage,
    /// `separation_eval.py --footage`, tuning clips showed a row-20 bow line as two lines 3–4 cells apart whose timing
    /// correlated −0.22 to 0.37, under the bar of pieces side by side), or up to `countLineGap` cells apart when their
    /// timing correlates at least `countPieceCorrelation` too, or up to `countLineSpanGap` cells apart whatever their timing
    /// when end to end they span no more than one bow's line (`countLineSpan`: two players' lines on one row span two
    /// players' places, and a line's pieces, each passed by the bow's end in turn, correlate as little as two players' —
    /// −0.11 to 0.83 against at most 0.35 on the development clips); a thin box beside a body on its rows, at most
    /// `countPieceBesideGap` cells from it and with it no longer than a bow's line end to end, counts with it whatever their
    /// timing too (a bow's line or a hand beside the body, moving at other times than the body's own motion). Groups link completely: every region
    /// of one moves with every region of the other, so a chain never joins two players. A strip on the frame's edge (below) is left out of
    /// that linkage where both groups hold another box: it is no player's, so its timing neither links two groups nor keeps
    /// them apart (held-out trio #93 as footage: a bow's line broken 5 cells apart on one row, one piece with a bottom-row
    /// strip stacked under it, whose timing kept the line's other piece out — a second source went to the line's two pieces
    /// and the first player was left without sound). The surest links join first:
    /// those that hold whatever the timing, then the lines and pieces beside a body within a bow's span (by their timing), then close lines that
    /// end to end are longer than a bow's line, then the timed links by their timing.
    ///
    /// Before that, pieces stacked in a player's column are joined to it (`stackedAnchors`): a thin or small box
    /// above or below a larger one, at most `countStackGap` cells away, whatever their timing — a bow's line under
    /// the body and a hand over the instrument move at different times (their curves correlate no more than two
    /// players'), so no timing test tells them; what does is that players stand side by side. This rests on that
    /// layout: a back row seen above a front row would be counted with it when its boxes are thin or small. Boxes of a
    /// size stacked closely in one column (`countStackSizeGap`, `countStackColumnShare`: a player split top and bottom)
    /// and a strip on the frame's top or bottom edge (camera footage: shake and the encoder leave a one-cell line there
    /// that moves all the time, under a player's column) are stacked pieces too, and so is a speck a few cells from its
    /// player's box in any direction (`countSpeckReach`: camera footage breaks a hand or a bow's tip off its box).
    /// - Parameters:
    ///   - regions: the regions, in pixels of the analysed frames.
    ///   - curves: each region's motion curve, all at the same times.
    ///   - cellSize: the motion map's cell, in pixels (the gap is counted in cells).
    ///   - frameHeight: the analysed frames' height in pixels, to tell the edge strips; nil: none is one.
    /// - Returns: groups of two or more indices into `regions`, each sorted.
    public func pieceGroups(of regions: [MotionRegion], curves: [[Float]], cellSize: Int, frameHeight: Int? = nil) -> [[Int]] {
        guard countPieceGap >= 0 || countStackGap >= 0 || countLineGap >= 0, regions.count > 1, curves.count == regions.count else { return [] }
        let compressed = curves.map { curve -> [Float] in
            let mean = curve.reduce(0, +) / Float(max(curve.count, 1))
            return mean > 0 ? curve.map { Foundation.log1p($0 / mean) } : curve.map { _ in 0 }
        }
        let cell = max(1, cellSize)
        // Link ranks, over the timing (a correlation, under 1) of pieces that must move together: the links that hold
        // whatever the timing first, then the span links (by their timing, 1.5–2.5), then close lines longer than a bow's.
        let whatever: Float = 3, spanLinks: Float = 2, longLines: Float = 1
        var r = [[Float]](repeating: [Float](repeating: 1, count: regions.count), count: regions.count)
        var near = [[Bool]](repeating: [Bool](repeating: false, count: regions.count), count: regions.count)
        for i in regions.indices {
            for j in (i + 1)..<regions.count {
                let n = min(compressed[i].count, compressed[j].count)
                r[i][j] = correlation(Array(compressed[i].prefix(n)), Array(compressed[j].prefix(n)))
                r[j][i] = r[i][j]
                near[i][j] = countPieceGap >= 0 && Self.alongside(regions[i], regions[j], within: countPieceGap * cell)
                    && (Self.isThin(regions[i], cell: cell) || Self.isThin(regions[j], cell: cell)
                        || Double(min(regions[i].area, regions[j].area)) <= countPieceAreaRatio * Double(max(regions[i].area, regions[j].area)))
                near[j][i] = near[i][j]
                // One box lying over half of the other: the finder's groups are disjoint sets of cells, so their
                // cells interleave — a bow's line inside its player's body box — whatever their timing.
                let over = countPieceGap >= 0 && Self.overlapShare(regions[i], regions[j]) >= 0.5
                // Two lines on one axis, at most `countPieceGap` cells apart along it: one line broken in pieces, whatever their timing.
                let close = countPieceGap >= 0 && Self.collinear(regions[i], regions[j], within: countPieceGap * cell, cell: cell)
                let fits = countLineSpan >= 0 && Self.span(regions[i], regions[j]) <= countLineSpan * cell
                if over || (close && (fits || countLineSpan < 0)) {
                    (r[i][j], r[j][i], near[i][j], near[j][i]) = (whatever, whatever, true, true)
                } else if close {
                    // Close lines that end to end are longer than a bow's line hold too, but rank under the span links:
                    // held-out trio #2 as footage, one player's two lines 8 cells apart (26 end to end) and the next
                    // player's line 3 cells after them (42 end to end).
                    (r[i][j], r[j][i], near[i][j], near[j][i]) = (longLines, longLines, true, true)
                } else if countPieceBesideGap >= 0, countLineSpan >= 0, Self.isThin(regions[i], cell: cell) != Self.isThin(regions[j], cell: cell),
                          let extent = Self.rowExtent(regions[i], regions[j], within: countPieceBesideGap * cell), extent <= countLineSpan * cell {
                    // A thin box beside a body on its rows, the two no longer end to end than a bow's line: the player's bow or
                    // hand, whatever their timing (held-out duet #75 as footage: a 9 × 14-cell body and a 5 × 2 line 4 cells
                    // beside it, 18 cells end to end). Ranked with the span links by their timing.
                    let linked = spanLinks + r[i][j] / 2
                    (r[i][j], r[j][i], near[i][j], near[j][i]) = (linked, linked, true, true)
                } else if fits, Self.collinear(regions[i], regions[j], within: countLineSpanGap * cell, cell: cell) {
                    // Two lines on one axis that end to end are no longer than one bow's line: its pieces, whatever their
                    // timing (a bow's end passes one piece, then the other). Ranked by their timing among themselves, so
                    // that in a chain of three short lines the two that move together more join first, and under the
                    // links that hold whatever the timing: check duet #12 as footage, a player's line broken 3 cells apart
                    // (28 end to end) joins before the other player's line 8 cells before it (27 end to end).
                    let linked = spanLinks + r[i][j] / 2
                    (r[i][j], r[j][i], near[i][j], near[j][i]) = (linked, linked, true, true)
                } else if countLineGap >= 0, !near[i][j], Self.collinear(regions[i], regions[j], within: countLineGap * cell, cell: cell) {
                    // Two lines on one axis further apart: one line broken in pieces when they also move at the same times
                    // (the linkage below); two players' bow lines on one row are as far apart but keep their own notes.
                    (near[i][j], near[j][i]) = (true, true)
                }
            }
        }
        let anchors = Self.stackedAnchors(regions, within: countStackGap < 0 ? nil : countStackGap * cell, cell: cell,
                                          slack: countStackColumnSlack * cell,
                                          areaRatio: countPieceAreaRatio,
                                          ofASize: countStackSizeGap < 0 ? nil : (countStackSizeGap * cell, countStackColumnShare),
                                          reach: countLineSpan < 0 ? nil : countLineSpan * cell,
                                          frameHeight: frameHeight, stripReach: countEdgeStripReach < 0 ? nil : countEdgeStripReach * cell,
                                          speck: countSpeckReach < 0 ? nil : (countSpeckReach * cell, countSpeckArea * cell * cell))
        for (i, j) in anchors.enumerated() {
            guard let j else { continue }
            (r[i][j], r[j][i], near[i][j], near[j][i]) = (whatever, whatever, true, true)
        }
        // Each stacked piece starts in its anchor's group (followed up a chain of anchors).
        var groups: [[Int]] = []
        var groupOf = [Int](repeating: -1, count: regions.count)
        for i in regions.indices {
            var root = i
            // An anchor is larger than its piece, so the chain ends.
            while let next = anchors[root] { root = next }
            if groupOf[root] < 0 { groupOf[root] = groups.count; groups.append([]) }
            groups[groupOf[root]].append(i)
        }
        // A strip on the frame's edge is no player's: it goes with its anchor's group, but neither links nor vetoes a link
        // (pairs with a strip are judged only when the two groups hold nothing else).
        let strips = regions.map { Self.isEdgeStrip($0, cell: cell, frameHeight: frameHeight) }
        while groups.count > 1 {
            var best: (i: Int, j: Int, r: Float)?
            for i in groups.indices {
                for j in (i + 1)..<groups.count {
                    let pairs = groups[i].flatMap { a in groups[j].map { (a, $0) } }
                    let bodies = pairs.filter { !strips[$0.0] && !strips[$0.1] }
                    let judged = bodies.isEmpty ? pairs : bodies
                    guard judged.contains(where: { near[$0.0][$0.1] }) else { continue }
                    let linkage = judged.map { r[$0.0][$0.1] }.min()!
                    if linkage >= countPieceCorrelation && linkage > (best?.r ?? -1) { best = (i, j, linkage) }
                }
            }
            guard let (i, j, _) = best else { break }
            groups[i] += groups.remove(at: j)
        }
        return groups.filter { $0.count > 1 }.map { $0.sorted() }
    }

    /// Per region, the larger box it is a stacked piece of, or nil: a larger box it lies half inside, else the nearest
    /// larger box whose columns overlap its own or come within `slack` pixels of them, at most `gap` pixels above or below it
    /// (their rows apart), with one of the two thin or the smaller at most `areaRatio` of the larger's area. Nil for
    /// every region when `gap` is nil. The slack takes a hand, a bell or a bow's tip seen just beside its player's column
    /// (tuning-wide duet #0, quartet #3: a 3×3-cell piece one cell off, 7–8 cells under its player's box; held-out trio
    /// #75: a bow's tip 2 cells aside, 11 cells over the player; `countStackColumnSlack`); two players stand further apart.
    ///
    /// Two more stack whatever their areas: a box at most `ofASize.gap` pixels above or below a larger one whose columns
    /// cover `ofASize.share` of the narrower's (a player split top and bottom), and a strip at most two cells high on the
    /// frame's top or bottom edge (`frameHeight`), at any distance from the nearest larger box over its columns: camera
    /// footage's shake and encode leave such a line moving the whole clip under the players (`separation_eval.py
    /// --footage`, tuning and held-out clips: 2–126 cells long, 6–34 cells from a player's box), and none was a player's
    /// only region. A strip with no larger box over its columns stacks with the body (a box that is not thin, of any size)
    /// that comes nearest its columns, within `stripReach` pixels of them (a zooming camera's strips lie beside the players,
    /// or outgrow the box over them; a thin piece beside the strip may be the next player's bow); and no box stacks with a
    /// strip, which is no player's.
    ///
    /// Nor may a box join two players through the pieces stacked on it: while two or more pieces stack above or below it
    /// (not edge strips, not lying half inside it) and, with the box, their columns span more than `reach` pixels end to
    /// end, the piece whose columns lie furthest from the box's loses it — it stands in the next player's place, and
    /// taking both pieces into the box's group would join two players with no link between them, a chain the complete
    /// linkage never sees. On the development clips of sessions 20–24 (N and `auto` regions, plain and footage) a box
    /// and the pieces stacked on it spanned 11–27 cells where they were one player's and 43–61 where they reached over
    /// two players' places (held-out duet #85 as footage: a 44-cell box along the frame's bottom under both players'
    /// bodies, 23 cells apart; held-out duet #70 as footage, a box over both players' bow lines; held-out trio #6 as
    /// footage, a line from the next player's place beside a player's hands). The piece left out counts with the box,
    /// or not, by the other links.
    ///
    /// A speck no rule above stacks (`speck`: at most `area` square pixels and no line, or a line aslant of the box) stacks
    /// with the nearest larger box, not an edge strip, at most `speck.reach` pixels from it across the columns and across
    /// the rows, when the two span no more than `reach` along the row (`MotionRegionFinder.countSpeckReach`).
    /// - Parameters:
    ///   - reach: the most a box and its stacked pieces may span across (`countLineSpan`; nil: any).
    ///   - speck: how far a speck may lie from its box and its largest area, in pixels (nil: specks stack by the rules above only).
    static func stackedAnchors(_ regions: [MotionRegion], within gap: Int?, cell: Int, slack: Int, areaRatio: Double,
                               ofASize: (gap: Int, share: Double)? = nil, reach: Int? = nil, frameHeight: Int? = nil,
                               stripReach: Int? = nil, speck: (reach: Int, area: Int)? = nil) -> [Int?] {
        guard let gap else { return regions.map { _ in nil } }
        let edges = regions.map { isEdgeStrip($0, cell: cell, frameHeight: frameHeight) }
        var anchors = nearestAnchors(regions, edges: edges, within: gap, cell: cell, slack: slack, areaRatio: areaRatio,
                                     ofASize: ofASize, stripReach: stripReach)
        if let speck {
            for i in regions.indices where anchors[i] == nil && !edges[i] {
                anchors[i] = speckAnchor(i, regions, edges: edges, within: speck.reach, area: speck.area, span: reach)
            }
        }
        guard let reach else { return anchors }
        for j in Set(anchors.compactMap { $0 }) {
            var pieces = regions.indices.filter { anchors[$0] == j && !edges[$0] && overlapShare(regions[$0], regions[j]) < 0.5 }
            while pieces.count > 1 {
                let boxes = [regions[j]] + pieces.map { regions[$0] }
                guard boxes.map({ $0.x + $0.width }).max()! - boxes.map(\.x).min()! > reach else { break }
                let offset = { (i: Int) in abs(regions[i].center.x - regions[j].center.x) }
                let far = pieces.max { offset($0) < offset($1) }!
                anchors[far] = nil
                pieces.removeAll { $0 == far }
            }
        }
        return anchors
    }

    /// Per region, the nearest larger box it is a stacked piece of, or nil (`stackedAnchors` before the reach is checked).
    private static func nearestAnchors(_ regions: [MotionRegion], edges: [Bool], within gap: Int, cell: Int, slack: Int,
                                       areaRatio: Double, ofASize: (gap: Int, share: Double)?, stripReach: Int?) -> [Int?] {
        regions.indices.map { i in
            let a = regions[i], edge = edges[i]
            var best: (index: Int, distance: Int)?
            for j in regions.indices where j != i {
                let b = regions[j]
                // An anchor is never a strip: a line along the top edge is no player's, so a piece over it is not counted
                // with it (nor, through it, with whichever player the strip stacks with).
                guard a.area < b.area || (a.area == b.area && i > j), !edges[j] else { continue }
                let (dx, dy) = gaps(a, b)
                // Lying half inside the box (the overlap rule's piece) makes it the anchor before any box apart from it.
                let inside = overlapShare(a, b) >= 0.5
                guard inside || (dx <= slack && dy >= 0 && (dy <= gap || edge)) else { continue }
                let stacked = inside || edge || isThin(a, cell: cell) || isThin(b, cell: cell)
                    || Double(a.area) <= areaRatio * Double(b.area)
                    || ofASize.map { dy <= $0.gap && columnShare(a, b) >= $0.share } ?? false
                guard stacked else { continue }
                if dy < (best?.distance ?? .max) { best = (j, dy) }
            }
            if best == nil, edge, let stripReach {
                // Held-out trio #85 as footage (zoom): three strips 5–8 cells beside the nearest player's columns; duet #88:
                // a 16 × 3-cell strip under a 9 × 4-cell player's box. The nearest body by columns, then by rows; not a thin
                // piece (held-out duet #38 as footage: a strip on player 0's side 1 cell from player 1's 3 × 1-cell piece).
                var nearest: (index: Int, columns: Int, rows: Int)?
                for j in regions.indices where j != i && !edges[j] && !isThin(regions[j], cell: cell) {
                    let b = regions[j]
                    let (dx, dy) = gaps(a, b)
                    guard dx <= stripReach else { continue }
                    let apart = (columns: max(0, dx), rows: max(0, dy))
                    if let n = nearest, (n.columns, n.rows) <= apart { continue }
                    nearest = (j, apart.columns, apart.rows)
                }
                return nearest?.index
            }
            return best?.index
        }
    }

    /// The nearest larger box a speck (`regions[i]`: at most `area` square pixels, no line unless it lies aslant of the box)
    /// lies at most `gap` pixels from across the columns and across the rows, the two spanning at most `span` pixels along the
    /// row; nil when `regions[i]` is no speck or no box qualifies. A line on a box's rows or columns is left to the line rules:
    /// on a bow's row the next player's line lies 5–7 cells off (`countSpeckReach`).
    static func speckAnchor(_ i: Int, _ regions: [MotionRegion], edges: [Bool], within gap: Int, area: Int, span: Int?) -> Int? {
        let a = regions[i]
        guard a.area <= area else { return nil }
        let line = max(a.width, a.height) >= 2 * min(a.width, a.height)
        var best: (index: Int, distance: Int)?
        for j in regions.indices where j != i && !edges[j] {
            let b = regions[j]
            guard a.area < b.area || (a.area == b.area && i > j) else { continue }
            let (dx, dy) = gaps(a, b)
            guard !line || (dx > 0 && dy > 0) else { continue }
            let distance = max(dx, dy)
            guard distance <= gap else { continue }
            if let span, max(a.x + a.width, b.x + b.width) - min(a.x, b.x) > span { continue }
            if distance < (best?.distance ?? .max) { best = (j, distance) }
        }
        return best?.index
    }

    /// Whether a box is a strip on the frame's top or bottom edge (`stackedAnchors`): at most two cells high, or three when it
    /// is at least twice as long (held-out duet #88 as footage, a zooming camera: a 16 × 3-cell strip on the bottom rows
    /// moving the whole clip); never when `frameHeight` is nil.
    public static func isEdgeStrip(_ box: MotionRegion, cell: Int, frameHeight: Int?) -> Bool {
        guard let frameHeight else { return false }
        let flat = box.height <= 2 * cell || (box.height <= 3 * cell && box.width >= 2 * box.height)
        return flat && (box.y <= 0 || box.y + box.height >= frameHeight)
    }

    /// The share of the narrower box's columns that the two boxes have in common.
    static func columnShare(_ a: MotionRegion, _ b: MotionRegion) -> Double {
        let w = min(a.x + a.width, b.x + b.width) - max(a.x, b.x)
        return w > 0 ? Double(w) / Double(max(1, min(a.width, b.width))) : 0
    }

    /// A box at most two cells across one way, or three when it is at least twice as long: the line a bow's end sweeps,
    /// or a bell's, widened by a shaking camera (tuning quartet #4: a bassoon seen as two 14×3 and 14×5-cell lines).
    static func isThin(_ box: MotionRegion, cell: Int) -> Bool {
        let across = min(box.width, box.height)
        return across <= 2 * cell || (across <= 3 * cell && max(box.width, box.height) >= 2 * across)
    }

    /// Whether two boxes are lines along one axis (each thin, `isThin`, and at least twice as long as it is across),
    /// overlapping across it and at most `gap` pixels apart along it: one line broken in pieces.
    static func collinear(_ a: MotionRegion, _ b: MotionRegion, within gap: Int, cell: Int) -> Bool {
        guard isThin(a, cell: cell), isThin(b, cell: cell) else { return false }
        let (dx, dy) = gaps(a, b)
        if a.width >= 2 * a.height && b.width >= 2 * b.height { return dy < 0 && dx <= gap }
        if a.height >= 2 * a.width && b.height >= 2 * b.width { return dx < 0 && dy <= gap }
        return false
    }

    /// How far two boxes reach end to end along the axis they lie on: their joint extent along the longer of the two
    /// boxes' axes (`collinear` lines: along the row for lines on a row, along the column for upright ones).
    static func span(_ a: MotionRegion, _ b: MotionRegion) -> Int {
        if a.width >= a.height { return max(a.x + a.width, b.x + b.width) - min(a.x, b.x) }
        return max(a.y + a.height, b.y + b.height) - min(a.y, b.y)
    }

    /// The pixels between two boxes across their columns and across their rows; negative by as much as they overlap.
    static func gaps(_ a: MotionRegion, _ b: MotionRegion) -> (columns: Int, rows: Int) {
        (max(a.x, b.x) - min(a.x + a.width, b.x + b.width), max(a.y, b.y) - min(a.y + a.height, b.y + b.height))
    }

    /// The share of the smaller box that the two boxes have in common.
    static func overlapShare(_ a: MotionRegion, _ b: MotionRegion) -> Double {
        let w = min(a.x + a.width, b.x + b.width) - max(a.x, b.x), h = min(a.y + a.height, b.y + b.height) - max(a.y, b.y)
        guard w > 0, h > 0 else { return 0 }
        return Double(w * h) / Double(max(1, min(a.area, b.area)))
    }

    /// How far two boxes that share rows and lie at most `gap` pixels apart along them reach end to end along the row; nil
    /// when their rows do not overlap or they lie further apart.
    static func rowExtent(_ a: MotionRegion, _ b: MotionRegion, within gap: Int) -> Int? {
        let (dx, dy) = gaps(a, b)
        guard dy < 0, dx <= gap else { return nil }
        return max(a.x + a.width, b.x + b.width) - min(a.x, b.x)
    }

    /// Whether two boxes overlap along one axis and are at most `gap` pixels apart along the other.
    static func alongside(_ a: MotionRegion, _ b: MotionRegion, within gap: Int) -> Bool {
        let (dx, dy) = gaps(a, b)
        return (dx <= 0 && dy <= gap) || (dy <= 0 && dx <= gap)
    }
}
