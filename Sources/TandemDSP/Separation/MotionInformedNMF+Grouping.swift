import Foundation

extension MotionInformedNMF {
    /// Groups NMF components into the regions' sources by timbre and whole-source motion evidence
    /// together, under one objective:
    ///
    ///     J = mean over regions of E(source, region) + λ · Σ_regions ‖Σ_{c ∈ region} e_c f_c‖ / Σ_c e_c
    ///
    /// `E` is the onset and energy-over-time evidence of the region's *summed* activation against its
    /// motion (`SourceEvidence`): one component covers a few notes and hardly follows a player's bowing
    /// or swaying, a whole source does. The second term is timbre coherence: `f_c` is a component's
    /// log-compressed, unit-length spectral template joined with its spectral envelope
    /// (`groupingFeatures`, `Configuration.envelopeWeight`) and `e_c` its energy, so the term is the
    /// energy-weighted mean cosine of each component to its group's timbre centroid (spherical k-means'
    /// objective); it keeps an instrument's notes together where the motion cannot tell them apart.
    /// λ is `Configuration.timbreWeight`; when two regions are left, `regroupedPair` groups once more with
    /// `Configuration.duetTimbreWeight`.
    ///
    /// `J` is raised by local search (single components moved, loudest first, and whole groups swapped
    /// between two regions) from several starts — each component to its best region, timbre clusters each
    /// given whole to the region that explains it best, and one timbre cluster per region matched to the
    /// regions as a whole — and the best end point is kept. No region is ever left empty.
    struct JointGrouping {
        let activations: [[Float]]
        let energy: [Float]
        let features: [[Float]]
        private(set) var evidence: SourceEvidence
        var timbreWeight: Float
        let totalEnergy: Float
        let factors: NMF.Factors
        /// `score[c][r]`: one component's evidence for one region (the per-component choice).
        private(set) var score: [[Float]]

        /// A grouping with what the objective needs cached per region (indexed by region, all regions).
        struct State {
            var owner: [Int]
            var sums: [[Float]]
            var timbre: [[Float]]
            var norms: [Float]
            var energies: [Float]
            var scores: [Float]
            var counts: [Int]
        }

        init(_ factors: NMF.Factors, evidence: SourceEvidence, timbreWeight: Float, envelopeWeight: Float) {
            self.factors = factors
            self.evidence = evidence
            self.timbreWeight = timbreWeight
            activations = (0..<factors.components).map { factors.activation($0) }
            energy = activations.map { $0.reduce(0, +) }
            totalEnergy = max(energy.reduce(0, +), 1e-20)
            features = MotionInformedNMF.groupingFeatures(factors, envelopeWeight: envelopeWeight)
            score = Self.scores(activations, evidence)
        }

        /// Per component, its evidence for each region.
        private static func scores(_ activations: [[Float]], _ evidence: SourceEvidence) -> [[Float]] {
            activations.map { a in
                let curves = evidence.curves(a)
                return (0..<evidence.regions).map { evidence.score(curves, region: $0) }
            }
        }

        var components: Int { activations.count }

        func state(_ owner: [Int]) -> State {
            let regions = evidence.regions, frames = factors.frames, dimension = features.first?.count ?? 0
            var s = State(owner: owner, sums: Array(repeating: Array(repeating: 0, count: frames), count: regions),
                          timbre: Array(repeating: Array(repeating: 0, count: dimension), count: regions),
                          norms: Array(repeating: 0, count: regions), energies: Array(repeating: 0, count: regions),
                          scores: Array(repeating: -1, count: regions), counts: Array(repeating: 0, count: regions))
            for c in owner.indices {
                let r = owner[c]
                for t in 0..<frames { s.sums[r][t] += activations[c][t] }
                for i in 0..<dimension { s.timbre[r][i] += energy[c] * features[c][i] }
                s.energies[r] += energy[c]
                s.counts[r] += 1
            }
            for r in 0..<regions where s.counts[r] > 0 {
                s.norms[r] = norm(s.timbre[r])
                s.scores[r] = evidence(s.sums[r], region: r)
            }
            return s
        }

