import Foundation
import TandemCore

extension HarmonicNMF {
    /// Profiles (sources × partials) and activations (frames × units; the noise columns left at zero) from a
    /// plain NMF of the mixture, its harmonic components clustered into the sources.
    ///
    /// Random profiles let each source take notes of every instrument (on the tuning duets the sources then
    /// split the two players' energy about evenly: best permutation +6.5 and +0.5 dB on violin + cello);
    /// starting from what a plain NMF already separated, grouped by timbre *and* register (instruments of one
    /// family differ more by range than by partial shape), they start as instruments.
    ///
    /// Each NMF template gets the pitch whose first eight partials hold most of it (eight, not all: a pitch an
    /// octave too low holds all of the note's partials among its own, but only four of them in its first
    /// eight), its partial amplitudes at that pitch become its profile, and its energy is its activation sum.
    /// Components with little of their template on partials (noise, attacks) or little energy are left out.
    /// The rest are clustered by energy-weighted k-means on (log normalised profile of the first 12 partials,
    /// `registerWeight` × pitch in octaves), from eight energy-weighted random starts, keeping the lowest cost
    /// among clusterings that give every source at least a tenth of its fair share of energy.
    /// `plain`, when given, is that plain NMF already run by the caller.
    func initialise(_ values: [Float], frames: Int, bins: Int, sources: Int, grid: PartialGrid, unitCount: Int,
                    plain given: NMF.Factors?, rng: inout SplitMix64) throws -> (profiles: [Float], activations: [Float]) {
        let c = configuration
        let pitchCount = grid.pitches.count, hCount = c.partials
        let plain = try given ?? NMF(components: c.initialComponentsPerSource * sources, divergence: .kullbackLeibler,
                                     iterations: c.initialIterations, seed: c.seed).factorize(values, frames: frames, bins: bins)
        let count = plain.components
        var energy = [Float](repeating: 0, count: count)
        plain.activations.withUnsafeBufferPointer { h in
            for t in 0..<frames { for j in 0..<count { energy[j] += h[t * count + j] } }
        }
        var pitch = [Int](repeating: 0, count: count)
        var profile = [[Float]](repeating: [], count: count)
        var harmonicity = [Float](repeating: 0, count: count)
        plain.templates.withUnsafeBufferPointer { w in
            for j in 0..<count {
                let row = j * bins
                func amplitude(_ p: Int, _ h: Int) -> Float {
                    guard h < grid.partialCount[p] else { return 0 }
                    let lobe = grid.lobes[p * hCount + h]
                    var s: Float = 0
                    for (i, g) in lobe.values.enumerated() { s += g * w[row + lobe.start + i] }
                    return s
                }
                var best = 0, bestValue = -Float.infinity
                for p in 0..<pitchCount {
                    var s: Float = 0
                    for h in 0..<min(8, hCount) { s += amplitude(p, h) }
                    if s > bestValue { bestValue = s; best = p }
                }
                pitch[j] = best
                profile[j] = (0..<hCount).map { amplitude(best, $0) }
                var templateSum: Float = 0
                for f in 0..<bins { templateSum += w[row + f] }
                harmonicity[j] = profile[j].reduce(0, +) / (templateSum + 1e-12)
            }
        }
        let medianHarmonicity = Self.median(harmonicity), medianEnergy = Self.median(energy)
        var pool = (0..<count).filter { harmonicity[$0] > 0.5 * medianHarmonicity && energy[$0] > 0.2 * medianEnergy && pitch[$0] > 0 }
        if pool.count < sources { pool = (0..<count).filter { energy[$0] > 0 } }
        let head = min(12, hCount)
        let features: [[Float]] = (0..<count).map { j in
            let sum = profile[j].prefix(head).reduce(0, +) + 1e-12
            return profile[j].prefix(head).map { log($0 / sum + 1e-4) } + [c.registerWeight * Float(pitch[j]) / 12]
        }
        var label = [Int](repeating: 0, count: count)
        if pool.count >= sources {
            label = Self.clustered(features, pool: pool, weights: energy, into: sources, rng: &rng)
        } else {
            // Fewer components than sources (a near-silent input): spread them in pitch order.
            for (i, j) in pool.sorted(by: { pitch[$0] < pitch[$1] }).enumerated() { label[j] = i % sources }
        }

        var profiles = [Float](repeating: 1e-3, count: sources * hCount)
        var activations = [Float](repeating: 0, count: frames * unitCount)
        for k in 0..<sources {
            let members = pool.filter { label[$0] == k }
            let weight = members.reduce(Float(0)) { $0 + energy[$1] }
            guard weight > 0 else {
                for h in 0..<hCount { profiles[k * hCount + h] += 1 / Float(h + 1) }
                continue
            }
            for j in members {
                let sum = profile[j].reduce(0, +) + 1e-12
                for h in 0..<hCount { profiles[k * hCount + h] += energy[j] / weight * profile[j][h] / sum }
                // Its activation, scaled to the part of its template on partials, goes to its pitch.
                let scale = sum
                let unit = k * pitchCount + pitch[j]
                plain.activations.withUnsafeBufferPointer { h in
                    for t in 0..<frames { activations[t * unitCount + unit] += h[t * count + j] * scale }
                }
            }
        }
        // Every (source, pitch) starts above zero, or multiplicative updates could never use it.
        var mean: Double = 0
        for t in 0..<frames { for u in 0..<(sources * pitchCount) { mean += Double(activations[t * unitCount + u]) } }
        let lift = Float(0.05 * mean / Double(frames * sources * pitchCount)) + 1e-9
        for t in 0..<frames { for u in 0..<(sources * pitchCount) { activations[t * unitCount + u] += lift } }
        return (profiles, activations)
    }

