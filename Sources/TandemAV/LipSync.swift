import Foundation
import TandemCore

/// Whether a face's lips move *with* the sound: the evidence that the face is the one speaking.
///
/// Lip activity alone says that a mouth moves, not that it makes the sound heard: a listener nodding
/// or reacting during an off-camera question moves its mouth box as much as a speaker does. A speaking
/// mouth opens and closes with the syllables, a little before the sound (lips lead by 0–250 ms), so
/// its opening rises and falls with the audio's speech envelope; a nod moves the whole mouth and
/// changes its opening little, and a reaction's openings fall where the syllables do not.
///
/// For every frame of a face, the Pearson correlation of its mouth opening with the speech envelope
/// over `window` seconds either side (the best over lips' leads `0…maxLead`) is compared with what the
/// same face reaches against the audio shifted by several seconds (`baselineShifts`): that baseline is
/// measured per face, so a face whose opening is noisy or busy does not pass on chance agreement.
/// A frame is in sync where its correlation stands `margin` baseline deviations above the baseline mean.
public struct LipSync: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// Seconds either side of a frame over which opening and envelope are compared: a few syllables.
        public var window = 1.0
        /// Longest lead of the lips over the sound, seconds (lips lead by 100–250 ms).
        public var maxLead = 0.25
        /// How far the audio is shifted (seconds, both ways) to measure a face's chance correlation.
        public var baselineShifts: [Double] = [3, 4.5, 6, 7.5]
        /// Baseline deviations a frame's correlation must stand above the face's baseline mean.
        public var margin = 1.5
        /// Gaps (seconds) between in-sync frames shorter than this are bridged: a held vowel or a
        /// closure inside a word is still the same speech.
        public var bridge = 0.5
        /// Seconds added on both sides of a run of in-sync frames (the window's edges blur its onset).
        public var padding = 0.25
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
            var prefix = [Double](repeating: 0, count: power.count + 1)
            for (i, p) in power.enumerated() { prefix[i + 1] = prefix[i] + p }
            values = power.indices.map { i in
                let a = max(0, i - radius), b = min(power.count, i + radius + 1)
                return max(0, 10 * log10((prefix[b] - prefix[a]) / Double(b - a) + 1e-12) - floor)
            }
        }

        /// The envelope at `time` (nil outside the recording).
        func value(at time: Double) -> Double? {
            let index = Int((time / hopSeconds).rounded(.down))
            return index >= 0 && index < values.count ? values[index] : nil
        }
    }

    /// A face's synchrony with the sound, frame by frame.
    public struct Synchrony: Sendable {
        /// Per frame of the track: the best correlation over the lips' leads (0 where undefined).
        public var correlation: [Double]
        /// Per frame: standard scores against the face's own baseline.
        public var score: [Double]
        /// The face's chance correlation with shifted audio: mean and deviation.
        public var baselineMean: Double
        public var baselineDeviation: Double
    }

    public var configuration: Configuration

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// How well `track`'s opening follows `envelope`, frame by frame.
    /// - Complexity: O(n · w · l · (1 + s / 4)) for n frames, w frames per window, l leads and s baseline shifts
    ///   (the baseline is sampled on every fourth frame).
    public func synchrony(_ track: Track, envelope: Envelope) -> Synchrony {
        let n = track.times.count
        let frameStep = n > 1 ? (track.times[n - 1] - track.times[0]) / Double(n - 1) : 0.04
        let leadSteps = max(0, Int((configuration.maxLead / max(frameStep, 1e-3)).rounded()))
        let leads = (0...leadSteps).map { Double($0) * configuration.maxLead / Double(max(leadSteps, 1)) }
        // Each frame's window: the frames within `window` seconds of it.
        var lower = [Int](repeating: 0, count: n), upper = [Int](repeating: 0, count: n)
        var a = 0, b = 0
        for i in 0..<n {
            while track.times[a] < track.times[i] - configuration.window { a += 1 }
            while b < n && track.times[b] <= track.times[i] + configuration.window { b += 1 }
            lower[i] = a
            upper[i] = b
        }
        func correlation(_ i: Int, shift: Double) -> Double? {
            var best: Double?
            for lead in leads {
                guard let r = Self.pearson(track: track, range: lower[i]..<upper[i], envelope: envelope, offset: lead + shift) else { continue }
                best = max(best ?? -1, r)
            }
            return best
        }
        let observed = (0..<n).map { correlation($0, shift: 0) ?? 0 }
        var chance: [Double] = []
        for i in stride(from: 0, to: n, by: 4) {
            for shift in configuration.baselineShifts.flatMap({ [$0, -$0] }) {
                if let r = correlation(i, shift: shift) { chance.append(r) }
            }
        }
        let mean = chance.isEmpty ? 0 : chance.reduce(0, +) / Double(chance.count)
        let variance = chance.isEmpty ? 0 : chance.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(chance.count)
        // A deviation floor: a face whose baseline is all alike (a still mouth: all 0) must still clear a real margin.
        let deviation = max(sqrt(variance), 0.05)
        return Synchrony(correlation: observed, score: observed.map { ($0 - mean) / deviation },
                         baselineMean: mean, baselineDeviation: deviation)
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

    /// The parts of `lips` (stretches labelled with their face) where that face's lips move with the sound,
    /// each scored by its mean synchrony score; a face without a track keeps no stretch.
    /// - Returns: the kept stretches (sorted by start) and, per face, the seconds of lip stretch dropped.
    public func confirmed(_ lips: [Segment], tracks: [String: Track], envelope: Envelope) -> (kept: [Segment], dropped: [String: Double]) {
        var kept: [Segment] = []
        var dropped: [String: Double] = [:]
        let faces = Set(lips.map(\.label))
        for face in faces.sorted() {
            let stretches = lips.filter { $0.label == face }
            let total = stretches.reduce(0) { $0 + $1.end - $1.start }
            guard let track = tracks[face], !track.times.isEmpty else {
                dropped[face] = total
                continue
            }
            let sync = synchrony(track, envelope: envelope)
            let runs = inSyncRuns(sync.score, times: track.times)
            var prefix = [0.0]
            for score in sync.score { prefix.append(prefix.last! + score) }
            /// The first frame at or after `time`.
            func frame(_ time: Double) -> Int {
                var lo = 0, hi = track.times.count
                while lo < hi { let mid = (lo + hi) / 2; if track.times[mid] < time { lo = mid + 1 } else { hi = mid } }
                return lo
            }
            var faceKept = 0.0
            for stretch in stretches {
                for run in runs where run.end > stretch.start && run.start < stretch.end {
                    let start = max(stretch.start, run.start), end = min(stretch.end, run.end)
                    let a = frame(start), b = max(a, frame(end))
                    let score = b > a ? (prefix[b] - prefix[a]) / Double(b - a) : 0
                    kept.append(Segment(start: start, end: end, label: face, score: score))
                    faceKept += end - start
                }
            }
            if total - faceKept > 1e-6 { dropped[face] = total - faceKept }
        }
        return (kept.sorted { $0.start < $1.start }, dropped)
    }

    /// Runs of frames whose score reaches the margin, bridged and padded.
    func inSyncRuns(_ scores: [Double], times: [Double]) -> [(start: Double, end: Double)] {
        var runs: [(start: Double, end: Double)] = []
        for (i, score) in scores.enumerated() where score >= configuration.margin {
            let start = times[i] - configuration.padding, end = times[i] + configuration.padding
            if let last = runs.last, start - last.end <= configuration.bridge {
                runs[runs.count - 1].end = max(last.end, end)
            } else {
                runs.append((start, end))
            }
        }
        return runs
    }
}
