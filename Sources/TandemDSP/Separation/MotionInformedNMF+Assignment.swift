import Foundation

extension MotionInformedNMF {
    /// Scores every (component, region) pair and attributes each component to one region.
    /// - Returns: per region its components and a 0…1 confidence.
    func assign(_ factors: NMF.Factors, motion: [[Float]], frameSeconds: Double) -> ([[Int]], [Float]) {
        let regions = motion.count, k = factors.components
        let smooth = max(1, Int((configuration.smoothingSeconds / frameSeconds).rounded()))
        let maxLag = Int((configuration.maximumLagSeconds / frameSeconds).rounded())
        let motionCurves = motion.map { Self.movingAverage($0, smooth) }
        var score = [[Float]](repeating: [Float](repeating: 0, count: regions), count: k)
        var energy = [Float](repeating: 0, count: k)
        for c in 0..<k {
            let activation = factors.activation(c)
            energy[c] = activation.reduce(0, +)
            let onsets = Self.movingAverage(Self.onsetCurve(activation), smooth)
            for r in 0..<regions { score[c][r] = Self.laggedCorrelation(onsets, motionCurves[r], maxLag: maxLag) }
        }
        var owner = (0..<k).map { c in (0..<regions).max { score[c][$0] < score[c][$1] } ?? 0 }
        // A region left without components takes its best one from a region that has several.
        for r in 0..<regions where !owner.contains(r) {
            let candidates = (0..<k).filter { c in owner.filter { $0 == owner[c] }.count > 1 }
            if let best = candidates.max(by: { score[$0][r] < score[$1][r] }) { owner[best] = r }
        }
        let groups = (0..<regions).map { r in (0..<k).filter { owner[$0] == r } }
        let confidence = groups.enumerated().map { r, members -> Float in
            let total = members.reduce(Float(0)) { $0 + energy[$1] }
            guard total > 0 else { return 0 }
            let weighted = members.reduce(Float(0)) { $0 + energy[$1] * score[$1][r] } / total
            return min(1, max(0, weighted))
        }
        return (groups, confidence)
    }

    /// Half-wave-rectified frame-to-frame rise of the log-compressed activation: where notes start.
    static func onsetCurve(_ activation: [Float]) -> [Float] {
        let mean = activation.reduce(0, +) / Float(max(activation.count, 1))
        guard mean > 0 else { return [Float](repeating: 0, count: activation.count) }
        let compressed = activation.map { Foundation.log1p($0 / mean) }
        var onsets = [Float](repeating: 0, count: activation.count)
        for t in 1..<max(compressed.count, 1) { onsets[t] = max(0, compressed[t] - compressed[t - 1]) }
        return onsets
    }

    /// Centred moving average of `width` samples (shorter at the ends).
    static func movingAverage(_ x: [Float], _ width: Int) -> [Float] {
        guard width > 1, !x.isEmpty else { return x }
        var prefix = [Double](repeating: 0, count: x.count + 1)
        for i in x.indices { prefix[i + 1] = prefix[i] + Double(x[i]) }
        let half = width / 2
        return x.indices.map { i in
            let lo = max(0, i - half), hi = min(x.count, i - half + width)
            return Float((prefix[hi] - prefix[lo]) / Double(hi - lo))
        }
    }

    /// The largest Pearson correlation of `a[t]` with `b[t + lag]` over `|lag| ≤ maxLag` (0 when either is flat).
    static func laggedCorrelation(_ a: [Float], _ b: [Float], maxLag: Int) -> Float {
        var best: Float = -1
        for lag in -maxLag...maxLag {
            let start = max(0, -lag), end = min(a.count, b.count - lag)
            guard end - start > 2 else { continue }
            var sa = 0.0, sb = 0.0
            for t in start..<end { sa += Double(a[t]); sb += Double(b[t + lag]) }
            let m = Double(end - start)
            let ma = sa / m, mb = sb / m
            var cov = 0.0, va = 0.0, vb = 0.0
            for t in start..<end {
                let x = Double(a[t]) - ma, y = Double(b[t + lag]) - mb
                cov += x * y; va += x * x; vb += y * y
            }
            guard va > 0, vb > 0 else { continue }
            best = max(best, Float(cov / (va * vb).squareRoot()))
        }
        return best == -1 ? 0 : best
    }
}
