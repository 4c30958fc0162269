import Foundation

extension MotionInformedNMF {
    /// Who made which part of the mixture: per region its components, a 0…1 confidence, and whether
    /// the region is taken to make sound at all.
    struct Attribution {
        var groups: [[Int]]
        var confidence: [Float]
        var sounding: [Bool]
    }

    /// Scores every (component, region) pair with two kinds of evidence and attributes each component
    /// to the region whose motion explains it best, among the regions kept as sounding.
    ///
    /// - Onsets: the component's onset curve against the region's motion (a strike, a bow change, a
    ///   breath moves the player when a note starts).
    /// - Energy over time: the component's activation against the region's motion, both averaged over
    ///   `envelopeSeconds` (a bowing arm, a glow or a swaying body move all through a phrase and stop in
    ///   a pause, without marking single onsets).
    /// Each is the best Pearson correlation over small lags; the score is their mean.
    ///
    /// Regions compete: while more regions are kept than wanted (`sources`), or while the region with
    /// the least evidence — the energy of its components times their scores — holds less than
    /// `minimumEvidenceShare` of all evidence, that region is dropped as silent and its components go to
    /// their next best region (so asking for more sources than there are players leaves the extra
    /// regions silent rather than splitting a player). A dancer, a conductor or a moving background explains
    /// some components by chance, but never as well as the player who makes them.
    func attribute(_ factors: NMF.Factors, motion: [[Float]], frameSeconds: Double, sources: Int?) -> Attribution {
        let regions = motion.count, k = factors.components
        let score = scores(factors, motion: motion, frameSeconds: frameSeconds)
        let energy = (0..<k).map { factors.activation($0).reduce(0, +) }
        var kept = Array(0..<regions)
        var owner = [Int](repeating: 0, count: k)
        func assignOwners() {
            for c in 0..<k { owner[c] = kept.max { score[c][$0] < score[c][$1] } ?? 0 }
        }
        func evidence(_ r: Int) -> Float {
            (0..<k).reduce(Float(0)) { owner[$1] == r ? $0 + energy[$1] * max(0, score[$1][r]) : $0 }
        }
        assignOwners()
        while kept.count > 1 {
            let evidences = kept.map(evidence)
            let total = evidences.reduce(0, +)
            let weakest = evidences.indices.min { evidences[$0] < evidences[$1] }!
            let tooMany = sources.map { kept.count > $0 } ?? false
            // With nothing to go on (silence), every region is kept: no evidence is not evidence against one.
            let tooWeak = total > 0 && evidences[weakest] < configuration.minimumEvidenceShare * total
            guard tooMany || tooWeak else { break }
            kept.remove(at: weakest)
            assignOwners()
        }
        // A kept region left without components takes its best one from a region that has several.
        for r in kept where !owner.contains(r) {
            let candidates = (0..<k).filter { c in owner.filter { $0 == owner[c] }.count > 1 }
            if let best = candidates.max(by: { score[$0][r] < score[$1][r] }) { owner[best] = r }
        }
        if configuration.refinesAssignment && kept.count > 1 && k > kept.count {
            owner = refined(owner, kept: kept, factors: factors, motion: motion, frameSeconds: frameSeconds)
        }
        let groups = (0..<regions).map { r in kept.contains(r) ? (0..<k).filter { owner[$0] == r } : [] }
        let confidence = (0..<regions).map { r -> Float in
            let members = groups[r]
            let total = members.reduce(Float(0)) { $0 + energy[$1] }
            guard total > 0 else {
                // A silent region: how far its best evidence falls short is not a confidence in it.
                return 0
            }
            let weighted = members.reduce(Float(0)) { $0 + energy[$1] * score[$1][r] } / total
            return min(1, max(0, weighted))
        }
        return Attribution(groups: groups, confidence: confidence, sounding: (0..<regions).map { kept.contains($0) })
    }

