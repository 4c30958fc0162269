import Foundation

extension MotionInformedNMF {
    /// One curve prepared for many lagged correlations against it: for every lag, the window it
    /// overlaps and its mean and centred norm there, so a correlation costs one product per lag
    /// instead of three passes (the grouping scores thousands of candidate sources per clip).
    struct LaggedReference: Sendable {
        let values: [Float]
        /// `values` widened once (exactly), for the products.
        private let wide: [Double]
        /// Per lag: the lag, the window `start..<end` of the other curve, and this curve's mean and centred
        /// norm over `start + lag ..< end + lag`.
        let windows: [(lag: Int, start: Int, end: Int, mean: Double, norm: Double)]

        /// - Parameters:
        ///   - values: the reference curve `b`.
        ///   - length: the length of the curves it will be correlated with (`a`).
        init(_ values: [Float], length: Int, maxLag: Int) {
            self.init(values, length: length, lags: -maxLag...maxLag)
        }

        /// - Parameter lags: the lags searched (`values[t + lag]` against `a[t]`: a positive lag reads the reference later).
        init(_ values: [Float], length: Int, lags: ClosedRange<Int>) {
            self.values = values
            wide = values.map { Double($0) }
            var windows: [(lag: Int, start: Int, end: Int, mean: Double, norm: Double)] = []
            for lag in lags {
                let start = max(0, -lag), end = min(length, values.count - lag)
                guard end - start > 2 else { continue }
                var s = 0.0
                for t in start..<end { s += Double(values[t + lag]) }
                let mean = s / Double(end - start)
                var v = 0.0
                for t in start..<end { let d = Double(values[t + lag]) - mean; v += d * d }
                guard v > 0 else { continue }
                windows.append((lag, start, end, mean, v.squareRoot()))
            }
            self.windows = windows
        }

        /// The largest Pearson correlation of `a[t]` with `values[t + lag]` over the lags (0 when either
        /// is flat): the same as `MotionInformedNMF.laggedCorrelation(a, values, maxLag:)`.
        func correlation(_ a: [Float]) -> Float {
            var prefix = [Double](repeating: 0, count: a.count + 1), squares = prefix
            for t in a.indices {
                let x = Double(a[t])
                prefix[t + 1] = prefix[t] + x
                squares[t + 1] = squares[t] + x * x
            }
            let products = laggedProducts(a.map { Double($0) })
            var best: Float = -1
            for (i, w) in windows.enumerated() {
                let n = Double(w.end - w.start)
                let sa = prefix[w.end] - prefix[w.start]
                let ma = sa / n
                let va = squares[w.end] - squares[w.start] - sa * ma
                // Cancellation leaves a flat curve a tiny positive variance; treat it as flat.
                guard va > 1e-9 * max(squares[w.end] - squares[w.start], 1e-30) else { continue }
                // Σ (a − ma)(b − mb) = Σ a b − ma Σ b, and Σ b over the window is n · mb.
                let cov = products[i] - ma * n * w.mean
                best = max(best, Float(cov / (va.squareRoot() * w.norm)))
            }
            return best == -1 ? 0 : best
        }

