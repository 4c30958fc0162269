import Foundation
import TandemCore

/// Which lip motion can be speech, and how well it follows the sound: what names a speaker.
///
/// Lip activity alone says that a mouth moves, not that it makes the sound heard: a listener nodding
/// during an off-camera question moves its mouth box as much as a speaker does. A speaking mouth opens
/// and closes with the syllables (3–8 a second); a nod moves the whole mouth and leaves its opening
/// alike. So a face's lip stretch names it only where the mouth's *opening* changes at that rate
/// (`activityFloor`, `activityFraction`), and each such piece is scored by the Pearson correlation of
/// the opening with the audio's speech envelope over the piece and `context` around it, the best over
/// the lips' leads `0…maxLead` (lips lead the sound by 100–250 ms): where two faces' pieces overlap,
/// the better-synchronised face speaks.
///
/// A gate on that correlation — a piece kept only where it beats what the same face reaches against
/// audio shifted by seconds — was measured on the tuning split and not kept: with mouths that follow
/// the text rather than the recording, and envelopes under 0 dB babble, it dropped more true speakers'
/// pieces than listeners' (Tools/eval/results/lip_assist.md, branch talksync).
public struct LipSync: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// Frames either side over which the opening's frame-to-frame change is averaged (2: 0.2 s at 25 fps).
        public var activitySmoothing = 2
        /// Smallest averaged change of the opening (its 0…1 units) that is a syllable's opening or closing:
        /// on the tuning clips a still or nodding mouth's opening flickers by under 0.01, syllables change it
        /// by 0.01–0.03 between the large jumps (0.08–0.18) of open vowels.
        public var activityFloor = 0.01
        /// ...and at least this fraction of the face's own 95th percentile of it, so a face filmed with
        /// more contrast needs more (0.15 left mid-sentence words without a speaker on the tuning clips).
        public var activityFraction = 0.08
        /// Gaps (seconds) between active frames shorter than this are bridged: a held vowel, a closure, a
        /// pause between words.
        public var bridge = 0.7
        /// Seconds added on both sides of a run of active frames (the smoothing blurs onsets).
        public var padding = 0.2
        /// Runs shorter than this (seconds, before padding) are no speech: a single reaction.
        public var minimumRun = 0.3
        /// Seconds around a piece over which its opening is compared with the sound: its onset and end
        /// are what the comparison reads best.
        public var context = 0.5
        /// Longest lead of the lips over the sound, seconds.
        public var maxLead = 0.25
        /// Half-width (seconds) of the envelope's smoothing: about one syllable's rise.
        public var envelopeSmoothing = 0.05
        public init() {}
    }

    /// One face's mouth opening on the frames where its mouth was seen.
    public struct Track: Sendable, Equatable {
        /// Frame times in seconds, increasing.
        public var times: [Double]
        /// The mouth's opening on each frame (any scale: the correlation ignores it).
        public var opening: [Double]

        public init(times: [Double], opening: [Double]) {
            precondition(times.count == opening.count, "one opening per frame")
            self.times = times
            self.opening = opening
        }
    }

    /// The speech envelope: the audio's level in dB above the noise floor (nothing below it), per hop.
    public struct Envelope: Sendable {
        public var values: [Double]
        public var hopSeconds: Double

        /// - Parameters:
        ///   - power: mean-square power per hop (`LevelMeter`).
        ///   - floor: the noise floor in dBFS; levels under it count as 0, so the background's own
        ///     fluctuation does not read as syllables.
        ///   - smoothing: half-width in seconds of the moving average (power domain).
        public init(power: [Double], hopSeconds: Double, floor: Double, smoothing: Double) {
            self.hopSeconds = hopSeconds
            let radius = max(0, Int((smoothing / hopSeconds).rounded()))
            values = SpeechFusion.LevelMeter.smoothedDecibels(power, radius: radius).map { max(0, $0 - floor) }
        }

        /// The envelope at `time` (nil outside the recording).
        func value(at time: Double) -> Double? {
            let index = Int((time / hopSeconds).rounded(.down))
            return index >= 0 && index < values.count ? values[index] : nil
        }
    }

    public var configuration: Configuration

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Runs of the track where the opening changes at syllable rate: frame-to-frame change averaged over
    /// `activitySmoothing` frames either side, at least `activityFloor` and `activityFraction` of its 95th
    /// percentile; bridged, runs under `minimumRun` dropped, then padded.
    public func openingRuns(_ track: Track) -> [(start: Double, end: Double)] {
        let n = track.times.count
        guard n > 1 else { return [] }
        var change = [Double](repeating: 0, count: n)
        for i in 1..<n { change[i] = abs(track.opening[i] - track.opening[i - 1]) }
        let r = configuration.activitySmoothing
        var prefix = [0.0]
        for c in change { prefix.append(prefix.last! + c) }
        let activity = (0..<n).map { i in
            let a = max(0, i - r), b = min(n, i + r + 1)
            return (prefix[b] - prefix[a]) / Double(b - a)
        }
        let sorted = activity.sorted()
        let limit = max(configuration.activityFloor, configuration.activityFraction * sorted[min(n - 1, n * 95 / 100)])
        var runs: [(start: Double, end: Double)] = []
        for i in 0..<n where activity[i] >= limit {
            if let last = runs.last, track.times[i] - last.end <= configuration.bridge {
                runs[runs.count - 1].end = track.times[i]
            } else {
                runs.append((track.times[i], track.times[i]))
            }
        }
        return runs.filter { $0.end - $0.start >= configuration.minimumRun }
            .map { ($0.start - configuration.padding, $0.end + configuration.padding) }
    }

    /// The best correlation, over the lips' leads, of the track's opening within `[start − context, end + context)`
    /// with the envelope (0 where it cannot be measured).
    public func correlation(_ track: Track, from start: Double, to end: Double, envelope: Envelope) -> Double {
        var lo = 0, hi = track.times.count
        while lo < hi { let mid = (lo + hi) / 2; if track.times[mid] < start - configuration.context { lo = mid + 1 } else { hi = mid } }
        var upper = lo
        while upper < track.times.count && track.times[upper] < end + configuration.context { upper += 1 }
        let frameStep = track.times.count > 1 ? (track.times.last! - track.times[0]) / Double(track.times.count - 1) : 0.04
        let steps = max(1, Int((configuration.maxLead / max(frameStep, 1e-3)).rounded()))
        var best: Double?
        for k in 0...steps {
            let lead = Double(k) * configuration.maxLead / Double(steps)
            if let r = Self.pearson(track: track, range: lo..<upper, envelope: envelope, offset: lead) { best = max(best ?? -1, r) }
        }
        return best ?? 0
    }

    /// Pearson correlation of the track's opening over `range` with the envelope `offset` seconds later, over
    /// the frames whose time plus `offset` lies in the recording; nil where fewer than 5 frames do, 0 where
    /// either side does not vary.
    static func pearson(track: Track, range: Range<Int>, envelope: Envelope, offset: Double) -> Double? {
        var sx = 0.0, sy = 0.0, sxx = 0.0, syy = 0.0, sxy = 0.0, count = 0.0
        for j in range {
            guard let y = envelope.value(at: track.times[j] + offset) else { continue }
            let x = track.opening[j]
            sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y; count += 1
        }
        guard count >= 5 else { return nil }
        let vx = sxx - sx * sx / count, vy = syy - sy * sy / count
        // Below these the side is flat (rounding, a still mouth's codec flicker, a silent stretch).
        guard vx > 1e-9 * count, vy > 1e-6 * count else { return 0 }
        return (sxy - sx * sy / count) / (vx * vy).squareRoot()
    }

    /// The parts of `lips` (stretches labelled with their face) where that face's mouth opens and closes at
    /// syllable rate (`openingRuns`), each scored `(1 + r) / 2` for its correlation `r` with the envelope; a
    /// face without a track keeps nothing.
    /// - Returns: the kept pieces (sorted by start) and, per face, the seconds of lip stretch left out.
    /// - Complexity: O(n log n + p · w · l) for n frames, p pieces, w frames per piece with its context and l leads.
    public func confirmed(_ lips: [Segment], tracks: [String: Track], envelope: Envelope) -> (kept: [Segment], dropped: [String: Double]) {
        var kept: [Segment] = []
        var dropped: [String: Double] = [:]
        for face in Set(lips.map(\.label)).sorted() {
            let stretches = lips.filter { $0.label == face }
            let total = stretches.reduce(0) { $0 + $1.end - $1.start }
            guard let track = tracks[face], !track.times.isEmpty else {
                dropped[face] = total
                continue
            }
            let runs = openingRuns(track)
            var faceKept = 0.0
            for stretch in stretches {
                for run in runs where run.end > stretch.start && run.start < stretch.end {
                    let start = max(stretch.start, run.start), end = min(stretch.end, run.end)
                    let r = correlation(track, from: start, to: end, envelope: envelope)
                    kept.append(Segment(start: start, end: end, label: face, score: (1 + r) / 2))
                    faceKept += end - start
                }
            }
            if total - faceKept > 1e-6 { dropped[face] = total - faceKept }
        }
        return (kept.sorted { $0.start < $1.start }, dropped)
    }
}