        func objective(_ s: State, kept: [Int]) -> Float {
            let motion = kept.reduce(Float(0)) { $0 + s.scores[$1] } / Float(max(kept.count, 1))
            let timbre = kept.reduce(Float(0)) { $0 + s.norms[$1] } / totalEnergy
            return motion + timbreWeight * timbre
        }

        /// The whole-source objective the regions compete on: the energy-weighted evidence — how well, on
        /// average over the mixture's energy, the region that holds each part explains it — plus λ times
        /// the timbre coherence. Unlike `objective` (a mean over regions), it is comparable between
        /// different sets of kept regions: a region whose sound another region explains as well, in the
        /// same timbre (a second piece of one player), costs nothing to drop; a player whose notes would
        /// have to join another instrument's costs both evidence and coherence.
        func explained(_ s: State, kept: [Int]) -> Float {
            let motion = kept.reduce(Float(0)) { $0 + s.energies[$1] / totalEnergy * max(-1, s.scores[$1]) }
            let timbre = kept.reduce(Float(0)) { $0 + s.norms[$1] } / totalEnergy
            return motion + timbreWeight * timbre
        }

        /// Every component to its best region among `kept`; an empty region takes its best component from
        /// a region that has several.
        func perComponent(kept: [Int]) -> [Int] {
            var owner = (0..<components).map { c in kept.max { score[c][$0] < score[c][$1] }! }
            filled(&owner, kept: kept)
            return owner
        }

        func filled(_ owner: inout [Int], kept: [Int]) {
            for r in kept where !owner.contains(r) {
                let candidates = (0..<components).filter { c in owner.filter { $0 == owner[c] }.count > 1 }
                if let best = candidates.max(by: { score[$0][r] < score[$1][r] }) { owner[best] = r }
            }
        }

        /// The starting groupings: per component, `2·|kept|` timbre clusters each to its best region, and
        /// `|kept|` timbre clusters matched one to one with the regions.
        func starts(kept: [Int]) -> [[Int]] {
            var starts = [perComponent(kept: kept)]
            let k = components
            func sum(_ members: [Int]) -> [Float] {
                var s = [Float](repeating: 0, count: factors.frames)
                for c in members { for t in s.indices { s[t] += activations[c][t] } }
                return s
            }
            let (fine, _) = MotionInformedNMF.groupBySpectralShape(factors, into: min(k - 1, 2 * kept.count))
            var byFine = starts[0]
            for cluster in fine where !cluster.isEmpty {
                let curves = evidence.curves(sum(cluster))
                let r = kept.max { evidence.score(curves, region: $0) < evidence.score(curves, region: $1) }!
                for c in cluster { byFine[c] = r }
            }
            filled(&byFine, kept: kept)
            starts.append(byFine)
            let (coarse, _) = MotionInformedNMF.groupBySpectralShape(factors, into: kept.count)
            if coarse.count == kept.count && coarse.allSatisfy({ !$0.isEmpty }) {
                let curves = coarse.map { evidence.curves(sum($0)) }
                let matrix = curves.map { cv in kept.map { evidence.score(cv, region: $0) } }
                let permutation = Self.bestMatching(matrix)
                var byCoarse = starts[0]
                for (i, cluster) in coarse.enumerated() { for c in cluster { byCoarse[c] = kept[permutation[i]] } }
                starts.append(byCoarse)
            }
            return starts
        }