        /// Per window, Σ a[t] · values[t + lag] over `start..<end`, each sum taken in ascending `t`.
        ///
        /// Eight windows of consecutive lags are summed as the lanes of one vector (the reference's eight
        /// values at `t + lag` are adjacent), other runs four side by side (four independent additions per
        /// step instead of one chain waiting on the last), read through spans (no bounds check per term):
        /// each window's sum still adds the same terms in the same order, each product rounded and then
        /// added as in one window's loop, so the bits are those of one window at a time.
        /// - Complexity: O(windows × length); the grouping search's hot loop.
        func laggedProducts(_ a: [Double]) -> [Double] {
            var products = [Double](repeating: 0, count: windows.count)
            let x = a.span, y = wide.span
            var i = 0
            while i < windows.count {
                // Lags rise with the index, so eight windows whose first and last lags are 7 apart are consecutive.
                if i + 8 <= windows.count, windows[i + 7].lag - windows[i].lag == 7 {
                    let group = windows[i..<(i + 8)]
                    let first = group.map(\.start).max()!, last = group.map(\.end).min()!
                    if first < last {
                        // Each sum: its terms before the span all eight share, that span (one vector), its terms after.
                        var sums = SIMD8<Double>()
                        for (j, w) in group.enumerated() { for t in w.start..<first { sums[j] += x[t] * y[t + w.lag] } }
                        sums = Self.products(x, y, firstLag: windows[i].lag, first..<last, adding: sums)
                        for (j, w) in group.enumerated() {
                            var s = sums[j]
                            for t in last..<w.end { s += x[t] * y[t + w.lag] }
                            products[i + j] = s
                        }
                        i += 8
                        continue
                    }
                }
                guard i + 4 <= windows.count else {
                    products[i] = Self.product(x, y, windows[i].lag, windows[i].start..<windows[i].end)
                    i += 1
                    continue
                }
                let w0 = windows[i], w1 = windows[i + 1], w2 = windows[i + 2], w3 = windows[i + 3]
                let first = max(w0.start, w1.start, w2.start, w3.start), last = min(w0.end, w1.end, w2.end, w3.end)
                var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
                if first < last {
                    // Each sum: its terms before the span all four share, that span (four at once), its terms after.
                    for t in w0.start..<first { s0 += x[t] * y[t + w0.lag] }
                    for t in w1.start..<first { s1 += x[t] * y[t + w1.lag] }
                    for t in w2.start..<first { s2 += x[t] * y[t + w2.lag] }
                    for t in w3.start..<first { s3 += x[t] * y[t + w3.lag] }
                    let a0 = x.extracting(first..<last)
                    let b0 = y.extracting((first + w0.lag)..<(last + w0.lag)), b1 = y.extracting((first + w1.lag)..<(last + w1.lag))
                    let b2 = y.extracting((first + w2.lag)..<(last + w2.lag)), b3 = y.extracting((first + w3.lag)..<(last + w3.lag))
                    for t in 0..<(last - first) {
                        let v = a0[t]
                        s0 += v * b0[t]
                        s1 += v * b1[t]
                        s2 += v * b2[t]
                        s3 += v * b3[t]
                    }
                    for t in last..<w0.end { s0 += x[t] * y[t + w0.lag] }
                    for t in last..<w1.end { s1 += x[t] * y[t + w1.lag] }
                    for t in last..<w2.end { s2 += x[t] * y[t + w2.lag] }
                    for t in last..<w3.end { s3 += x[t] * y[t + w3.lag] }
                } else {
                    // No span shared by all four (very short curves): each window alone.
                    s0 = Self.product(x, y, w0.lag, w0.start..<w0.end)
                    s1 = Self.product(x, y, w1.lag, w1.start..<w1.end)
                    s2 = Self.product(x, y, w2.lag, w2.start..<w2.end)
                    s3 = Self.product(x, y, w3.lag, w3.start..<w3.end)
                }
                products[i] = s0; products[i + 1] = s1; products[i + 2] = s2; products[i + 3] = s3
                i += 4
            }
            return products
        }

        /// Lane `j`: `sums[j]` + Σ x[t] · y[t + firstLag + j] over `range`, in ascending `t` (eight lags at once;
        /// `y` must hold `t + firstLag ..< t + firstLag + 8` for every `t` in `range`).
        private static func products(_ x: Span<Double>, _ y: Span<Double>, firstLag: Int, _ range: Range<Int>,
                                     adding sums: SIMD8<Double>) -> SIMD8<Double> {
            precondition(range.lowerBound + firstLag >= 0 && range.upperBound + firstLag + 7 <= y.count, "lags outside the reference")
            var s = sums
            x.withUnsafeBufferPointer { x in
                y.withUnsafeBytes { y in
                    for t in range {
                        s += SIMD8(repeating: x[t]) * y.loadUnaligned(fromByteOffset: (t + firstLag) * MemoryLayout<Double>.stride,
                                                                      as: SIMD8<Double>.self)
                    }
                }
            }
            return s
        }

