import TandemBLAS
import Foundation
import TandemCore

/// Source-filter harmonic NMF: a factorisation of a magnitude spectrogram whose sources are whole
/// instruments, not free spectral components.
///
/// Written from the models of Vincent, Bertin & Badeau, "Adaptive harmonic spectral decomposition for
/// multiple pitch estimation" (IEEE TASLP 2010) and Durrieu, Richard, David & Févotte, "Source/filter model
/// for unsupervised main melody extraction" (IEEE TASLP 2010):
///
///     V[t, f] ≈ Σ_k Σ_p X[t, k, p] · Σ_h a[k, h] · G[p, h, f]  +  Σ_j N[t, j] · (B c_j)[f]
///
/// - `k` a source (one instrument), `p` a pitch of a semitone grid, `h` a partial;
/// - `G[p, h, ·]` partial `h + 1` of pitch `p`: the Hann window's main lobe at that frequency, its top
///   widened by ±`toleranceCents` (vibrato, slight inharmonicity), unit sum;
/// - `a[k, ·]` the source's partial amplitudes, **one profile shared by all its notes** — what makes the
///   sources instruments: a note goes to the source whose timbre explains it;
/// - `X` the activations per source, pitch and frame;
/// - a few noise components per source (bow and breath noise, attacks) whose templates are built from
///   smooth log-frequency bands `B`, so they cannot hold partials and take the notes away from the sources.
///
/// The generalised Kullback–Leibler divergence is lowered by multiplicative updates of `X`, `a`, `N` and `c`
/// (each the ratio of the gradient's negative and positive parts, as in Févotte & Idier 2011). All units —
/// every (source, pitch) pair and every noise component — are stacked into one template matrix, so each
/// update is the same four SGEMMs as `NMF` on more components.
///
/// Two things keep the sources from swapping notes, the failure such models are known for:
/// - **Initialisation from a plain NMF clustered by timbre and register**: today's `NMF` factorises the
///   mixture; each of its templates gets the pitch whose first partials hold most of it, and its partial
///   amplitudes become a profile; the harmonic components are clustered (energy-weighted k-means on log
///   profiles and register) into the sources, whose profiles and activations start from their members.
/// - **Sources compete for pitch ranges** (`rangeCompetition`): after each activation update, each source's
///   activations at pitch `p` are scaled by its share, raised to the `rangeCompetition` power, of the
///   activation all sources hold near `p` (a pitch histogram smoothed over ±`rangeSpreadSemitones`). An
///   instrument plays in a range; this soft prior lets a source keep the notes in its range.
///
/// On the tuning clips of `Tools/eval/separation_eval.py` the K sources, each with its noise, placed by the
/// best permutation, reach +12.0 dB (duets) and +9.6 dB (trios) median over the mixture, against +8.7 and
/// +2.6 dB for today's components placed by Tandem (the sweep in `Tools/eval/separation_ceiling_sweep.py`,
/// `model=1`); see `Tools/eval/results/separation.md`, branch `sephar`.
public struct HarmonicNMF: Sendable {
    public struct Configuration: Sendable, Hashable, Codable {
        /// The pitch grid, MIDI note numbers (28: E1, the lowest string of a double bass; 96: C7).
        public var lowestPitch: Int = 28
        public var highestPitch: Int = 96
        /// Partials per note (fewer where they would pass the top bin).
        public var partials: Int = 30
        /// A partial's lobe has a flat top this many cents either side of its nominal frequency.
        public var toleranceCents: Float = 20
        /// Free smooth-band noise components per source.
        public var noiseComponentsPerSource: Int = 2
        /// Multiplicative-update iterations of the harmonic model (the most run; see `convergenceTolerance`).
        public var iterations: Int = 30
        /// Stop the updates once the Kullback–Leibler divergence falls by less than this share of itself over
        /// `convergenceInterval` updates (checked after the range competition ends); 0: always run `iterations`.
        /// The updates of a factorisation that has settled cost as much as the first ones. Off by default: at the
        /// 30 updates the separator runs, the divergence still falls 2–5 % every five updates on the tuning clips,
        /// so any tolerance that stops sooner is just fewer updates — and 20 updates cost the tuning quartets
        /// 0.5 dB (median) and two clips over 1 dB (`Tools/eval/results/separation.md`, branch `sepspeed`).
        public var convergenceTolerance: Float = 0
        /// Updates between two checks of the divergence (each check costs one logarithm per cell).
        public var convergenceInterval: Int = 5
        /// Exponent of the pitch-range competition (0: off).
        public var rangeCompetition: Float = 0.5
        /// The competition acts in this many first iterations only: it pulls the sources apart, then they fit
        /// freely, so two instruments whose ranges overlap can each keep their notes in the overlap. (Always on:
        /// trios +7.1 dB median in the sweep, two synthetic timbres in one range +5.6 / +3.9 dB; first 10
        /// iterations: trios +10.3, the synthetic pair +10.3 / +8.6 dB.)
        public var rangeCompetitionIterations: Int = 10
        /// Width (standard deviation, semitones) of the pitch histogram's smoothing in the competition.
        public var rangeSpreadSemitones: Float = 4
        /// The initial plain NMF: components per source and iterations.
        public var initialComponentsPerSource: Int = 8
        public var initialIterations: Int = 30
        /// Weight of the register (pitch in octaves) against the log profile in the initial clustering.
        public var registerWeight: Float = 1
        public var seed: UInt64 = 0x5EED

