import Foundation

extension MotionInformedNMF {
    /// The evidence a pair of players is placed by, given the players' labels its regions' curves are joined by.
    typealias PairEvidence = (_ joined: [Int]) -> SourceEvidence

    /// Who made which part of the mixture: per region its components, a 0…1 confidence, and whether
    /// the region is taken to make sound at all.
    struct Attribution {
        var groups: [[Int]]
        var confidence: [Float]
        var sounding: [Bool]
        /// Regions taken for bystanders keeping time (`periodicMovers`): they make no sound, whatever another
        /// model matches to them.
        var bystanders: Set<Int> = []
    }

    /// Attributes the components to the regions and decides which regions make sound.
    ///
    /// With `refinesAssignment` (the default), the components are grouped into whole sources by timbre and
    /// motion together (`JointGrouping`), and regions compete as whole sources (`competing`); otherwise
    /// each component goes to the region whose motion explains it best (`perComponent`).
    /// - Parameter players: per region, the index of the player it is a piece of (`playerIndices`; missing: each region its own).
    func attribute(_ factors: NMF.Factors, motion: [[Float]], frameSeconds: Double, sources: Int?, players: [Int] = []) -> Attribution {
        // Bystanders (a conductor, a dancer, a screen: `periodicMovers`) first: their motion is their own, not
        // the motion the players share, so it is left out of the common part `contrasted` takes away.
        let activations = (0..<factors.components).map { factors.activation($0) }
        var total = [Float](repeating: 0, count: factors.frames)
        for a in activations { for t in total.indices { total[t] += a[t] } }
        let onsets = [Self.onsetCurve(total)] + activations.map(Self.onsetCurve)
        let movers = Self.periodicMovers(motion: motion, onsets: onsets, frameSeconds: frameSeconds, configuration: configuration,
                                         players: players)
        // Every region a bystander: nothing to tell players by, so every region competes as usual.
        let bystanders = movers.allSatisfy { $0 } ? [] : Set((0..<motion.count).filter { movers[$0] })
        let curves = configuration.contrastsMotion ? Self.contrasted(motion, excluding: bystanders) : motion
        let evidence = SourceEvidence(configuration, motion: curves, frames: factors.frames, frameSeconds: frameSeconds)
        guard configuration.refinesAssignment, factors.components > motion.count else {
            var attribution = perComponent(factors, evidence: evidence, sources: sources)
            attribution.bystanders = bystanders
            return attribution
        }
        let grouping = JointGrouping(factors, evidence: evidence, timbreWeight: configuration.timbreWeight,
                                     envelopeWeight: configuration.envelopeWeight)
        // Two players left: each piece read with its player's whole motion (`joinsPieces`), save the pieces `joiningPieces` leaves alone.
        let configuration = configuration
        let pair: PairEvidence? = configuration.pairActivityWeight > 0
            ? { joined in
                SourceEvidence(configuration, motion: configuration.joinsPieces ? Self.joinedPieces(curves, players: joined) : curves,
                               frames: factors.frames, frameSeconds: frameSeconds, activityWeight: configuration.pairActivityWeight)
            } : nil
        return competing(grouping, sources: sources, bystanders: bystanders, players: players, pairEvidence: pair)
    }