    /// Regroups the components among the `kept` regions so that each region's *source* — the sum of its
    /// components' activations — follows that region's motion as well as possible.
    ///
    /// One component's activation covers a few notes and correlates only weakly with a player's motion,
    /// so the per-component choice is often close to a coin toss, and a player whose notes are spread
    /// over many weak components loses them. A whole source follows its player's playing much more
    /// clearly. Two groupings are scored by the mean over regions of their source's evidence (the same
    /// onset and energy-over-time correlations `scores` uses, on the summed activation): the
    /// per-component choice, and timbre clusters (the templates' spectral shape, two per region) each
    /// given whole to the region that explains the cluster's summed activation best — timbre keeps
    /// an instrument's notes together when the motion cannot tell them apart. The better one is then
    /// improved by moving single components between regions while that raises the mean (a few passes,
    /// no region left empty).
    func refined(_ owner: [Int], kept: [Int], factors: NMF.Factors, motion: [[Float]], frameSeconds: Double) -> [Int] {
        let k = factors.components, frames = factors.frames
        let smooth = max(1, Int((configuration.smoothingSeconds / frameSeconds).rounded()))
        let long = max(1, Int((configuration.envelopeSeconds / frameSeconds).rounded()))
        let maxLag = Int((configuration.maximumLagSeconds / frameSeconds).rounded())
        let envelopeLag = Int((2 * configuration.maximumLagSeconds / frameSeconds).rounded())
        let motionShort = motion.map { Self.movingAverage($0, smooth) }
        let motionLong = motion.map { Self.movingAverage($0, long) }
        let activations = (0..<k).map { factors.activation($0) }
        func evidence(_ members: [Int], _ r: Int) -> Float {
            guard !members.isEmpty else { return -1 }
            var sum = [Float](repeating: 0, count: frames)
            for c in members { for t in 0..<frames { sum[t] += activations[c][t] } }
            let onset = Self.laggedCorrelation(Self.movingAverage(Self.onsetCurve(sum), smooth), motionShort[r], maxLag: maxLag)
            let level = Self.laggedCorrelation(Self.movingAverage(Self.compressed(sum), long), motionLong[r], maxLag: envelopeLag)
            return configuration.onsetWeight * onset + (1 - configuration.onsetWeight) * level
        }
        func members(_ owner: [Int], _ r: Int) -> [Int] { (0..<k).filter { owner[$0] == r } }
        func objective(_ owner: [Int]) -> Float { kept.reduce(Float(0)) { $0 + evidence(members(owner, $1), $1) } / Float(kept.count) }

        var best = owner
        var bestScore = objective(owner)
        // Timbre clusters, each to the region that explains it best.
        let (clusters, _) = Self.groupBySpectralShape(factors, into: min(k - 1, 2 * kept.count))
        var byTimbre = owner
        for cluster in clusters where !cluster.isEmpty {
            let r = kept.max { evidence(cluster, $0) < evidence(cluster, $1) }!
            for c in cluster { byTimbre[c] = r }
        }
        if kept.allSatisfy({ byTimbre.contains($0) }) {
            let score = objective(byTimbre)
            if score > bestScore { best = byTimbre; bestScore = score }
        }
        // Single moves, loudest components first.
        let energy = activations.map { $0.reduce(0, +) }
        let order = (0..<k).sorted { energy[$0] > energy[$1] }
        var current = kept.map { evidence(members(best, $0), $0) }
        for _ in 0..<3 {
            var moved = false
            for c in order {
                let from = best[c]
                guard let i = kept.firstIndex(of: from) else { continue }
                let without = members(best, from).filter { $0 != c }
                guard !without.isEmpty else { continue }
                let fromScore = evidence(without, from)
                var choice: (j: Int, gain: Float, score: Float)?
                for (j, r) in kept.enumerated() where r != from {
                    let toScore = evidence(members(best, r) + [c], r)
                    let gain = fromScore + toScore - current[i] - current[j]
                    if gain > 1e-4 && gain > (choice?.gain ?? 0) { choice = (j, gain, toScore) }
                }
                if let choice {
                    best[c] = kept[choice.j]
                    current[i] = fromScore
                    current[choice.j] = choice.score
                    moved = true
                }
            }
            if !moved { break }
        }
        return best
    }

    /// `score[component][region]`: the mean of the onset and the energy-over-time correlations.
    func scores(_ factors: NMF.Factors, motion: [[Float]], frameSeconds: Double) -> [[Float]] {
        let regions = motion.count, k = factors.components
        let smooth = max(1, Int((configuration.smoothingSeconds / frameSeconds).rounded()))
        let long = max(1, Int((configuration.envelopeSeconds / frameSeconds).rounded()))
        let maxLag = Int((configuration.maximumLagSeconds / frameSeconds).rounded())
        let envelopeLag = Int((2 * configuration.maximumLagSeconds / frameSeconds).rounded())
        let motionShort = motion.map { Self.movingAverage($0, smooth) }
        let motionLong = motion.map { Self.movingAverage($0, long) }
        var score = [[Float]](repeating: [Float](repeating: 0, count: regions), count: k)
        for c in 0..<k {
            let activation = factors.activation(c)
            let onsets = Self.movingAverage(Self.onsetCurve(activation), smooth)
            let envelope = Self.movingAverage(Self.compressed(activation), long)
            for r in 0..<regions {
                let onset = Self.laggedCorrelation(onsets, motionShort[r], maxLag: maxLag)
                let level = Self.laggedCorrelation(envelope, motionLong[r], maxLag: envelopeLag)
                score[c][r] = configuration.onsetWeight * onset + (1 - configuration.onsetWeight) * level
            }
        }
        return score
    }

    /// `log(1 + a / mean)`: loud and quiet notes weigh alike.
    static func compressed(_ activation: [Float]) -> [Float] {
        let mean = activation.reduce(0, +) / Float(max(activation.count, 1))
        guard mean > 0 else { return [Float](repeating: 0, count: activation.count) }
        return activation.map { Foundation.log1p($0 / mean) }
    }

    /// Half-wave-rectified frame-to-frame rise of the log-compressed activation: where notes start.
    static func onsetCurve(_ activation: [Float]) -> [Float] {
        let compressed = compressed(activation)
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