        public init() {}
    }

    public var configuration: Configuration

    public init(_ configuration: Configuration = .init()) { self.configuration = configuration }

    /// A harmonic factorisation. `units` holds every (source, pitch) pair and every noise component as an
    /// ordinary NMF factorisation, so a source's part of the model is `units.reconstruction(of: members(of:))`.
    public struct Factors: Sendable {
        /// frames × (sources · pitches + noise) activations and the matching templates; the unit of source
        /// `k` at pitch index `p` is `k · pitches.count + p`, noise component `j` is `sources · pitches.count + j`.
        public var units: NMF.Factors
        public var sources: Int
        /// The pitch grid, MIDI note numbers.
        public var pitches: [Float]
        /// sources × partials: each source's partial amplitudes (summing to 1 over partials on average).
        public var profiles: [Float]
        public var partials: Int
        /// The source each noise component was given to (the one whose summed activation its activation follows).
        public var noiseOwner: [Int]
        /// The multiplicative updates run (fewer than `Configuration.iterations` when the divergence settled first).
        public var updates: Int = 0

        /// The units that make source `k`: its pitches and its noise components.
        public func members(of k: Int) -> [Int] {
            let p = pitches.count
            return Array((k * p)..<((k + 1) * p)) + noiseOwner.indices.filter { noiseOwner[$0] == k }.map { sources * p + $0 }
        }

        /// Where source `k`'s notes start: the rises of its activation at each pitch, summed over the pitches
        /// and log-compressed against the source's mean level. A legato line changes pitch without its summed
        /// activation rising; its notes still start at their own pitches.
        public func noteOnsets(ofSource k: Int) -> [Float] {
            let p = pitches.count, u = units.components
            var rises = [Float](repeating: 0, count: units.frames)
            var level: Float = 0
            units.activations.withUnsafeBufferPointer { x in
                for t in 0..<units.frames {
                    var rise: Float = 0
                    for q in (k * p)..<((k + 1) * p) {
                        level += x[t * u + q]
                        if t > 0 { rise += max(0, x[t * u + q] - x[(t - 1) * u + q]) }
                    }
                    rises[t] = rise
                }
            }
            let mean = level / Float(max(units.frames, 1))
            guard mean > 0 else { return rises.map { _ in 0 } }
            return rises.map { log1p($0 / mean) }
        }