        /// Σ x[t] · y[t + lag] over `range`, in ascending `t`.
        private static func product(_ x: Span<Double>, _ y: Span<Double>, _ lag: Int, _ range: Range<Int>) -> Double {
            var s = 0.0
            for t in range { s += x[t] * y[t + lag] }
            return s
        }
    }

    /// How well a candidate source — a summed activation — follows each region's motion: the onset correlation of
    /// `scores`, and the energy over time or the activity after its onsets (`activityWeight`: 0 everywhere but where two
    /// players are left, `Configuration.pairActivityWeight`), with the motion side prepared once.
    struct SourceEvidence: Sendable {
        let smooth: Int
        let long: Int
        let onsetWeight: Float
        let onsets: [LaggedReference]
        let levels: [LaggedReference]
        /// Frames over which each onset is spread forward for the activity curve (`activitySeconds`).
        let spread: Int
        let activityWeight: Float
        /// Per region, its motion averaged over `activityMotionSeconds`, searched from `maximumLagSeconds` early to
        /// `activityLateSeconds` late.
        let activities: [LaggedReference]

        /// - Parameter activityWeight: the activity's share of the non-onset evidence (0: the energy over time alone).
        init(_ configuration: Configuration, motion: [[Float]], frames: Int, frameSeconds: Double, activityWeight: Float = 0) {
            smooth = max(1, Int((configuration.smoothingSeconds / frameSeconds).rounded()))
            long = max(1, Int((configuration.envelopeSeconds / frameSeconds).rounded()))
            let maxLag = Int((configuration.maximumLagSeconds / frameSeconds).rounded())
            let envelopeLag = Int((2 * configuration.maximumLagSeconds / frameSeconds).rounded())
            onsetWeight = configuration.onsetWeight
            spread = max(1, Int((configuration.activitySeconds / frameSeconds).rounded()))
            self.activityWeight = activityWeight
            let (smooth, long) = (smooth, long)
            onsets = motion.map { LaggedReference(MotionInformedNMF.movingAverage($0, smooth), length: frames, maxLag: maxLag) }
            levels = activityWeight < 1
                ? motion.map { LaggedReference(MotionInformedNMF.movingAverage($0, long), length: frames, maxLag: envelopeLag) } : []
            if activityWeight > 0 {
                let width = max(1, Int((configuration.activityMotionSeconds / frameSeconds).rounded()))
                let late = max(-maxLag, Int((configuration.activityLateSeconds / frameSeconds).rounded()))
                activities = motion.map { LaggedReference(MotionInformedNMF.movingAverage($0, width), length: frames, lags: -maxLag...late) }
            } else {
                activities = []
            }
        }

        var regions: Int { onsets.count }

        /// The curves of a source that are compared with motion: smoothed onsets, the averaged level, and the activity
        /// (`activity`; empty when `activityWeight` is 0). All are made from one log-compressed activation (`onsetCurve` is
        /// the rises of `compressed`): the grouping's search scores thousands of candidate sources, and `log1pf` was 3–4 %
        /// of a trio's CPU, taken twice.
        func curves(_ activation: [Float]) -> (onsets: [Float], level: [Float], activity: [Float]) {
            let compressed = MotionInformedNMF.compressed(activation)
            let rises = MotionInformedNMF.rises(compressed)
            return (MotionInformedNMF.movingAverage(rises, smooth), activityWeight < 1 ? MotionInformedNMF.movingAverage(compressed, long) : [],
                    activityWeight > 0 ? MotionInformedNMF.activity(rises, spread: spread) : [])
        }

