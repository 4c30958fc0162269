import Foundation

extension MotionInformedNMF {
    /// The harmonic model's factorisation and which region each of its sources goes to.
    struct HarmonicAttribution {
        /// The harmonic factorisation's units as plain NMF factors (what the masks are made from).
        var factors: NMF.Factors
        /// Per output (region, or source without video): the units it holds.
        var groups: [[Int]]
        var confidence: [Float]
        var sounding: [Bool]
        var labels: [String]
        var note: String
        /// Per output, the soft mask the harmonic model gives it (`frames × bins`, Wiener-normalised across the
        /// outputs): its matched sources' share of each bin. Empty without motion.
        var masks: [[Float]] = []
        /// Per harmonic source: the region it was matched to (or joined).
        var owner: [Int] = []
        /// Per region, a bystander keeping time by the instruments' own onsets (`periodicMovers` over the mixture's and
        /// each harmonic source's): empty without motion.
        var bystanders: [Bool] = []
    }

    /// Factorises the mixture into whole harmonic instruments (`HarmonicNMF`) and gives each to a region.
    ///
    /// With `model == .harmonicSources` the grouping of free components into players — where trios and
    /// quartets lose — is the factorisation's job; what is left for the motion is a one-to-one matching of K
    /// sources to the regions: each source's activation summed over its pitches is scored against each
    /// region's motion by `SourceEvidence` (onsets and energy over time) and `coincidenceWeight` times its
    /// `OnsetCoincidence` (its onsets met one by one by the region's motion peaks), plus, when the free components'
    /// grouping is given (`componentMasks`, its Wiener masks per region), `agreementWeight` times the share of
    /// the source's energy that grouping gives the region; the matching with the largest total wins
    /// (`matchSources`). Every match is kept, a near-tie too: a near-tie is what a box a cell wider swings, so
    /// it is low confidence (`matchConfidence`), and in the ensemble its region's mask then comes mostly from
    /// the components; but its bins stay with the source's region rather than being shared out as the
    /// components' grouping shares them, which is where that grouping's own swaps came back. Regions beyond K
    /// get no source and are silent; bystanders (`periodicMovers`) are matched only when there are more sources
    /// than other regions.
    ///
    /// K is the count asked for (at most the number of regions); with an automatic count it is the number of
    /// players that are not bystanders (`harmonicSourceCount`: pieces of one player count once), and a region whose source's
    /// evidence stays below `minimumSourceEvidence`, or below `relativeSourceEvidence` times the best-matched
    /// source's, is then silent, its source joined to the sounding region that explains it best. Without motion the K sources
    /// come back unordered, labelled `source0`, `source1`, ….
    ///
    /// `factorized`, when given, is the factorisation `harmonicFactorisation` gives for these arguments with its
    /// sources' models, already run (beside the components' grouping, on another thread).
    func harmonicAttribution(_ magnitude: [Float], frames: Int, bins: Int, sampleRate: Int, fftSize: Int, frameSeconds: Double,
                             tracks: [MotionTrack], count: Int, asked: Int?, componentMasks: [[Float]]? = nil,
                             componentFactors: NMF.Factors? = nil, factorized: HarmonicModels? = nil) throws -> HarmonicAttribution {
        let model = harmonicModel
        if tracks.isEmpty {
            let factors = try model.factorize(magnitude, frames: frames, bins: bins, sampleRate: sampleRate, fftSize: fftSize, sources: count)
            return HarmonicAttribution(factors: factors.units, groups: (0..<count).map { factors.members(of: $0) },
                                       confidence: [Float](repeating: 0, count: count), sounding: [Bool](repeating: true, count: count),
                                       labels: (0..<count).map { "source\($0)" }, note: "")
        }
        let curves = tracks.map { $0.resampled(count: frames, step: frameSeconds) }
        let mixtureOnsets = Self.mixtureOnsets(magnitude, frames: frames, bins: bins)
        let models = try factorized ?? HarmonicModels(harmonicFactorisation(magnitude, frames: frames, bins: bins, sampleRate: sampleRate,
                                                                            fftSize: fftSize, frameSeconds: frameSeconds, tracks: tracks,
                                                                            asked: asked, componentFactors: componentFactors),
                                                      maskExponent: configuration.maskExponent)
        let factors = models.factors
        let k = factors.sources
        let activations = models.activations
        let playerOf = Self.playerIndices(tracks)
        // Bystanders again, now that the sources' own onsets can show a player who keeps a beat.
        var movers = Self.periodicMovers(motion: curves, onsets: [mixtureOnsets] + activations.map(Self.onsetCurve),
                                         frameSeconds: frameSeconds, configuration: configuration, players: playerOf)
        if movers.allSatisfy({ $0 }) { movers = movers.map { _ in false } }
        let evidence = SourceEvidence(configuration, motion: curves, frames: frames, frameSeconds: frameSeconds)
        // Two sources: which is whose is read from the activity after their onsets (`pairActivityWeight`); the confidence and
        // the automatic count's bar stay on `evidence`, whose scale they were set on.
        let regions = tracks.count
        let sourceModels = models.sourceModels, shares = models.shares
        var motionScore = [[Float]](repeating: [Float](repeating: 0, count: regions), count: k)
        for s in 0..<k {
            // The summed activation's onsets, not the rises at each pitch (`HarmonicNMF.Factors.noteOnsets`):
            // those were tried and lost on the tuning duets (found regions +8.3 → +4.3 dB median; one more swap).
            let prepared = evidence.curves(activations[s])
            for r in 0..<regions { motionScore[s][r] = evidence.score(prepared, region: r) }
        }
        let agreement = componentMasks.map { Self.agreement(sourceModels, with: $0) }
        // The matching also weighs how the sources' onsets meet the regions' motion peaks; the confidence and the automatic
        // count's bar stay on the correlations (`motionScore`), whose scale they were set on.
        let coincidence = OnsetCoincidence(configuration, motion: curves, frames: frames, frameSeconds: frameSeconds)
        let coincidences = (0..<k).map { coincidence.scores(activations[$0]) }
        let matched = { (pairCurves: [[Float]]) in
            let pair = k == 2 && self.configuration.pairActivityWeight > 0
                ? SourceEvidence(self.configuration, motion: pairCurves, frames: frames, frameSeconds: frameSeconds,
                                 activityWeight: self.configuration.pairActivityWeight) : nil
            let placement = (0..<k).map { s in
                let placing = pair.map { pair in
                    let curves = pair.curves(activations[s])
                    return (0..<regions).map { pair.score(curves, region: $0) }
                } ?? motionScore[s]
                return zip(placing, coincidences[s]).map { $0 + self.configuration.coincidenceWeight * $1 }
            }
            return Self.matchSources(motion: placement, agreement: agreement, bystanders: movers,
                                     agreementWeight: self.configuration.agreementWeight, players: playerOf)
        }
        var (matrix, matching, margins) = matched(curves)
        // Two sources: each piece read with its player's whole motion, save a piece that leans a little to the source the
        // other player was matched with (`joinsPieces`, `joiningPieces`), and the two matched again.
        if k == 2, configuration.joinsPieces, configuration.pairActivityWeight > 0 {
            let joined = Self.joiningPieces(players: playerOf, own: Array(matching.prefix(k)), score: motionScore, margin: configuration.pieceMargin)
            let pairCurves = Self.joinedPieces(curves, players: joined)
            if pairCurves != curves { (matrix, matching, margins) = matched(pairCurves) }
        }
        var groups = [[Int]](repeating: [], count: regions)
        var confidence = [Float](repeating: 0, count: regions)
        var sounding = [Bool](repeating: false, count: regions)
        var owner = (0..<k).map { matching[$0] }
        for s in 0..<k {
            let r = matching[s]
            groups[r] = factors.members(of: s)
            confidence[r] = Self.matchConfidence(evidence: motionScore[s][r], margin: margins[s],
                                                 confidentMargin: configuration.confidentMatchMargin)
            sounding[r] = true
        }
        // With an automatic count, a region whose source follows its motion hardly at all (a still region, a
        // mover that is not a bystander by its rhythm) is silent, and its source joins the sounding region
        // whose motion explains that source best: a region that makes no sound gets no file, and no sound is lost.
        if asked == nil {
            let strongest = (0..<k).map { motionScore[$0][matching[$0]] }.max() ?? 0
            let bar = max(configuration.minimumSourceEvidence, configuration.relativeSourceEvidence * strongest)
            for s in 0..<k {
                let r = matching[s]
                guard motionScore[s][r] < bar else { continue }
                let others = (0..<regions).filter { $0 != r && sounding[$0] }
                guard let best = others.max(by: { matrix[s][$0] < matrix[s][$1] }) else { continue }
                groups[best] += groups[r]
                groups[r] = []
                sounding[r] = false
                confidence[r] = 0
                owner[s] = best
            }
        }
        // Each pitch's note stretches given by timing (`NoteTiming`): the moved stretches are sources of their own, one
        // per region they go to, and every source's share of each bin is taken again.
        var shareOwners = owner
        var timedShares = shares
        if configuration.timesNotes {
            let open = (0..<regions).map { sounding[$0] && !movers[$0] }
            var owners = [Int?](repeating: nil, count: factors.units.components)
            // Pitches only: a noise component's activation follows no note.
            let pitched = factors.sources * factors.pitches.count
            for s in 0..<k { for u in factors.members(of: s) where u < pitched { owners[u] = owner[s] } }
            let timing = NoteTiming(configuration, motion: curves, frames: frames, frameSeconds: frameSeconds, open: open)
            let moves = timing.moves((0..<factors.units.components).map { factors.units.activation($0) }, owners: owners) { u, stretch, r in
                componentMasks.map { Self.support(factors.units, unit: u, frames: stretch, mask: $0[r]) } ?? 0
            }
            if moves.contains(where: { !$0.isEmpty }) {
                let (timed, added) = Self.timed(factors.units, moves: moves, regions: regions)
                var models = (0..<k).map { s in
                    factors.members(of: s).contains { !moves[$0].isEmpty } ? timed.reconstruction(of: factors.members(of: s)) : sourceModels[s]
                }
                for r in 0..<regions where !added[r].isEmpty {
                    models.append(timed.reconstruction(of: added[r]))
                    shareOwners.append(r)
                }
                timedShares = Self.wienerMasks(models, exponent: configuration.maskExponent)
            }
        }
        var masks = [[Float]](repeating: [Float](repeating: 0, count: frames * bins), count: regions)
        for s in timedShares.indices {
            // Over buffers: this runs over every cell (frames × bins) of every source.
            timedShares[s].withUnsafeBufferPointer { share in
                masks[shareOwners[s]].withUnsafeMutableBufferPointer { mask in for i in mask.indices { mask[i] += share[i] } }
            }
        }
        let note = regions > k ? "harmonic sources: \(k) instruments matched to \(regions) regions; the other regions are silent" : ""
        return HarmonicAttribution(factors: factors.units, groups: groups, confidence: confidence, sounding: sounding,
                                   labels: tracks.map(\.label), note: note, masks: masks, owner: owner, bystanders: movers)
    }