        /// Source `k`'s activation summed over its pitches, per frame (its notes, whatever their pitch).
        public func activation(ofSource k: Int) -> [Float] {
            let p = pitches.count, u = units.components
            var out = [Float](repeating: 0, count: units.frames)
            units.activations.withUnsafeBufferPointer { x in
                for t in 0..<units.frames {
                    var s: Float = 0
                    for q in (k * p)..<((k + 1) * p) { s += x[t * u + q] }
                    out[t] = s
                }
            }
            return out
        }
    }

    /// Factorises `values` (frames × bins, frame-major magnitudes of an STFT of `fftSize` at `sampleRate`)
    /// into `sources` harmonic sources.
    /// - Throws: `DSPError(.shapeMismatch)` when `values` is not `frames × bins` or `bins` is not
    ///   `fftSize / 2 + 1`; `.invalidConfiguration` for no source, an empty pitch grid or no partial.
    /// - Parameter initialPlainNMF: the plain NMF the initialisation starts from, when the caller already ran
    ///   exactly that one on `values` (`initialComponentsPerSource · sources` components, `initialIterations`
    ///   Kullback-Leibler updates, `seed`), as the motion-informed ensemble's components model does; it is
    ///   then not run twice. A factorisation of another shape is ignored and the plain NMF run here.
    /// - Complexity: O((initialIterations · initialComponentsPerSource + iterations · (pitches + noise)) ·
    ///   sources · frames · bins), in four SGEMMs per iteration.
    public func factorize(_ values: [Float], frames: Int, bins: Int, sampleRate: Int, fftSize: Int, sources: Int,
                          initialPlainNMF: NMF.Factors? = nil) throws -> Factors {
        try factorize(values, frames: frames, bins: bins, sampleRate: sampleRate, fftSize: fftSize, sources: sources,
                      initialPlainNMF: initialPlainNMF, spare: nil)
    }

