import Foundation

extension HarmonicNMF {
    /// Where each partial of each pitch reads a source's frequency envelope: `bands` triangles on log2(Hz) with
    /// centres spread evenly from 40 Hz to half the sample rate (a partition of unity), so a partial reads the two
    /// bands around its frequency, `weight` from the lower one.
    struct EnvelopeGrid {
        let bands: Int
        let pitchCount: Int
        /// Partials per pitch in the grid's rows, and how many of them lie below the top bins.
        let partialsPerPitch: Int
        let partialCount: [Int]
        /// pitches × partials: the lower band and its weight (the upper band, `lower + 1`, gets the rest).
        let lower: [Int]
        let weight: [Float]

        init(_ grid: PartialGrid, bands: Int, sampleRate: Int) {
            self.bands = max(0, bands)
            pitchCount = grid.pitches.count
            partialCount = grid.partialCount
            let hCount = grid.lobes.count / max(pitchCount, 1)
            var lower = [Int](repeating: 0, count: pitchCount * hCount), weight = [Float](repeating: 1, count: pitchCount * hCount)
            if bands > 1 {
                let low = log2(Float(40)), high = log2(Float(sampleRate) / 2)
                let step = (high - low) / Float(bands - 1)
                for (p, m) in grid.pitches.enumerated() {
                    let f0 = 440 * pow(2, (m - 69) / 12)
                    for h in 0..<hCount {
                        let position = (min(max(log2(Float(h + 1) * f0), low), high) - low) / step
                        let band = min(Int(position), bands - 2)
                        lower[p * hCount + h] = band
                        weight[p * hCount + h] = 1 - (position - Float(band))
                    }
                }
            }
            self.lower = lower
            self.weight = weight
            partialsPerPitch = hCount
        }

        /// Source `k`'s envelope at partial `h` of pitch `p` (1 without an envelope).
        @inline(__always)
        func value(_ envelopes: [Float], source k: Int, pitch p: Int, partial h: Int) -> Float {
            guard bands > 0 else { return 1 }
            let i = p * partialsPerPitch + h, b = lower[i], w = weight[i], row = k * bands
            return bands == 1 ? envelopes[row] : w * envelopes[row + b] + (1 - w) * envelopes[row + b + 1]
        }

        /// An envelope from `members` (pitch index, weight, partial amplitudes): each band the weighted mean of the
        /// amplitudes of the partials that read it; bands none reads are interpolated from their nearest read ones
        /// (the end values held), and every band lifted by a thousandth of the mean so the updates can still use it.
        func start(members: [(pitch: Int, weight: Float, amplitudes: [Float])]) -> [Float] {
            var num = [Float](repeating: 0, count: bands + 1), den = [Float](repeating: 0, count: bands + 1)
            for (p, weight, amplitudes) in members {
                for h in 0..<min(partialCount[p], amplitudes.count) {
                    let i = p * partialsPerPitch + h, w = self.weight[i], b = lower[i]
                    num[b] += weight * w * amplitudes[h]; den[b] += weight * w
                    num[b + 1] += weight * (1 - w) * amplitudes[h]; den[b + 1] += weight * (1 - w)
                }
            }
            let largest = den.prefix(bands).max() ?? 0
            let read = (0..<bands).filter { den[$0] > 1e-6 * largest && largest > 0 }
            guard !read.isEmpty else { return [Float](repeating: 1, count: bands) }
            var envelope = (0..<bands).map { b -> Float in
                if den[b] > 1e-6 * largest { return num[b] / den[b] }
                guard let next = read.first(where: { $0 > b }) else { return num[read.last!] / den[read.last!] }
                guard let previous = read.last(where: { $0 < b }) else { return num[next] / den[next] }
                let t = Float(b - previous) / Float(next - previous)
                return (1 - t) * num[previous] / den[previous] + t * num[next] / den[next]
            }
            let lift = 1e-3 * envelope.reduce(0, +) / Float(bands)
            envelope = envelope.map { $0 + lift }
            return envelope
        }

        /// The envelope's multiplicative update from the profile products the profile's own update used:
        /// e[k, b] ← e[k, b] · Σ_{p,h} φ_b(p, h) a[k, h] (G·M)[k, p, h] / Σ_{p,h} φ_b(p, h) a[k, h] Σ_t X[t, k, p].
        func update(_ envelopes: inout [Float], profiles: [Float], lobeProducts: [Float], unitTotals: [Float], sources: Int,
                    floor: Float) {
            let hCount = partialsPerPitch
            for k in 0..<sources {
                var num = [Float](repeating: 0, count: bands + 1), den = [Float](repeating: 0, count: bands + 1)
                for p in 0..<pitchCount {
                    let total = unitTotals[k * pitchCount + p]
                    for h in 0..<partialCount[p] {
                        let dot = lobeProducts[(k * pitchCount + p) * hCount + h]
                        let a = profiles[k * hCount + h], i = p * hCount + h, w = weight[i], b = lower[i]
                        num[b] += w * a * dot; den[b] += w * a * total
                        num[b + 1] += (1 - w) * a * dot; den[b + 1] += (1 - w) * a * total
                    }
                }
                for b in 0..<bands { envelopes[k * bands + b] *= num[b] / (den[b] + floor) }
            }
        }
    }
}