    /// How sure a harmonic match is, 0…1: the source's motion evidence for its region, scaled down in proportion
    /// when the matching holds it by less than `confidentMargin` (`matchMargins`).
    ///
    /// A near-tie is what a box a cell wider or a flash frame fewer swings, so it is low confidence even when the
    /// source follows its region's motion well; a match no other matching comes near keeps its whole evidence.
    /// - Parameters:
    ///   - evidence: the source's `SourceEvidence` score for its region (−1…1).
    ///   - margin: the match's margin (0 for an exact tie; infinite when nothing else could take the region).
    ///   - confidentMargin: the margin from which the match is trusted whole (positive).
    static func matchConfidence(evidence: Float, margin: Float, confidentMargin: Float) -> Float {
        min(1, max(0, evidence)) * min(1, max(0, margin) / max(confidentMargin, .leastNormalMagnitude))
    }

    /// A harmonic factorisation with what the matching reads from it: each source's summed activation, its part
    /// of the model, and its Wiener share of every bin (as the masks will be). Made on the thread that factorised.
    struct HarmonicModels: Sendable {
        var factors: HarmonicNMF.Factors
        var activations: [[Float]]
        var sourceModels: [[Float]]
        var shares: [[Float]]

        /// - Parameter spare: the other side's thread, lent while it serves (`SpareThread`): half of the sources'
        ///   models, then half of each pass of the shares, are made there (the same values either way).
        init(_ factors: HarmonicNMF.Factors, maskExponent: Float, spare: SpareThread? = nil) {
            self.factors = factors
            var parts = [(activation: [Float], model: [Float])?](repeating: nil, count: factors.sources)
            parts.withUnsafeMutableBufferPointer { parts in
                nonisolated(unsafe) let parts = parts
                // Each half writes its own sources' slots only.
                MotionInformedNMF.inHalves(factors.sources, spare: spare) { range in
                    for s in range { parts[s] = (factors.activation(ofSource: s), factors.units.reconstruction(of: factors.members(of: s))) }
                }
            }
            activations = parts.map { $0!.activation }
            sourceModels = parts.map { $0!.model }
            shares = MotionInformedNMF.wienerMasks(sourceModels, exponent: maskExponent, spare: spare)
        }
    }