    /// Regions compete as whole sources, so that a player who sounds is never left silent.
    ///
    /// All candidate regions start kept and the components are grouped among them (`JointGrouping`). Then,
    /// for each kept region, the grouping without it is tried — its components given whole to the region
    /// whose motion explains their sum best, each to its own best region, or each to the region nearest in
    /// timbre — and scored by the
    /// whole-source objective (`JointGrouping.explained`: how well, over the mixture's energy, the region
    /// holding each part explains it, plus the timbre coherence of the groups). A region is dropped as
    /// silent only when the energy its components carry is better explained elsewhere: the objective
    /// rises by more than `dropMargin` without it (a conductor or a screen that took some notes by chance;
    /// a second piece of one player, whose notes the other piece explains as well, in the same timbre).
    /// A region whose own whole source follows its motion at least `keepEvidence` well is not a candidate
    /// for that drop: "explained as well elsewhere" then means two players, not a player and a bystander.
    /// `bystanders` (regions whose motion marks them as a conductor, a dancer, a screen: `periodicMovers`)
    /// are dropped first, one at a time by the same reassignment, whatever the objective says.
    /// When more regions are kept than `sources` asks for, the region whose loss costs the least is dropped — but once no
    /// more players are kept than asked for (`players`: the regions taken for pieces of one player), only a piece of a
    /// player that keeps another may go, never a player's last region. Region by region alone, the cheapest drop took a
    /// player's only region while another player's second piece stayed (tuning duet #9, quartet #5:
    /// `Tools/eval/results/separation.md`, `sepdrop2`, `sepcount` session 17). After each drop the components are
    /// regrouped among the regions left. With nothing to go on (flat motion, silence) every region is kept.
    /// When two regions are left they are grouped once more (`JointGrouping.regroupedPair`), under `pairEvidence` when given.
    /// - Parameters:
    ///   - players: per region, the index of its player (regions of one player share it); missing: each region its own.
    ///   - pairEvidence: the evidence the final pairing of two regions reads (`Configuration.pairActivityWeight`), given the
    ///     players' labels its pieces are joined by (`joiningPieces`); nil: the grouping's.
    func competing(_ grouping: JointGrouping, sources: Int?, bystanders: Set<Int> = [], players: [Int] = [],
                   pairEvidence: PairEvidence? = nil) -> Attribution {
        let regions = grouping.evidence.regions, k = grouping.components
        var kept = Array(0..<regions)
        var state = grouping.optimised(from: grouping.starts(kept: kept), kept: kept)
        let player = (0..<regions).map { $0 < players.count ? players[$0] : $0 }
        while kept.count > 1 {
            let before = grouping.explained(state, kept: kept)
            let tooMany = sources.map { kept.count > $0 } ?? false
            // As few players kept as sources asked for, but more regions: what goes is a piece of a player that keeps another.
            let piecesOnly = tooMany && Set(kept.map { player[$0] }).count <= sources!
            // Bystanders go first, whatever their sound evidence; then the usual rules.
            let forced = kept.contains { bystanders.contains($0) }
            var best: (index: Int, owner: [Int], gain: Float)?
            for (index, r) in kept.enumerated() {
                let candidate: Bool
                if forced {
                    candidate = bystanders.contains(r)
                } else if piecesOnly {
                    candidate = kept.contains { $0 != r && player[$0] == player[r] }
                } else {
                    // Only more regions than asked for overrule a region's own strong evidence.
                    candidate = tooMany || state.scores[r] < configuration.keepEvidence
                }
                guard candidate else { continue }
                var rest = kept
                rest.remove(at: index)
                let members = (0..<k).filter { state.owner[$0] == r }
                var whole = state.owner
                let target = rest.max { grouping.evidence(union(state, $0, members, grouping), region: $0)
                    < grouping.evidence(union(state, $1, members, grouping), region: $1) }!
                for c in members { whole[c] = target }
                var each = state.owner
                for c in members { each[c] = rest.max { grouping.score[c][$0] < grouping.score[c][$1] }! }
                // A mover that took notes of several players by chance gives each back to its own timbre.
                var byTimbre = state.owner
                for c in members { byTimbre[c] = rest.max { grouping.affinity(c, state, $0) < grouping.affinity(c, state, $1) }! }
                for owner in [whole, each, byTimbre] {
                    let gain = grouping.explained(grouping.state(owner), kept: rest) - before
                    if gain > (best?.gain ?? -.infinity) { best = (index, owner, gain) }
                }
            }
            guard let best else { break }
            guard forced || tooMany || best.gain > configuration.dropMargin else { break }
            kept.remove(at: best.index)
            state = grouping.improved(grouping.state(best.owner), kept: kept, passes: 2)
        }
        // Two players left: their final grouping leans on timbre (`duetTimbreWeight`) and places by the activity (`pairEvidence`).
        // A dropped piece joins its player's reading unless it leans a little to the other kept region's group (`joiningPieces`).
        let pair = kept.count == 2 ? pairEvidence.map { evidence in
            let own = kept.map { grouping.evidence.curves(state.sums[$0]) }
            let score = own.map { g in (0..<regions).map { grouping.evidence.score(g, region: $0) } }
            return evidence(Self.joiningPieces(players: player, own: kept, score: score, margin: configuration.pieceMargin))
        } : nil
        state = grouping.regroupedPair(state, kept: kept, timbreWeight: configuration.duetTimbreWeight, evidence: pair)
        let groups = (0..<regions).map { r in kept.contains(r) ? (0..<k).filter { state.owner[$0] == r } : [] }
        // A kept region's confidence is its whole source's evidence; a silent region's shortfall is no confidence in it.
        let confidence = (0..<regions).map { r in kept.contains(r) ? min(1, max(0, state.scores[r])) : 0 }
        return Attribution(groups: groups, confidence: confidence, sounding: (0..<regions).map { kept.contains($0) },
                           bystanders: bystanders)
    }

    /// Per track, the index of its player's busiest piece — the most motion summed over the curve, the first of equals:
    /// the piece `MotionGuidedSeparation` counts the player's sound on — or its own index when it stands alone
    /// (`MotionTrack.player` names the pieces of one player).
    static func playerIndices(_ tracks: [MotionTrack]) -> [Int] {
        let totals = tracks.map { $0.energy.reduce(0, +) }
        var busiest: [String: Int] = [:]
        for i in tracks.indices {
            guard let name = tracks[i].player else { continue }
            if let b = busiest[name], totals[b] >= totals[i] { continue }
            busiest[name] = i
        }
        return tracks.indices.map { i in tracks[i].player.flatMap { busiest[$0] } ?? i }
    }

