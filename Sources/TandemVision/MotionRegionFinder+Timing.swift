import Foundation

extension MotionRegionFinder {
    /// The time steps the finder compares timing on: all but those in which a large share of the picture moves
    /// at once (at least `wholePictureShare` of the cells above `movingLevel`, and at least `wholePictureRatio`
    /// times as many as in the median step). What `MotionMap` leaves of a flash clipped on a striped backdrop,
    /// or of a jolt of the camera, lights every player in the same one or two steps; two such spikes alone made
    /// two bows' curves correlate 0.77 (0.03 without them) and glued two players into one box. Players at
    /// their busiest light a few per cent of the cells. The map itself (and the curves the separation reads)
    /// keeps these steps.
    func timingSteps(in map: MotionMap) -> [Int] {
        let cells = map.cellCount
        guard cells > 0, map.frameCount > 0 else { return [] }
        var moving = [Int](repeating: 0, count: map.frameCount)
        for t in 0..<map.frameCount {
            let base = t * cells
            var count = 0
            for c in 0..<cells where map.energies[base + c] > movingLevel { count += 1 }
            moving[t] = count
        }
        let median = moving.sorted()[moving.count / 2]
        let floor = max(wholePictureShare * Float(cells), wholePictureRatio * Float(max(1, median)))
        return moving.indices.filter { Float(moving[$0]) < floor }
    }

    /// Steps in `pieceSmoothingSeconds` of the map (at least 1).
    func smoothingWidth(map: MotionMap) -> Int {
        let step = map.frameCount > 1 ? (map.times[map.frameCount - 1] - map.times[0]) / Double(map.frameCount - 1) : 1
        return step > 0 ? max(1, Int((pieceSmoothingSeconds / step).rounded())) : 1
    }

    /// The running mean of `curve` over `width` steps (centred, shorter at the ends).
    func smoothed(_ curve: [Float], width: Int) -> [Float] {
        let half = width / 2
        var prefix = [Float](repeating: 0, count: curve.count + 1)
        for i in curve.indices { prefix[i + 1] = prefix[i] + curve[i] }
        return curve.indices.map { i in
            let lo = max(0, i - half), hi = min(curve.count, i - half + width)
            return (prefix[hi] - prefix[lo]) / Float(hi - lo)
        }
    }
}