    /// The harmonic model as configured, seeded like the components model.
    var harmonicModel: HarmonicNMF {
        var harmonic = configuration.harmonic
        harmonic.seed = configuration.seed
        return HarmonicNMF(harmonic)
    }

    /// Onsets of the mixture's loudness (its magnitudes summed over bins).
    static func mixtureOnsets(_ magnitude: [Float], frames: Int, bins: Int) -> [Float] {
        var loudness = [Float](repeating: 0, count: frames)
        for t in 0..<frames { for f in 0..<bins { loudness[t] += magnitude[t * bins + f] } }
        return onsetCurve(loudness)
    }

    /// The harmonic factorisation `harmonicAttribution` matches to `tracks` (non-empty): K sources, K the count
    /// asked for (at most the regions), else the players that are not bystanders by the mixture's onsets (`harmonicSourceCount`).
    /// Needs nothing from the components' grouping, so it can run beside it.
    func harmonicFactorisation(_ magnitude: [Float], frames: Int, bins: Int, sampleRate: Int, fftSize: Int, frameSeconds: Double,
                               tracks: [MotionTrack], asked: Int?, componentFactors: NMF.Factors?,
                               spare: SpareThread? = nil) throws -> HarmonicNMF.Factors {
        let curves = tracks.map { $0.resampled(count: frames, step: frameSeconds) }
        let playerOf = Self.playerIndices(tracks)
        var movers = Self.periodicMovers(motion: curves, onsets: [Self.mixtureOnsets(magnitude, frames: frames, bins: bins)],
                                         frameSeconds: frameSeconds, configuration: configuration, players: playerOf)
        if movers.allSatisfy({ $0 }) { movers = movers.map { _ in false } }
        let k = Self.harmonicSourceCount(asked: asked, bystanders: movers, players: playerOf, maximum: configuration.maximumSources)
        // The components model's NMF is the harmonic model's starting point when both are set alike (the
        // defaults): reused, not run a second time. `HarmonicNMF` checks its shape.
        let plain = configuration.divergence == .kullbackLeibler && configuration.iterations == configuration.harmonic.initialIterations
            ? componentFactors : nil
        return try harmonicModel.factorize(magnitude, frames: frames, bins: bins, sampleRate: sampleRate, fftSize: fftSize, sources: k,
                                           initialPlainNMF: plain, spare: spare)
    }