        /// The source's evidence for region `r`, from its prepared curves: `onsetWeight` of the onsets' correlation, the
        /// rest the level's and the activity's, the activity taking `activityWeight` of it.
        func score(_ curves: (onsets: [Float], level: [Float], activity: [Float]), region r: Int) -> Float {
            let level = activityWeight < 1 ? (1 - activityWeight) * levels[r].correlation(curves.level) : 0
            let activity = activityWeight > 0 ? activityWeight * activities[r].correlation(curves.activity) : 0
            return onsetWeight * onsets[r].correlation(curves.onsets) + (1 - onsetWeight) * (level + activity)
        }

        /// The evidence that `activation` (a component's or a whole source's) is region `r`'s sound.
        func callAsFunction(_ activation: [Float], region r: Int) -> Float {
            score(curves(activation), region: r)
        }
    }

    /// Each frame's sum of `rises` over the `spread` frames up to it: how much has started lately.
    ///
    /// A player's motion follows what they start, late and for a while, not how loud they are: a bow slides from a
    /// note's start until it turns or reaches its end, a wind player's hands and instrument rise after an onset and
    /// settle, a follow-spot catches up with an entry. An onset spread forward over the next few tenths of a second is
    /// that shape; the level (`envelopeSeconds`) is not — a long note keeps its level while the bow has stopped.
    static func activity(_ rises: [Float], spread: Int) -> [Float] {
        var out = [Float](repeating: 0, count: rises.count)
        var sum: Double = 0
        for t in rises.indices {
            sum += Double(rises[t])
            if t >= spread { sum -= Double(rises[t - spread]) }
            out[t] = Float(max(0, sum))
        }
        return out
    }

    /// Which regions are bystanders that keep time — a conductor beating, a dancer, a waving audience, a
    /// scrolling screen — rather than players: their motion repeats itself strongly, and the sound does
    /// not repeat at that period.
    ///
    /// Evidence from the sound alone cannot tell them apart: among dozens of NMF components some follow
    /// any busy curve by chance, and grouping picks those (bystanders scored 0.15–0.43 on the tuning
    /// clips, players 0.08–0.68). Their motion's *shape* does: a player moves with phrases of
    /// irregular notes and rests (autocorrelation ≤ 0.45 over 0.25–2 s on every tuning player), a
    /// bystander repeats one gesture (≥ 0.88 on all but one) and never stops (still in at most 5 % of
    /// its half-seconds on the tuning clips). A dancer or an audience repeats several gestures at once, which spreads
    /// one lag's autocorrelation (0.5–0.64 on held-out clips): a region also keeps time when its motion's power lies in
    /// a few spectral lines (`lineShare` at least `moverLineShare`). A player who does keep a strict beat (a
    /// drummer, a strummer) makes a sound that repeats at that beat too, so a region counts as a
    /// bystander only when no part of the sound — the mixture's onsets, nor any NMF component's (one
    /// player's beat is diluted in a mixture with others) — repeats at the motion's period by
    /// `moverRhythm` or more.
    /// - Parameters:
    ///   - motion: per region, the motion curve on the STFT frames.
    ///   - onsets: onset curves of the sound on the same frames (the mixture's, each component's).
    ///   - players: per region, the index of its player's busiest piece (`playerIndices`); empty: each region its own.
    ///     A player whose busiest piece is a bystander is one with all its pieces (`spreadingMovers`).
    /// - Returns: per region, true for a bystander.
    static func periodicMovers(motion: [[Float]], onsets: [[Float]], frameSeconds: Double, configuration: Configuration,
                               players: [Int] = []) -> [Bool] {
        let shortest = max(1, Int((0.25 / frameSeconds).rounded())), longest = Int((2.0 / frameSeconds).rounded())
        let smooth = max(1, Int((configuration.smoothingSeconds / frameSeconds).rounded()))
        let sounds = onsets.map { movingAverage($0, smooth) }
        let phrase = max(1, Int((0.5 / frameSeconds).rounded())), slow = 2 * longest
        let levels = motion.map { movingAverage($0, phrase) }
        // Every region's level summed: with a region's own taken out, the rest of the picture's motion.
        let frames = levels.map(\.count).min() ?? 0
        let total = (0..<frames).map { t in levels.reduce(Float(0)) { $0 + $1[t] } }
        let movers = motion.indices.map { r in
            let curve = motion[r]
            guard curve.count > 2 * longest else { return false }
            // A bystander keeps moving: a region still for more than `moverStillness` of its half-seconds
            // (a player between phrases, in a pause) is not one — still against the other regions, when there are any.
            let others = configuration.moverStillnessInPicture && levels.count > 1 ? (0..<frames).map { total[$0] - levels[r][$0] } : nil
            guard stillShare(levels[r], others: others) < configuration.moverStillness else { return false }
            // Repetition, not slowness: the curve's drift over phrases (which alone correlates highly at short
            // lags) is taken out before the autocorrelation is read.
            let smoothed = movingAverage(curve, smooth), drift = movingAverage(curve, slow)
            let (strength, period) = periodicity(zip(smoothed, drift).map { $0 - $1 }, lags: shortest...longest)
            // Several gestures repeated at once (a dancer, an audience) spread one lag's autocorrelation over
            // their periods; their power still lies in a few spectral lines.
            let keepsTime = strength >= configuration.moverPeriodicity
                || (configuration.moverPeriodicity <= 1 && lineShare(zip(smoothed, drift).map { $0 - $1 }, frameSeconds: frameSeconds) >= configuration.moverLineShare)
            guard keepsTime else { return false }
            // The sound's own repetition at that period (± one frame: tempo drift, frame rounding).
            let audio = sounds.map { sound in ((period - 1)...(period + 1)).map { autocorrelation(sound, lag: $0) }.max() ?? 0 }.max() ?? 0
            return audio < configuration.moverRhythm
        }
        return spreadingMovers(movers, players: players)
    }