    /// `factorize`, with half of each product offered to `spare` (the same factors, whichever thread runs a half:
    /// the products are always cut in the same two blocks).
    func factorize(_ values: [Float], frames: Int, bins: Int, sampleRate: Int, fftSize: Int, sources: Int,
                   initialPlainNMF: NMF.Factors?, spare: SpareThread?) throws -> Factors {
        let c = configuration
        guard values.count == frames * bins, frames > 0, bins == fftSize / 2 + 1 else {
            throw DSPError(.shapeMismatch, "\(values.count) values are not \(frames) frames × \(bins) bins of an n_fft \(fftSize) STFT")
        }
        guard sources >= 1, c.highestPitch >= c.lowestPitch, c.partials >= 1, sampleRate > 0 else {
            throw DSPError(.invalidConfiguration,
                           "harmonic NMF needs a source, a pitch grid and a partial; got \(sources) sources, pitches \(c.lowestPitch)…\(c.highestPitch), \(c.partials) partials")
        }
        let grid = PartialGrid(lowest: c.lowestPitch, highest: c.highestPitch, partials: c.partials,
                               toleranceCents: c.toleranceCents, sampleRate: sampleRate, fftSize: fftSize)
        let pitchCount = grid.pitches.count, hCount = c.partials
        let noise = c.noiseComponentsPerSource * sources
        let unitCount = sources * pitchCount + noise
        let bands = Self.smoothBands(bins: bins)
        let bandCount = bands.count / bins
        var rng = SplitMix64(seed: c.seed)

        var peak: Float = 0, total: Double = 0
        for v in values { peak = max(peak, v); total += Double(v) }
        let floor = max(peak * 1e-9, Float.leastNormalMagnitude * 1e6)
        let meanValue = Float(total / Double(values.count))

        // Initialisation from a plain NMF clustered by timbre and register.
        let reusable = initialPlainNMF.flatMap { plain in
            plain.frames == frames && plain.bins == bins && plain.components == c.initialComponentsPerSource * sources ? plain : nil
        }
        var (profiles, activations) = try initialise(values, frames: frames, bins: bins, sources: sources, grid: grid,
                                                     unitCount: unitCount, plain: reusable, rng: &rng)
        // Noise: random smooth spectra and activations.
        var bandWeights = (0..<(bandCount * noise)).map { _ in 0.5 + rng.nextUnitFloat() }  // noise × bands
        if noise > 0 {
            for t in 0..<frames { for j in 0..<noise { activations[t * unitCount + sources * pitchCount + j] = (0.5 + rng.nextUnitFloat()) * meanValue } }
        }
        if peak == 0 {
            return Factors(units: .init(frames: frames, bins: bins, components: unitCount, activations: [Float](repeating: 0, count: frames * unitCount),
                                        templates: [Float](repeating: 1 / Float(bins), count: unitCount * bins)),
                           sources: sources, pitches: grid.pitches, profiles: profiles, partials: hCount,
                           noiseOwner: (0..<noise).map { $0 % sources })
        }

        var templates = [Float](repeating: 0, count: unitCount * bins)
        var model = [Float](repeating: 0, count: frames * bins)
        var numerator = [Float](repeating: 0, count: frames * unitCount)
        var products = [Float](repeating: 0, count: unitCount * bins)
        let kernel = Self.rangeKernel(count: pitchCount, spread: c.rangeSpreadSemitones)
        // The templates are mostly zero (a pitch's lobes only), so the products skip the blocks that are (`skippingZeros`,
        // `neededFrom`). Two of them take the units in pitch order, the sources of one pitch side by side (row r is unit
        // `byPitch[r]`, unit u is row `rowOf[u]`): neighbouring rows then share their lobes' bins and more blocks are zero.
        // Only the order of the rows changes, not any sum, so the factors keep their bits.
        let byPitch = (0..<(sources * pitchCount)).map { r in (r % sources) * pitchCount + r / sources } + Array((sources * pitchCount)..<unitCount)
        let rowOf: [Int] = {
            var rows = [Int](repeating: 0, count: unitCount)
            for (r, u) in byPitch.enumerated() { rows[u] = r }
            return rows
        }()
        var templatesByPitch = [Float](repeating: 0, count: unitCount * bins)
        var activationsByPitch = [Float](repeating: 0, count: frames * unitCount)
        /// The bins each row of the profile products is read at: a pitch's lobes, a noise component's every bin.
        let readBins: [Range<Int>] = byPitch.map { u in
            guard u < sources * pitchCount else { return 0..<bins }
            let p = u % pitchCount
            let lobes = (0..<grid.partialCount[p]).map { grid.lobes[p * hCount + $0] }
            return (lobes.map(\.start).min() ?? 0)..<(lobes.map { $0.start + $0.values.count }.max() ?? 0)
        }
        /// The profile products in two blocks of bins holding as many read bins each (the low bins hold most lobes), cut
        /// at a tile's edge (32 bins), so the two threads finish together.
        let profileHalves: [Range<Int>] = {
            guard NMF.halves(bins).count == 2 else { return [0..<bins] }
            var perBin = [Int](repeating: 0, count: bins + 1)
            for range in readBins where !range.isEmpty { perBin[range.lowerBound] += 1; perBin[range.upperBound] -= 1 }
            var open = 0, seen = 0, cut = bins
            let all = readBins.reduce(0) { $0 + $1.count }
            for f in 0..<bins {
                open += perBin[f]; seen += open
                if 2 * seen >= all { cut = (f + 1 + 31) / 32 * 32; break }
            }
            return cut > 0 && cut < bins ? [0..<cut, cut..<bins] : [0..<bins]
        }()
        /// Per block of `profileHalves`, each row's read bins relative to the block.
        let neededBins: [(from: [Int32], to: [Int32])] = profileHalves.map { columns in
            (readBins.map { Int32($0.lowerBound - columns.lowerBound) }, readBins.map { Int32($0.upperBound - columns.lowerBound) })
        }

        /// Templates from the profiles and band weights: W[k·P + p] = Σ_h a[k, h] G[p, h]; W[noise j] = B c_j.
        func buildTemplates() {
            templates.withUnsafeMutableBufferPointer { w in
                for i in 0..<(sources * pitchCount * bins) { w[i] = 0 }
                for k in 0..<sources {
                    for p in 0..<pitchCount {
                        let row = (k * pitchCount + p) * bins
                        for h in 0..<grid.partialCount[p] {
                            let amplitude = profiles[k * hCount + h]
                            let lobe = grid.lobes[p * hCount + h]
                            for (i, g) in lobe.values.enumerated() { w[row + lobe.start + i] += amplitude * g }
                        }
                    }
                }
                bands.withUnsafeBufferPointer { bands in
                    bandWeights.withUnsafeBufferPointer { weights in
                        for j in 0..<noise {
                            let row = (sources * pitchCount + j) * bins
                            Self.mixColumns(bands, rows: bins, columns: bandCount, weights: UnsafeBufferPointer(rebasing: weights[(j * bandCount)...]),
                                            into: UnsafeMutableBufferPointer(rebasing: w[row...]))
                        }
                    }
                }
            }
        }

        // Each product in two blocks (of frames, or of bins), the second offered to the spare thread.
        let frameHalves = NMF.halves(frames)
        func split(_ blocks: [Range<Int>], _ body: (Range<Int>) -> Void) {
            guard blocks.count == 2 else { for block in blocks { body(block) }; return }
            if let spare { spare.both({ body(blocks[0]) }, { body(blocks[1]) }) } else { body(blocks[0]); body(blocks[1]) }
        }

        /// model ← V ⊘ (X W), the ratio both updates need; `gatheringByPitch`: also `activationsByPitch` ← X's units
        /// in pitch order, each half of the frames on the thread that has them.
        func refreshRatio(gatheringByPitch: Bool = false) {
            activations.withUnsafeBufferPointer { x in
                templates.withUnsafeBufferPointer { w in
                    model.withUnsafeMutableBufferPointer { m in
                        values.withUnsafeBufferPointer { v in
                            activationsByPitch.withUnsafeMutableBufferPointer { gathered in
                                nonisolated(unsafe) let (x, w, m, v, gathered) = (x, w, m, v, gathered)
                                split(frameHalves) { rows in
                                    BLAS.sgemm(transposeA: false, transposeB: false, m: rows.count, n: bins, k: unitCount,
                                               a: x.baseAddress! + rows.lowerBound * unitCount, lda: unitCount, b: w.baseAddress!, ldb: bins,
                                               c: m.baseAddress! + rows.lowerBound * bins, ldc: bins, skippingZeros: true)
                                    for i in (rows.lowerBound * bins)..<(rows.upperBound * bins) { m[i] = v[i] / (m[i] + floor) }
                                    guard gatheringByPitch else { return }
                                    for t in rows {
                                        let row = t * unitCount
                                        for (r, u) in byPitch.enumerated() { gathered[row + r] = x[row + u] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        var templateSums = [Float](repeating: 0, count: unitCount), inverseSums = [Float](repeating: 0, count: unitCount)
        var updates = 0, lastDivergence: Double?, settled = false
        /// The generalised KL divergence D(V | X W) at the ratio `refreshRatio` left in `model`: Σ V log(V / Λ) − Σ V + Σ Λ,
        /// with Σ Λ = Σ_u (Σ_t X[t, u]) (Σ_f W[u, f]) (`totals`, `templateSums`). Λ is floored as the ratio floors it.
        func divergence(_ totals: [Float]) -> Double {
            var logSum = 0.0
            values.withUnsafeBufferPointer { v in
                model.withUnsafeBufferPointer { q in
                    for t in 0..<frames {
                        var row: Float = 0
                        for f in (t * bins)..<((t + 1) * bins) where v[f] > 0 { row += v[f] * log(q[f]) }
                        logSum += Double(row)
                    }
                }
            }
            var modelSum = 0.0
            for u in 0..<unitCount { modelSum += Double(totals[u]) * Double(templateSums[u]) }
            return logSum - total + modelSum
        }

        for iteration in 0..<c.iterations {
            // Activations: X ← X ⊙ (Q Wᵀ) ⊘ (1 Wᵀ), Q Wᵀ with the units in pitch order.
            buildTemplates()
            templates.withUnsafeBufferPointer { w in
                templatesByPitch.withUnsafeMutableBufferPointer { target in
                    for (r, u) in byPitch.enumerated() {
                        for f in 0..<bins { target[r * bins + f] = w[u * bins + f] }
                    }
                }
            }
            refreshRatio()
            templates.withUnsafeBufferPointer { w in
                templateSums.withUnsafeMutableBufferPointer { sums in Self.rowSums(w, rows: unitCount, width: bins, into: sums) }
            }
            for u in 0..<unitCount { inverseSums[u] = 1 / (templateSums[u] + floor) }
            // Each half of the frames updated by the thread that made its numerators.
            model.withUnsafeBufferPointer { q in
                templatesByPitch.withUnsafeBufferPointer { w in
                    numerator.withUnsafeMutableBufferPointer { n in
                        activations.withUnsafeMutableBufferPointer { x in
                            inverseSums.withUnsafeBufferPointer { inverse in
                                rowOf.withUnsafeBufferPointer { rowOf in
                                    nonisolated(unsafe) let (q, w, n, x, inverse, rowOf) = (q, w, n, x, inverse, rowOf)
                                    split(frameHalves) { rows in
                                        BLAS.sgemm(transposeA: false, transposeB: true, m: rows.count, n: unitCount, k: bins,
                                                   a: q.baseAddress! + rows.lowerBound * bins, lda: bins, b: w.baseAddress!, ldb: bins,
                                                   c: n.baseAddress! + rows.lowerBound * unitCount, ldc: unitCount, skippingZeros: true)
                                        // Frame by frame (no division per cell to find its unit).
                                        for t in rows {
                                            let row = t * unitCount
                                            for u in 0..<unitCount { x[row + u] *= n[row + rowOf[u]] * inverse[u] }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if c.rangeCompetition > 0 && sources > 1 && iteration < c.rangeCompetitionIterations {
                compete(&activations, frames: frames, unitCount: unitCount, sources: sources, pitchCount: pitchCount, kernel: kernel)
            }

            // Profiles and noise bands: M = Xᵀ Q (rows in pitch order, only at the bins read below), then
            // a[k, h] ← a[k, h] · Σ_p G[p, h]·M[k, p] / Σ_p |G[p, h]| Σ_t X[t, k, p].
            refreshRatio(gatheringByPitch: true)
            activationsByPitch.withUnsafeBufferPointer { x in
                model.withUnsafeBufferPointer { q in
                    products.withUnsafeMutableBufferPointer { m in
                        nonisolated(unsafe) let (x, q, m) = (x, q, m)
                        split(profileHalves) { columns in
                            let half = profileHalves.firstIndex(of: columns)!
                            neededBins[half].from.withUnsafeBufferPointer { from in
                                neededBins[half].to.withUnsafeBufferPointer { to in
                                    BLAS.sgemm(transposeA: true, transposeB: false, m: unitCount, n: columns.count, k: frames,
                                               a: x.baseAddress!, lda: unitCount, b: q.baseAddress! + columns.lowerBound, ldb: bins,
                                               c: m.baseAddress! + columns.lowerBound, ldc: bins,
                                               neededFrom: from.baseAddress!, neededTo: to.baseAddress!)
                                }
                            }
                        }
                    }
                }
            }
            var unitTotals = [Float](repeating: 0, count: unitCount)
            activations.withUnsafeBufferPointer { x in
                unitTotals.withUnsafeMutableBufferPointer { totals in
                    for t in 0..<frames { for u in 0..<unitCount { totals[u] += x[t * unitCount + u] } }
                }
            }
            updates = iteration + 1
            if c.convergenceTolerance > 0, updates >= c.rangeCompetitionIterations,
               (updates - c.rangeCompetitionIterations) % max(1, c.convergenceInterval) == 0 {
                let d = divergence(unitTotals)
                if let last = lastDivergence, last - d < Double(c.convergenceTolerance) * abs(last) { settled = true }
                lastDivergence = d
            }
            products.withUnsafeBufferPointer { m in
                for k in 0..<sources {
                    for h in 0..<hCount {
                        var num: Float = 0, den: Float = 0
                        for p in 0..<pitchCount where h < grid.partialCount[p] {
                            let lobe = grid.lobes[p * hCount + h]
                            let row = rowOf[k * pitchCount + p] * bins + lobe.start
                            var dot: Float = 0
                            for (i, g) in lobe.values.enumerated() { dot += g * m[row + i] }
                            num += dot
                            den += unitTotals[k * pitchCount + p]  // each lobe sums to 1
                        }
                        profiles[k * hCount + h] *= num / (den + floor)
                    }
                }
                for j in 0..<noise {
                    let row = rowOf[sources * pitchCount + j] * bins
                    let activity = unitTotals[sources * pitchCount + j]
                    let (num, den) = bands.withUnsafeBufferPointer { bands in
                        Self.columnProducts(bands, rows: bins, columns: bandCount, vector: UnsafeBufferPointer(rebasing: m[row..<(row + bins)]))
                    }
                    for b in 0..<bandCount { bandWeights[j * bandCount + b] *= num[b] / (den[b] * activity + floor) }
                }
            }
            // Scale: unit-sum band weights and unit-mean profiles, the scale moved into the activations.
            activations.withUnsafeMutableBufferPointer { x in
                for j in 0..<noise {
                    var s: Float = 0
                    for b in 0..<bandCount { s += bandWeights[j * bandCount + b] }
                    guard s > 0 else { continue }
                    for b in 0..<bandCount { bandWeights[j * bandCount + b] /= s }
                    for t in 0..<frames { x[t * unitCount + sources * pitchCount + j] *= s }
                }
                for k in 0..<sources {
                    var s: Float = 0
                    for h in 0..<hCount { s += profiles[k * hCount + h] }
                    guard s > 0 else { continue }
                    for h in 0..<hCount { profiles[k * hCount + h] /= s }
                    for t in 0..<frames { for p in 0..<pitchCount { x[t * unitCount + k * pitchCount + p] *= s } }
                }
            }
            if settled { break }
        }
        buildTemplates()

        // Each noise component to the source whose summed activation its own follows most closely.
        let units = NMF.Factors(frames: frames, bins: bins, components: unitCount, activations: activations, templates: templates)
        var factors = Factors(units: units, sources: sources, pitches: grid.pitches, profiles: profiles, partials: hCount, noiseOwner: [],
                              updates: updates)
        let curves = (0..<sources).map { factors.activation(ofSource: $0) }
        factors.noiseOwner = (0..<noise).map { j in
            let curve = units.activation(sources * pitchCount + j)
            let scores = curves.map { Self.pearson(curve, $0) }
            return scores.indices.max { scores[$0] < scores[$1] } ?? 0
        }
        return factors
    }

    /// Scales each source's activation at each pitch by its share (to the power `rangeCompetition`) of the
    /// smoothed pitch histograms of all sources.
    private func compete(_ x: inout [Float], frames: Int, unitCount: Int, sources: Int, pitchCount: Int, kernel: [Float]) {
        var histogram = [Float](repeating: 0, count: sources * pitchCount)
        x.withUnsafeBufferPointer { x in
            for t in 0..<frames { for q in 0..<(sources * pitchCount) { histogram[q] += x[t * unitCount + q] } }
        }
        var smooth = [Float](repeating: 0, count: sources * pitchCount)
        for k in 0..<sources {
            for p in 0..<pitchCount {
                var s: Float = 0
                for q in 0..<pitchCount { s += histogram[k * pitchCount + q] * kernel[q * pitchCount + p] }
                smooth[k * pitchCount + p] = s + 1e-12
            }
        }
        var factor = [Float](repeating: 1, count: sources * pitchCount)
        for p in 0..<pitchCount {
            var all: Float = 0
            for k in 0..<sources { all += smooth[k * pitchCount + p] }
            for k in 0..<sources { factor[k * pitchCount + p] = pow(smooth[k * pitchCount + p] / all, configuration.rangeCompetition) }
        }
        x.withUnsafeMutableBufferPointer { x in
            for t in 0..<frames { for q in 0..<(sources * pitchCount) { x[t * unitCount + q] *= factor[q] } }
        }
    }

    static func rangeKernel(count: Int, spread: Float) -> [Float] {
        var kernel = [Float](repeating: 0, count: count * count)
        for a in 0..<count {
            for b in 0..<count {
                let d = Float(a - b) / max(spread, 1e-3)
                kernel[a * count + b] = exp(-0.5 * d * d)
            }
        }
        return kernel
    }

    /// bins × 24 overlapping triangles on a log-frequency axis (log(1 + f/4)), each summing to 1: noise
    /// templates built from them are smooth across partials.
    static func smoothBands(bins: Int, count: Int = 24) -> [Float] {
        let axis = (0..<bins).map { log1p(Float($0) / 4) }
        let top = axis.last ?? 0
        let width = top / Float(max(count - 1, 1))
        var bands = [Float](repeating: 0, count: bins * count)
        for b in 0..<count {
            let centre = Float(b) * width
            var sum: Float = 0
            for f in 0..<bins { let v = max(0, 1 - abs(axis[f] - centre) / max(width, 1e-6)); bands[f * count + b] = v; sum += v }
            if sum > 0 { for f in 0..<bins { bands[f * count + b] /= sum } }
        }
        return bands
    }

    static func pearson(_ a: [Float], _ b: [Float]) -> Float {
        let n = Float(a.count)
        guard n > 1 else { return 0 }
        let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab: Float = 0, saa: Float = 0, sbb: Float = 0
        for i in a.indices { let x = a[i] - ma, y = b[i] - mb; sab += x * y; saa += x * x; sbb += y * y }
        return saa > 0 && sbb > 0 ? sab / (saa * sbb).squareRoot() : 0
    }
}

extension HarmonicNMF {
    /// The partial lobes of every pitch of the grid: where each sits in the spectrum and its shape.
    struct PartialGrid {
        struct Lobe { var start: Int; var values: [Float] }
        let pitches: [Float]
        /// pitches × partials lobes (empty above the top bins).
        let lobes: [Lobe]
        /// Per pitch, how many partials lie below the top bins.
        let partialCount: [Int]

        init(lowest: Int, highest: Int, partials: Int, toleranceCents: Float, sampleRate: Int, fftSize: Int) {
            let bins = fftSize / 2 + 1
            let binHz = Float(sampleRate) / Float(fftSize)
            let widen = pow(2, toleranceCents / 1200) - 1
            var lobes: [Lobe] = [], counts: [Int] = []
            pitches = (lowest...highest).map(Float.init)
            for m in pitches {
                let f0 = 440 * pow(2, (m - 69) / 12)
                var count = 0
                for h in 0..<partials {
                    let centre = Float(h + 1) * f0 / binHz
                    guard centre <= Float(bins - 3) else { lobes.append(Lobe(start: 0, values: [])); continue }
                    count = h + 1
                    let half = centre * widen
                    let start = max(0, Int((centre - half - 2).rounded(.up)))
                    let end = min(bins - 1, Int((centre + half + 2).rounded(.down)))
                    var values = (start...max(start, end)).map { f in Self.hann(max(0, abs(Float(f) - centre) - half)) }
                    let sum = values.reduce(0, +)
                    if sum > 0 { values = values.map { $0 / sum } }
                    lobes.append(Lobe(start: start, values: values))
                }
                counts.append(count)
            }
            self.lobes = lobes
            partialCount = counts
        }

        /// |DTFT| of a Hann window `d` bins from a sinusoid (1 at 0), zero beyond the main lobe (±2 bins).
        static func hann(_ d: Float) -> Float {
            guard d < 2 else { return 0 }
            func sinc(_ x: Float) -> Float { abs(x) < 1e-6 ? 1 : sin(Float.pi * x) / (Float.pi * x) }
            return abs(0.5 * sinc(d) + 0.25 * sinc(d - 1) + 0.25 * sinc(d + 1))
        }
    }
}
