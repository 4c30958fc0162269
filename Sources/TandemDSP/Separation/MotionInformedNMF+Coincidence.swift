import Foundation

extension MotionInformedNMF {
    /// How often a source's note onsets and a region's motion peaks come together, the motion at most a little early
    /// and up to `coincidenceLatestSeconds` late: each side's peaks counted against the other's, chance taken out.
    ///
    /// `SourceEvidence` correlates whole curves over lags in both directions, so a region that moves all the time
    /// (a guitarist's strumming hands, a bow, a glow that follows the whole band) correlates a little with every
    /// source, and its highest correlation can sit at a lag where the motion comes before the note, which no player
    /// does. Peaks compared one by one ask the question a viewer asks — does this player move just after each of
    /// these notes starts, and hardly otherwise? On tuning trio #11 the clarinet's source scored 0.16 / 0.26 / 0.33 by
    /// correlation on the bassoon's, its own and the guitar's regions, and went to the guitar's; its coincidence there
    /// is −0.06 / 0.66 / 0.32, which (at `coincidenceWeight` 0.5) puts it on its own. Both sides are scored, so a
    /// region that peaks everywhere (recall at chance) and one that peaks rarely (precision at chance) gain nothing.
    ///
    /// A region's turns (`MotionTrack.turns`: its motion going back the way it came) are counted the same way, apart,
    /// and added (`turnWeight`): a bow moves all the time and turns where a note starts, so its energy's peaks (where it
    /// starts after a rest, or a sway's) meet few onsets while its turns meet most; a hand that lifts and settles after
    /// a note turns there too.
    struct OnsetCoincidence: Sendable {
        /// The onset curves' and motion curves' moving average, frames (`smoothingSeconds`).
        let smooth: Int
        /// Per region, its motion peaks.
        let peaks: [[Int]]
        /// Per region, the frames where a note onset would have one of its motion peaks in the window after it.
        let before: [[Bool]]
        /// The window after an onset, in frames: `earliest` (≤ 0: motion a little early) through `latest`.
        let earliest: Int
        let latest: Int
        let frames: Int
        /// Per region, the peaks of its turns and the frames where an onset would meet one (empty: no turns measured).
        let turnPeaks: [[Int]]
        let turnBefore: [[Bool]]
        let turnWeight: Float

        /// - Parameter turns: per region, its turns on the same frames (`MotionTrack.resampledTurns`), or empty.
        init(_ configuration: Configuration, motion: [[Float]], turns: [[Float]] = [], frames: Int, frameSeconds: Double) {
            smooth = max(1, Int((configuration.smoothingSeconds / frameSeconds).rounded()))
            earliest = -Int((configuration.coincidenceEarliestSeconds / frameSeconds).rounded())
            latest = Int((configuration.coincidenceLatestSeconds / frameSeconds).rounded())
            self.frames = frames
            let (smooth, earliest, latest) = (smooth, earliest, latest)
            peaks = motion.map { Self.peaks(MotionInformedNMF.movingAverage($0, smooth)) }
            before = peaks.map { Self.cover($0, frames: frames, from: -latest, to: -earliest) }
            let turnWeight = configuration.turnWeight
            self.turnWeight = turnWeight
            turnPeaks = motion.indices.map { r in
                r < turns.count && turns[r].count == frames && turnWeight > 0 ? Self.peaks(MotionInformedNMF.movingAverage(turns[r], smooth)) : []
            }
            turnBefore = turnPeaks.map { Self.cover($0, frames: frames, from: -latest, to: -earliest) }
        }

        /// Per region: the mean of two chance-corrected shares — of the source's onsets with a motion peak of the
        /// region in the window after them, and of the region's motion peaks with an onset in the window before them
        /// ((share − chance) / (1 − chance), chance the share of frames the windows cover), −1…1 — plus `turnWeight` times
        /// the same of its turns' peaks. 0 for every region when the source has no onsets; a region that never peaks (or
        /// never turns) gains nothing from that side.
        func scores(_ activation: [Float]) -> [Float] {
            let onsets = Self.peaks(MotionInformedNMF.movingAverage(MotionInformedNMF.onsetCurve(activation), smooth))
            guard !onsets.isEmpty else { return peaks.map { _ in 0 } }
            let after = Self.cover(onsets, frames: frames, from: earliest, to: latest)
            return peaks.indices.map { r in
                Self.agreement(onsets, after: after, peaks: peaks[r], before: before[r])
                    + turnWeight * Self.agreement(onsets, after: after, peaks: turnPeaks[r], before: turnBefore[r])
            }
        }

        /// −1…1, the mean of the two chance-corrected shares of `onsets` and `peaks` (0 when there are no peaks).
        /// - Parameters:
        ///   - after: the frames in the window after an onset.
        ///   - before: the frames in the window before a peak.
        static func agreement(_ onsets: [Int], after: [Bool], peaks: [Int], before: [Bool]) -> Float {
            guard !peaks.isEmpty else { return 0 }
            let recall = corrected(hits: onsets.filter { before[$0] }.count, of: onsets.count, cover: before)
            let precision = corrected(hits: peaks.filter { after[$0] }.count, of: peaks.count, cover: after)
            return (recall + precision) / 2
        }

        /// Cohen's kappa of one side: the share of hits over what the covered share of frames gives by chance.
        static func corrected(hits: Int, of count: Int, cover: [Bool]) -> Float {
            let chance = Double(cover.filter { $0 }.count) / Double(max(cover.count, 1))
            guard chance < 1 else { return 0 }
            return Float((Double(hits) / Double(count) - chance) / (1 - chance))
        }

        /// The local maxima of `curve` above its mean plus half its standard deviation (the last frame of a flat top).
        static func peaks(_ curve: [Float]) -> [Int] {
            guard curve.count > 2 else { return [] }
            let n = Double(curve.count)
            let mean = curve.reduce(0.0) { $0 + Double($1) } / n
            let deviation = (curve.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n).squareRoot()
            let threshold = mean + 0.5 * deviation
            return (1..<(curve.count - 1)).filter { t in
                Double(curve[t]) > threshold && curve[t] >= curve[t - 1] && curve[t] > curve[t + 1]
            }
        }

        /// The frames `t + from ... t + to` of every `t` in `points`, within `0..<frames`.
        static func cover(_ points: [Int], frames: Int, from: Int, to: Int) -> [Bool] {
            var cover = [Bool](repeating: false, count: frames)
            for t in points {
                let lower = max(0, t + from), upper = min(frames - 1, t + to)
                if lower <= upper { for i in lower...upper { cover[i] = true } }
            }
            return cover
        }
    }
}