    /// How many instruments the harmonic model factorises: the count asked for (at most the regions), else one per
    /// player that is not a bystander — a player in several pieces is one instrument (at least one, at most `maximum`).
    /// Counted piece by piece, a player in two boxes got two harmonic sources and the model split one instrument in two
    /// (session 27: `auto` +33 dB plain, +41 dB as footage summed over the 155 development clip-pictures with pieces).
    /// - Parameters:
    ///   - bystanders: per region, a bystander (`periodicMovers`).
    ///   - players: per region, the index of its player's busiest piece (`playerIndices`).
    static func harmonicSourceCount(asked: Int?, bystanders: [Bool], players: [Int], maximum: Int) -> Int {
        if let asked { return max(1, min(asked, bystanders.count)) }
        let playing = Set(bystanders.indices.filter { !bystanders[$0] }.map { $0 < players.count ? players[$0] : $0 }).count
        return max(1, min(playing, maximum))
    }

    /// Sources matched one to one with regions on more than one score: each source's motion evidence for a
    /// region plus `agreementWeight` times the share of its energy the free components' grouping gives that
    /// region, with each match's margin (`matchMargins`).
    ///
    /// Motion evidence alone swings with the region box: a box a cell wider, or a flash frame fewer, changes a
    /// source's onset and level correlations by a few hundredths, and when two sources score alike on two regions
    /// that is enough to swap them — a whole player lost. The components' grouping rests on many components and
    /// on timbre, so it does not swing with the same small changes; adding it separates the two totals.
    /// - Parameters:
    ///   - motion: `[source][region]` motion evidence (`SourceEvidence`, with the onset coincidence added).
    ///   - agreement: `[source][region]` shares of each source's energy (`agreement(_:with:)`), or nil.
    ///   - bystanders: per region, a bystander (scores −2: matched only when sources outnumber the other regions).
    ///   - players: per region, the index of its player's busiest piece (`playerIndices`); empty: each region its own.
    ///     While the players who are not bystanders are at least as many as the sources, a player takes one source
    ///     (matched on its best piece's score, placed on that piece): piece by piece, two sources went to two pieces of
    ///     one player and another player's only region got none — a playing player left silent (10 of the 19 such
    ///     players on session 27's development clips had another player in several boxes).
    /// - Returns: the square score matrix (padded with zero rows), the matching (`matching[s]` is source `s`'s
    ///   region) and each source's margin (among players, when matched by player).
    static func matchSources(motion: [[Float]], agreement: [[Float]]?, bystanders: [Bool], agreementWeight: Float,
                             players: [Int] = []) -> (matrix: [[Float]], matching: [Int], margins: [Float]) {
        let k = motion.count, regions = bystanders.count
        var matrix = [[Float]](repeating: [Float](repeating: 0, count: regions), count: max(regions, k))
        for s in 0..<k {
            for r in 0..<regions {
                matrix[s][r] = bystanders[r] ? -2 : motion[s][r] + agreementWeight * (agreement?[s][r] ?? 0)
            }
        }
        // A piece that is no bystander while its busiest piece is one (`spreadingMovers` left it so) stands alone.
        let player = (0..<regions).map { r in r < players.count && !bystanders[players[r]] ? players[r] : r }
        let pieces = (0..<regions).map { r in (0..<regions).filter { player[$0] == r && !bystanders[$0] } }
        guard pieces.contains(where: { $0.count > 1 }), pieces.filter({ !$0.isEmpty }).count >= k else {
            let matching = JointGrouping.bestMatching(matrix)
            return (matrix, matching, matchMargins(matrix, matching: matching, rows: k))
        }
        // One column per player (its busiest piece's), scored by its best piece; its other pieces out of reach.
        var byPlayer = matrix
        for s in 0..<k {
            for r in 0..<regions where !bystanders[r] {
                byPlayer[s][r] = pieces[r].isEmpty ? -2 : pieces[r].map { matrix[s][$0] }.max()!
            }
        }
        var matching = JointGrouping.bestMatching(byPlayer)
        let margins = matchMargins(byPlayer, matching: matching, rows: k)
        for s in 0..<k where pieces[matching[s]].count > 1 {
            matching[s] = pieces[matching[s]].max { matrix[s][$0] < matrix[s][$1] }!
        }
        return (matrix, matching, margins)
    }
}