        /// The one-to-one matching of rows to columns with the largest sum (a square matrix): exhaustive up to 7 rows, the
        /// Hungarian method (`hungarian`) beyond.
        ///
        /// Beyond 7 rows this was greedy (the largest pair first), which is not the best matching: a quartet with eight
        /// found regions (tuning quartet #10: three pieces of the cello, a conductor's box over two panels) had its
        /// harmonic sources placed by the greedy pairs (`Tools/eval/results/separation.md`, session 18, `sepplace3`).
        static func bestMatching(_ matrix: [[Float]]) -> [Int] {
            let n = matrix.count
            guard n > 1 else { return Array(0..<n) }
            if n > 7 { return hungarian(matrix) }
            var best = Array(0..<n), bestValue = -Float.infinity
            var current = Array(0..<n)
            func permute(_ i: Int) {
                if i == n {
                    let value = (0..<n).reduce(Float(0)) { $0 + matrix[$1][current[$1]] }
                    if value > bestValue { bestValue = value; best = current }
                    return
                }
                for j in i..<n {
                    current.swapAt(i, j)
                    permute(i + 1)
                    current.swapAt(i, j)
                }
            }
            permute(0)
            return best
        }

        /// The matching of rows to columns with the largest sum on a square matrix, by the Hungarian method (Kuhn–Munkres
        /// with row and column potentials, O(n³)): rows are added one at a time, each along the shortest augmenting path
        /// of the reduced costs (the negated scores).
        static func hungarian(_ matrix: [[Float]]) -> [Int] {
            let n = matrix.count
            guard n > 0 else { return [] }
            // 1-based rows and columns; column 0 is the start of each augmenting path.
            var u = [Double](repeating: 0, count: n + 1), v = u
            var row = [Int](repeating: 0, count: n + 1), way = row
            for i in 1...n {
                row[0] = i
                var column = 0
                var reach = [Double](repeating: .infinity, count: n + 1)
                var used = [Bool](repeating: false, count: n + 1)
                repeat {
                    used[column] = true
                    let r = row[column]
                    var delta = Double.infinity, next = 0
                    for j in 1...n where !used[j] {
                        let cost = -Double(matrix[r - 1][j - 1]) - u[r] - v[j]
                        if cost < reach[j] { reach[j] = cost; way[j] = column }
                        if reach[j] < delta { delta = reach[j]; next = j }
                    }
                    for j in 0...n {
                        if used[j] { u[row[j]] += delta; v[j] -= delta } else { reach[j] -= delta }
                    }
                    column = next
                } while row[column] != 0
                repeat {
                    let previous = way[column]
                    row[column] = row[previous]
                    column = previous
                } while column != 0
            }
            var result = [Int](repeating: 0, count: n)
            for j in 1...n { result[row[j] - 1] = j - 1 }
            return result
        }

        /// The best end point of local search from each start.
        func optimised(from starts: [[Int]], kept: [Int], passes: Int = 3) -> State {
            var best: State?, bestValue = -Float.infinity
            for start in starts {
                let s = improved(state(start), kept: kept, passes: passes)
                let value = objective(s, kept: kept)
                if value > bestValue { best = s; bestValue = value }
            }
            return best!
        }