    /// The share of `level`'s half-seconds (a region's motion averaged over 0.5 s) in which the region is still: below a fifth
    /// of its usual level (the 95th percentile) — and, given `others` (the other regions' levels summed), its level against
    /// theirs below a fifth of its usual ratio too. 1 for a region that never moves.
    ///
    /// Against the others, a stretch that quiets every region at once is the picture's, not the region's: a stage light
    /// fading or going dark lowers a dancer's motion with the players' (development clips b72 #80 and b90 #95, light fade:
    /// the dancer and the audience below a fifth of their level in 0.11 of their half-seconds, against the others never
    /// so low), while a player resting between phrases is quiet as the others go on, by both readings.
    /// - Parameters:
    ///   - level: the region's motion, averaged over half a second, per frame.
    ///   - others: the other regions' `level`s summed per frame, or nil: the level alone. Frames past its end (a region's
    ///     curve longer than the shortest, whose length the sum stops at) have no reading against the others.
    static func stillShare(_ level: [Float], others: [Float]?) -> Float {
        let sorted = level.sorted()
        guard !sorted.isEmpty else { return 1 }
        let high = sorted[min(sorted.count - 1, Int(0.95 * Double(sorted.count)))]
        guard high > 0 else { return 1 }
        let quiet = level.indices.filter { level[$0] < 0.2 * high }
        guard let others else { return Float(quiet.count) / Float(level.count) }
        // Where the others do not move at all, nothing tells the region's quiet from the picture's: not counted still.
        let ratio = level.indices.map { $0 < others.count && others[$0] > 0 ? level[$0] / others[$0] : nil }
        let ratios = ratio.compactMap { $0 }.sorted()
        guard !ratios.isEmpty else { return 0 }
        let usual = ratios[min(ratios.count - 1, Int(0.95 * Double(ratios.count)))]
        return Float(quiet.filter { ratio[$0].map { $0 < 0.2 * usual } ?? false }.count) / Float(level.count)
    }