    /// Energy-weighted k-means of `features[pool]` into `count` clusters; labels for every index (0 outside the pool).
    static func clustered(_ features: [[Float]], pool: [Int], weights: [Float], into count: Int, rng: inout SplitMix64) -> [Int] {
        func distance(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
        let totalWeight = pool.reduce(Float(0)) { $0 + weights[$1] }
        var best: (cost: Float, balanced: Bool, label: [Int])?
        for _ in 0..<8 {
            // Distinct starting members, drawn in proportion to their energy.
            var chosen: [Int] = []
            while chosen.count < count {
                let left = pool.filter { !chosen.contains($0) }
                let sum = left.reduce(Float(0)) { $0 + weights[$1] }
                var target = rng.nextUnitFloat() * sum
                var pick = left.last!
                for j in left { target -= weights[j]; if target <= 0 { pick = j; break } }
                chosen.append(pick)
            }
            var centres = chosen.map { features[$0] }
            var label = [Int](repeating: 0, count: features.count)
            for _ in 0..<30 {
                for j in pool {
                    var bestK = 0, bestD = Float.infinity
                    for k in 0..<count { let d = distance(features[j], centres[k]); if d < bestD { bestD = d; bestK = k } }
                    label[j] = bestK
                }
                for k in 0..<count {
                    let members = pool.filter { label[$0] == k }
                    let w = members.reduce(Float(0)) { $0 + weights[$1] }
                    guard w > 0 else { continue }
                    centres[k] = (0..<centres[k].count).map { d in members.reduce(Float(0)) { $0 + weights[$1] * features[$1][d] } / w }
                }
            }
            let cost = pool.reduce(Float(0)) { $0 + weights[$1] * distance(features[$1], centres[label[$1]]) }
            let shares = (0..<count).map { k in pool.filter { label[$0] == k }.reduce(Float(0)) { $0 + weights[$1] } / max(totalWeight, 1e-12) }
            let balanced = (shares.min() ?? 0) >= 0.1 / Float(count)
            if let b = best {
                if (balanced && !b.balanced) || (balanced == b.balanced && cost < b.cost) { best = (cost, balanced, label) }
            } else {
                best = (cost, balanced, label)
            }
        }
        return best!.label
    }

    static func median(_ x: [Float]) -> Float {
        guard !x.isEmpty else { return 0 }
        let s = x.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
