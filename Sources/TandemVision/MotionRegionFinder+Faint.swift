import Foundation

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
    /// the picture's median cell (noise everywhere raises the bar with it); an 8-connected group of
    /// `minimumCells` or more of them is kept when some cell of it moves faintly in at least
    /// `minimumActivity` of the steps. Groups are joined when within `mergeGap` of each other, and only groups
    /// standing apart from every group already found (further than `mergeGap`) are returned: new players,
    /// never a bridge that would join two found players into one box.
    func faintMovers(besides groups: [[Int]], active: [Int], map: MotionMap) -> [[Int]] {
        guard faintLevel > 0, map.frameCount > 1 else { return [] }
        var bars = [Float](repeating: 0, count: map.cellCount)
        var activity = [Float](repeating: 0, count: map.cellCount)
        for c in 0..<map.cellCount {
            // The series is a fresh copy: its median is selected in place (the count above the bar does not
            // depend on the order selection leaves).
            var series = map.series(cell: c)
            bars[c] = OrderStatistic.select(series.count / 2, in: &series) + faintLevel
            activity[c] = Float(series.reduce(0) { $1 > bars[c] ? $0 + 1 : $0 }) / Float(map.frameCount)
        }
        let typical = OrderStatistic.median(activity)
        let floor = max(thinMoverActivity, 4 * typical)
        var taken = [Bool](repeating: false, count: map.cellCount)
        for c in active { taken[c] = true }
        for group in groups { for c in group { taken[c] = true } }
        let candidates = activity.indices.filter { !taken[$0] && activity[$0] >= floor }
        let found = components(candidates, map: map, means: activity, minimumShare: 0).filter { group in
            var moving = 0
            for t in 0..<map.frameCount where group.contains(where: { map.energies[t * map.cellCount + $0] > bars[$0] }) { moving += 1 }
            return Float(moving) >= minimumActivity * Float(map.frameCount)
        }
        return mergingNearby(found, map: map).filter { group in groups.allSatisfy { gap($0, group, map: map) > mergeGap } }
    }
}
