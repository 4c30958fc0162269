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
    /// cells, light bows' included, move in a few per cent to a third of the frames). Candidates are the cells
    /// neither active nor in a group yet that move faintly in at least `thinMoverActivity` of the steps and at
    /// least four times as often as the picture's median cell (noise everywhere raises the bar with it), and
    /// not within `faintBorderCells` of the picture's edge (where encoders and scalers make their own faint
    /// flicker); an 8-connected group of `minimumCells` or more of them is kept when some cell of it moves
    /// faintly in at least `minimumActivity` of the steps. A camera's sensor noise and its encode lift single
    /// cells in single steps everywhere (on camera-like footage the picture's median cell went over its bar in
    /// 2–6 % of the steps, plain 0.4 %), which lifts that floor over a faint player's cells (7.6–19 %), and a
    /// player's line whose cells pass it one here, one there makes no group (held-out #49 as footage: a bow's
    /// row, pairs of cells two or three apart). So the same two tests are also made with a cell's steps counted
    /// only when one of its eight neighbours moves faintly too within `faintNeighbourSteps` steps (`faintSteps`):
    /// a player's motion spans cells and steps, the noise's does not; a cell or group passing either counts.
    /// Groups are joined when within `mergeGap` of each other, and only groups standing apart from every group
    /// already found (further than `mergeGap`) are returned: new players, never a bridge that would join two
    /// found players into one box.
    func faintMovers(besides groups: [[Int]], active: [Int], map: MotionMap) -> [[Int]] {
        guard faintLevel > 0, map.frameCount > 1 else { return [] }
        let (bars, activity) = faintBars(map)
        let floor = max(thinMoverActivity, 4 * OrderStatistic.median(activity))
        // The same share counted over the steps a neighbour moves with the cell, with its own floor.
        var together = [Float](repeating: 0, count: map.cellCount)
        if faintNeighbourSteps >= 0 {
            faintSteps(map, bars: bars) { _, _, moving in
                for c in moving.indices where moving[c] { together[c] += 1 }
            }
            for c in together.indices { together[c] /= Float(map.frameCount) }
        }
        let togetherFloor = max(thinMoverActivity, 4 * OrderStatistic.median(together))
        var taken = [Bool](repeating: false, count: map.cellCount)
        for c in active { taken[c] = true }
        for group in groups { for c in group { taken[c] = true } }
        let edge = faintBorderCells
        func nearEdge(_ cell: Int) -> Bool {
            let r = cell / map.columns, c = cell % map.columns
            return r < edge || c < edge || r >= map.rows - edge || c >= map.columns - edge
        }
        let candidates = activity.indices.filter {
            !taken[$0] && (activity[$0] >= floor || (faintNeighbourSteps >= 0 && together[$0] >= togetherFloor)) && !nearEdge($0)
        }
        var found = components(candidates, map: map, means: activity, minimumShare: 0)
        guard !found.isEmpty else { return [] }
        var moving = [Int](repeating: 0, count: found.count), movingTogether = moving
        faintSteps(map, bars: bars) { _, above, near in
            for g in found.indices {
                if found[g].contains(where: { above[$0] }) { moving[g] += 1 }
                if found[g].contains(where: { near[$0] }) { movingTogether[g] += 1 }
            }
        }
        let steps = minimumActivity * Float(map.frameCount)
        found = found.indices.filter { Float(moving[$0]) >= steps || (faintNeighbourSteps >= 0 && Float(movingTogether[$0]) >= steps) }.map { found[$0] }
        return mergingNearby(found, map: map).filter { group in groups.allSatisfy { gap($0, group, map: map) > mergeGap } }
    }

    /// Calls `body` with each step in order, the cells above their bar in it, and those of them with one of their eight
    /// neighbours above its own bar in that step or within `faintNeighbourSteps` steps of it (none when that is
    /// negative). Holds only the rows of that window, never the clip's.
    func faintSteps(_ map: MotionMap, bars: [Float], _ body: (Int, [Bool], [Bool]) -> Void) {
        let cells = map.cellCount, steps = map.frameCount, rows = map.rows, columns = map.columns
        let reach = faintNeighbourSteps
        func above(_ t: Int) -> [Bool] { (0..<cells).map { map.energies[t * cells + $0] > bars[$0] } }
        guard reach >= 0 else {
            let none = [Bool](repeating: false, count: cells)
            for t in 0..<steps { body(t, above(t), none) }
            return
        }
        /// Whether some 8-neighbour of each cell is above its bar.
        func beside(_ own: [Bool]) -> [Bool] {
            var near = [Bool](repeating: false, count: cells)
            for c in 0..<cells where own[c] {
                let r = c / columns, k = c % columns
                for nr in max(0, r - 1)...min(rows - 1, r + 1) {
                    for nk in max(0, k - 1)...min(columns - 1, k + 1) where nr != r || nk != k { near[nr * columns + nk] = true }
                }
            }
            return near
        }
        let span = 2 * reach + 1
        var own = [[Bool]](repeating: [], count: span), near = [[Bool]](repeating: [], count: span)
        for t in 0..<(steps + reach) {
            if t < steps {
                own[t % span] = above(t)
                near[t % span] = beside(own[t % span])
            }
            let u = t - reach
            guard u >= 0 else { continue }
            var moving = own[u % span]
            let window = max(0, u - reach)...min(steps - 1, u + reach)
            for c in 0..<cells where moving[c] { moving[c] = window.contains { near[$0 % span][c] } }
            body(u, own[u % span], moving)
        }
    }

    /// Per cell, its bar (median energy over the steps plus `faintLevel`) and the share of steps above it.
    ///
    /// The cells' series are gathered a block of neighbouring cells at a time (one pass over the steps reads
    /// each block's cache line once, where one cell's series alone takes one line per step), and the blocks
    /// are split between the graph's threads; each cell's median and count are taken as alone, so the values
    /// do not depend on either.
    func faintBars(_ map: MotionMap) -> (bars: [Float], activity: [Float]) {
        let cells = map.cellCount, steps = map.frameCount, block = 16
        var bars = [Float](repeating: 0, count: cells), activity = [Float](repeating: 0, count: cells)
        let blocks = (cells + block - 1) / block
        let threads = min(2, max(1, ComputeContext.current?.threads ?? 1), blocks)
        map.energies.withUnsafeBufferPointer { energies in
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