        /// Local search on `J`: single components moved (loudest first) to the region where `J` rises most,
        /// then whole groups swapped between two regions, for at most `passes` rounds.
        func improved(_ start: State, kept: [Int], passes: Int) -> State {
            var s = start
            let n = Float(max(kept.count, 1))
            let order = (0..<components).sorted { energy[$0] > energy[$1] }
            let dimension = features.first?.count ?? 0
            for _ in 0..<passes {
                var moved = false
                for c in order {
                    let from = s.owner[c]
                    guard s.counts[from] > 1, kept.contains(from) else { continue }
                    var fromSum = s.sums[from]
                    for t in fromSum.indices { fromSum[t] -= activations[c][t] }
                    let fromScore = evidence(fromSum, region: from)
                    let fromNorm = normAfter(s.timbre[from], norm: s.norms[from], adding: c, sign: -1)
                    var choice: (r: Int, gain: Float, score: Float, norm: Float)?
                    for r in kept where r != from {
                        var toSum = s.sums[r]
                        for t in toSum.indices { toSum[t] += activations[c][t] }
                        let toScore = evidence(toSum, region: r)
                        let toNorm = normAfter(s.timbre[r], norm: s.norms[r], adding: c, sign: 1)
                        let gain = (fromScore + toScore - s.scores[from] - s.scores[r]) / n
                            + timbreWeight * (fromNorm + toNorm - s.norms[from] - s.norms[r]) / totalEnergy
                        if gain > 1e-5 && gain > (choice?.gain ?? 0) { choice = (r, gain, toScore, toNorm) }
                    }
                    guard let choice else { continue }
                    let to = choice.r
                    s.owner[c] = to
                    for t in 0..<factors.frames { s.sums[from][t] -= activations[c][t]; s.sums[to][t] += activations[c][t] }
                    for i in 0..<dimension { s.timbre[from][i] -= energy[c] * features[c][i]; s.timbre[to][i] += energy[c] * features[c][i] }
                    s.energies[from] -= energy[c]; s.energies[to] += energy[c]
                    s.counts[from] -= 1; s.counts[to] += 1
                    s.scores[from] = fromScore; s.scores[to] = choice.score
                    s.norms[from] = fromNorm; s.norms[to] = choice.norm
                    moved = true
                }
                // Whole sources swapped: a source that is right as a whole can sit on the wrong region.
                for (i, a) in kept.enumerated() {
                    for b in kept[(i + 1)...] {
                        let ab = evidence(s.sums[b], region: a), ba = evidence(s.sums[a], region: b)
                        guard (ab + ba - s.scores[a] - s.scores[b]) / n > 1e-5 else { continue }
                        for c in s.owner.indices { if s.owner[c] == a { s.owner[c] = b } else if s.owner[c] == b { s.owner[c] = a } }
                        s.sums.swapAt(a, b); s.timbre.swapAt(a, b); s.norms.swapAt(a, b)
                        s.energies.swapAt(a, b); s.counts.swapAt(a, b)
                        s.scores[a] = ab; s.scores[b] = ba
                        moved = true
                    }
                }
                if !moved { break }
            }
            return s
        }

        /// With exactly two kept regions, the grouping raised once more under `timbreWeight` and, when given,
        /// `evidence` (from `state` and from the usual starts), keeping the best end point; otherwise `state` as it is.
        ///
        /// Two instruments split into two timbre clusters reliably, so a larger weight on timbre leaves the
        /// motion little to decide but which cluster is whose — a decision a box a cell larger or smaller
        /// does not swing the way it swings single notes and near-equal groupings. That decision is the
        /// placement, and `evidence` (the activity after the onsets, `Configuration.pairActivityWeight`) reads it
        /// from what the players start rather than from how loud their notes stay.
        /// - Returns: the state, scored by the evidence it was grouped under.
        func regroupedPair(_ state: State, kept: [Int], timbreWeight weight: Float, evidence pair: SourceEvidence? = nil) -> State {
            guard kept.count == 2, weight != timbreWeight || pair != nil else { return state }
            var grouping = self
            grouping.timbreWeight = weight
            if let pair {
                grouping.evidence = pair
                grouping.score = Self.scores(activations, pair)
            }
            return grouping.optimised(from: [state.owner] + grouping.starts(kept: kept), kept: kept)
        }

        /// The cosine between component `c`'s timbre and region `r`'s timbre centroid in `s`.
        func affinity(_ c: Int, _ s: State, _ r: Int) -> Float {
            guard s.norms[r] > 0 else { return -1 }
            var dot: Float = 0
            let f = features[c]
            for i in f.indices { dot += s.timbre[r][i] * f[i] }
            return dot / s.norms[r]
        }

        /// `‖timbre ± e_c f_c‖` from `‖timbre‖`, with one dot product (features are unit length).
        func normAfter(_ timbre: [Float], norm: Float, adding c: Int, sign: Float) -> Float {
            var dot: Float = 0
            let f = features[c]
            for i in f.indices { dot += timbre[i] * f[i] }
            let e = energy[c]
            return max(0, norm * norm + 2 * sign * e * dot + e * e).squareRoot()
        }

        func norm(_ x: [Float]) -> Float { x.reduce(0) { $0 + $1 * $1 }.squareRoot() }
    }
}