    /// Region `r`'s summed activation with `members` added.
    private func union(_ state: JointGrouping.State, _ r: Int, _ members: [Int], _ grouping: JointGrouping) -> [Float] {
        var sum = state.sums[r]
        for c in members { for t in sum.indices { sum[t] += grouping.activations[c][t] } }
        return sum
    }

    /// The per-component attribution: each component scored against each region with two kinds of
    /// evidence and given to the region whose motion explains it best, among the regions kept as sounding.
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
    /// their next best region.
    func perComponent(_ factors: NMF.Factors, evidence: SourceEvidence, sources: Int?) -> Attribution {
        let regions = evidence.regions, k = factors.components
        let score = (0..<k).map { c in
            let curves = evidence.curves(factors.activation(c))
            return (0..<regions).map { evidence.score(curves, region: $0) }
        }
        let energy = (0..<k).map { factors.activation($0).reduce(0, +) }
        var kept = Array(0..<regions)
        var owner = [Int](repeating: 0, count: k)
        func assignOwners() {
            for c in 0..<k { owner[c] = kept.max { score[c][$0] < score[c][$1] } ?? 0 }
        }
        func evidenceOf(_ r: Int) -> Float {
            (0..<k).reduce(Float(0)) { owner[$1] == r ? $0 + energy[$1] * max(0, score[$1][r]) : $0 }
        }
        assignOwners()
        while kept.count > 1 {
            let evidences = kept.map(evidenceOf)
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
        let groups = (0..<regions).map { r in kept.contains(r) ? (0..<k).filter { owner[$0] == r } : [] }
        let confidence = (0..<regions).map { r -> Float in
            let members = groups[r]
            let total = members.reduce(Float(0)) { $0 + energy[$1] }
            guard total > 0 else { return 0 }
            let weighted = members.reduce(Float(0)) { $0 + energy[$1] * score[$1][r] } / total
            return min(1, max(0, weighted))
        }
        return Attribution(groups: groups, confidence: confidence, sounding: (0..<regions).map { kept.contains($0) })
    }

    /// Each region's motion with what the regions share taken out: the region's standardised curve minus
    /// the mean of the other moving regions' standardised curves.
    ///
    /// What every region does at once — a camera pan or shake not fully undone, a stage light or a glow
    /// that follows the whole band, the texture behind all players — correlates with every part of the
    /// sound alike, so it cannot say *whose* sound a part is; yet it made whole-panel regions look
    /// equally good for any note (on the tuning duets with the players' panels given, the oracle's
    /// sources followed the wrong panel as well as their own on two clips of six), and a grouping could
    /// raise its evidence by collecting the components that follow that common motion. What is left is
    /// what distinguishes a region from the others. A flat curve stays as it is (it carries no evidence
    /// either way), and with fewer than two moving regions (bystanders not counted) there is nothing to
    /// compare, so the curves are returned unchanged.
    /// - Parameter excluding: regions whose motion is not part of what the players share (bystanders);
    ///   their own curves are contrasted with the others like any region's.
    static func contrasted(_ motion: [[Float]], excluding: Set<Int> = []) -> [[Float]] {
        let standardised = motion.map { curve -> [Float]? in
            guard curve.count > 1 else { return nil }
            let mean = curve.reduce(0.0) { $0 + Double($1) } / Double(curve.count)
            let deviation = (curve.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(curve.count)).squareRoot()
            // Rounding leaves a constant curve a tiny spread; that is still flat.
            guard deviation > 1e-5 * abs(mean), deviation > 1e-20 else { return nil }
            return curve.map { Float((Double($0) - mean) / deviation) }
        }
        let moving = motion.indices.filter { standardised[$0] != nil && !excluding.contains($0) }
        guard moving.count > 1 else { return motion }
        return motion.indices.map { r in
            guard let own = standardised[r] else { return motion[r] }
            let others = moving.filter { $0 != r }
            var out = own
            let weight = 1 / Float(others.count)
            for o in others {
                let z = standardised[o]!
                for t in out.indices where t < z.count { out[t] -= weight * z[t] }
            }
            return out
        }
    }

    /// `log(1 + a / mean)`: loud and quiet notes weigh alike.
    static func compressed(_ activation: [Float]) -> [Float] {
        let mean = activation.reduce(0, +) / Float(max(activation.count, 1))
        guard mean > 0 else { return [Float](repeating: 0, count: activation.count) }
        return activation.map { Foundation.log1p($0 / mean) }
    }

    /// Half-wave-rectified frame-to-frame rise of the log-compressed activation: where notes start.
    static func onsetCurve(_ activation: [Float]) -> [Float] {
        rises(compressed(activation))
    }

    /// Half-wave-rectified frame-to-frame rise of `curve` (`onsetCurve` of an activation already `compressed`).
    static func rises(_ curve: [Float]) -> [Float] {
        var onsets = [Float](repeating: 0, count: curve.count)
        for t in 1..<max(curve.count, 1) { onsets[t] = max(0, curve[t] - curve[t - 1]) }
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
