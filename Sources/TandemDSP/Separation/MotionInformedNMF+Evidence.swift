import Foundation

extension MotionInformedNMF {
    /// One curve prepared for many lagged correlations against it: for every lag, the window it
    /// overlaps and its mean and centred norm there, so a correlation costs one product per lag
    /// instead of three passes (the grouping scores thousands of candidate sources per clip).
    struct LaggedReference: Sendable {
        let values: [Float]
        /// Per lag: the lag, the window `start..<end` of the other curve, and this curve's mean and centred
        /// norm over `start + lag ..< end + lag`.
        let windows: [(lag: Int, start: Int, end: Int, mean: Double, norm: Double)]

        /// - Parameters:
        ///   - values: the reference curve `b`.
        ///   - length: the length of the curves it will be correlated with (`a`).
        init(_ values: [Float], length: Int, maxLag: Int) {
            self.values = values
            var windows: [(lag: Int, start: Int, end: Int, mean: Double, norm: Double)] = []
            for lag in -maxLag...maxLag {
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
            var best: Float = -1
            for w in windows {
                let n = Double(w.end - w.start)
                let sa = prefix[w.end] - prefix[w.start]
                let ma = sa / n
                let va = squares[w.end] - squares[w.start] - sa * ma
                // Cancellation leaves a flat curve a tiny positive variance; treat it as flat.
                guard va > 1e-9 * max(squares[w.end] - squares[w.start], 1e-30) else { continue }
                var ab = 0.0
                for t in w.start..<w.end { ab += Double(a[t]) * Double(values[t + w.lag]) }
                // Σ (a − ma)(b − mb) = Σ a b − ma Σ b, and Σ b over the window is n · mb.
                let cov = ab - ma * n * w.mean
                best = max(best, Float(cov / (va.squareRoot() * w.norm)))
            }
            return best == -1 ? 0 : best
        }
    }

    /// How well a candidate source — a summed activation — follows each region's motion: the onset and
    /// energy-over-time correlations of `scores`, with the motion side prepared once.
    struct SourceEvidence: Sendable {
        let smooth: Int
        let long: Int
        let onsetWeight: Float
        let onsets: [LaggedReference]
        let levels: [LaggedReference]

        init(_ configuration: Configuration, motion: [[Float]], frames: Int, frameSeconds: Double) {
            smooth = max(1, Int((configuration.smoothingSeconds / frameSeconds).rounded()))
            long = max(1, Int((configuration.envelopeSeconds / frameSeconds).rounded()))
            let maxLag = Int((configuration.maximumLagSeconds / frameSeconds).rounded())
            let envelopeLag = Int((2 * configuration.maximumLagSeconds / frameSeconds).rounded())
            onsetWeight = configuration.onsetWeight
            let (smooth, long) = (smooth, long)
            onsets = motion.map { LaggedReference(MotionInformedNMF.movingAverage($0, smooth), length: frames, maxLag: maxLag) }
            levels = motion.map { LaggedReference(MotionInformedNMF.movingAverage($0, long), length: frames, maxLag: envelopeLag) }
        }

        var regions: Int { onsets.count }

        /// The two curves of a source that are compared with motion: smoothed onsets and the averaged level.
        func curves(_ activation: [Float]) -> (onsets: [Float], level: [Float]) {
            (MotionInformedNMF.movingAverage(MotionInformedNMF.onsetCurve(activation), smooth),
             MotionInformedNMF.movingAverage(MotionInformedNMF.compressed(activation), long))
        }

        /// The source's evidence for region `r`, from its prepared curves.
        func score(_ curves: (onsets: [Float], level: [Float]), region r: Int) -> Float {
            onsetWeight * onsets[r].correlation(curves.onsets) + (1 - onsetWeight) * levels[r].correlation(curves.level)
        }

        /// The evidence that `activation` (a component's or a whole source's) is region `r`'s sound.
        func callAsFunction(_ activation: [Float], region r: Int) -> Float {
            score(curves(activation), region: r)
        }
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
    /// its half-seconds on the tuning clips). A player who does keep a strict beat (a
    /// drummer, a strummer) makes a sound that repeats at that beat too, so a region counts as a
    /// bystander only when no part of the sound — the mixture's onsets, nor any NMF component's (one
    /// player's beat is diluted in a mixture with others) — repeats at the motion's period by
    /// `moverRhythm` or more.
    /// - Parameters:
    ///   - motion: per region, the motion curve on the STFT frames.
    ///   - onsets: onset curves of the sound on the same frames (the mixture's, each component's).
    /// - Returns: per region, true for a bystander.
    static func periodicMovers(motion: [[Float]], onsets: [[Float]], frameSeconds: Double, configuration: Configuration) -> [Bool] {
        let shortest = max(1, Int((0.25 / frameSeconds).rounded())), longest = Int((2.0 / frameSeconds).rounded())
        let smooth = max(1, Int((configuration.smoothingSeconds / frameSeconds).rounded()))
        let sounds = onsets.map { movingAverage($0, smooth) }
        let phrase = max(1, Int((0.5 / frameSeconds).rounded())), slow = 2 * longest
        return motion.map { curve in
            guard curve.count > 2 * longest else { return false }
            // A bystander keeps moving: a region still for more than `moverStillness` of its half-seconds
            // (a player between phrases, in a pause) is not one.
            let level = movingAverage(curve, phrase)
            let sorted = level.sorted()
            let high = sorted[min(sorted.count - 1, Int(0.95 * Double(sorted.count)))]
            guard high > 0, Float(level.filter { $0 < 0.2 * high }.count) < configuration.moverStillness * Float(level.count) else { return false }
            // Repetition, not slowness: the curve's drift over phrases (which alone correlates highly at short
            // lags) is taken out before the autocorrelation is read.
            let smoothed = movingAverage(curve, smooth), drift = movingAverage(curve, slow)
            let (strength, period) = periodicity(zip(smoothed, drift).map { $0 - $1 }, lags: shortest...longest)
            guard strength >= configuration.moverPeriodicity else { return false }
            // The sound's own repetition at that period (± one frame: tempo drift, frame rounding).
            let audio = sounds.map { sound in ((period - 1)...(period + 1)).map { autocorrelation(sound, lag: $0) }.max() ?? 0 }.max() ?? 0
            return audio < configuration.moverRhythm
        }
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