    /// `movers` (`periodicMovers`' own flags) with every piece of a player whose busiest piece is a bystander taken for one too.
    ///
    /// A player's pieces are counted as one source on the busiest (`MotionGuidedSeparation.pieces`): when that piece
    /// keeps time as a bystander, a second box on the same mover that does not (a conductor's arm and its elbow,
    /// periodicity 0.23) would otherwise keep some sound, and that sound would be counted on the mover as a player
    /// (tuning duet #4 as footage: 0.30 of the mixture on the conductor, a player without sound, 6 sources for 2).
    /// A flagged piece that is not its player's busiest changes nothing: the player keeps its other pieces. Left as
    /// it is when it would leave no region that is not a bystander.
    /// - Parameter players: per region, the index of its player's busiest piece (`playerIndices`); missing: its own.
    static func spreadingMovers(_ movers: [Bool], players: [Int]) -> [Bool] {
        let spread = movers.indices.map { r in movers[r] || (r < players.count && movers.indices.contains(players[r]) && movers[players[r]]) }
        return spread.allSatisfy { $0 } ? movers : spread
    }

    /// The share of `x`'s power between 0.6 and 8 Hz (a gesture every 0.125–1.7 s) that lies in its three strongest
    /// spectral lines, each taken ±0.15 Hz wide (the resolution of a 10 s curve, and a tempo's drift): near 1 for motion
    /// made of a few repeated gestures, well under it for a player's phrases of irregular notes. 0 for a flat curve.
    ///
    /// The power is read every 0.05 Hz by the Goertzel recurrence (one multiply-add per frame and frequency).
    /// - Parameters:
    ///   - x: the motion curve (drift taken out), one value per frame.
    ///   - frameSeconds: the frames' spacing.
    /// - Complexity: O(149 · n) for n frames.
    static func lineShare(_ x: [Float], frameSeconds: Double) -> Float {
        let n = x.count
        guard n > 8, frameSeconds > 0 else { return 0 }
        let mean = Double(x.reduce(0, +)) / Double(n)
        let step = 0.05
        var power = stride(from: 0.6, through: 8.0 + step / 2, by: step).map { f -> Double in
            let w = 2 * Double.pi * f * frameSeconds
            let c = 2 * cos(w)
            var s1 = 0.0, s2 = 0.0
            for t in 0..<n { (s1, s2) = (Double(x[t]) - mean + c * s1 - s2, s1) }
            return max(0, s1 * s1 + s2 * s2 - c * s1 * s2)
        }
        let total = power.reduce(0, +)
        guard total > 0 else { return 0 }
        var lines = 0.0
        let half = Int((0.15 / step).rounded())
        for _ in 0..<3 {
            let peak = power.indices.max { power[$0] < power[$1] }!
            for i in max(0, peak - half)...min(power.count - 1, peak + half) { (lines, power[i]) = (lines + power[i], 0) }
        }
        return Float(lines / total)
    }

    /// The strongest normalised autocorrelation of `x` over `lags`, and the lag where it is.
    static func periodicity(_ x: [Float], lags: ClosedRange<Int>) -> (strength: Float, lag: Int) {
        var best: (strength: Float, lag: Int) = (-1, lags.lowerBound)
        for lag in lags where lag < x.count - 2 {
            let r = autocorrelation(x, lag: lag)
            if r > best.strength { best = (r, lag) }
        }
        return best
    }

    /// Pearson correlation of `x[t]` with `x[t + lag]` (0 when either part is flat or too short).
    static func autocorrelation(_ x: [Float], lag: Int) -> Float {
        guard lag >= 0, x.count - lag > 2 else { return 0 }
        return laggedCorrelation(Array(x[..<(x.count - lag)]), Array(x[lag...]), maxLag: 0)
    }
}
