import Foundation
import TandemCore

extension SpeechFusion {
    /// Recognition windows of `listen: everything` cut as the audio arrives, so a recording never has to be
    /// held whole: the same greedy cut as `SpeechFusion.windows(for:duration:listening:limit:)` (each window
    /// closes at the middle of the last pause within `limit` seconds of its start, else at the limit),
    /// with the pauses found by the audio alone.
    ///
    /// Each frame (one voice-track hop) is judged as `map` judges it without a picture: speech when the
    /// voice probability reaches `speechThreshold` and the smoothed level stands `max(levelAboveFloor,
    /// spreadFactor × spread)` above the noise floor. The floor is a running one: the median (and the
    /// 90th percentile, for the spread) of the smoothed levels of frames whose whole smoothing window is
    /// quiet (voice probability under `quietThreshold`), kept in a histogram of 0.01 dB bins (each bin
    /// remembers the mean of its values, so a steady background gives its exact level), so memory does not
    /// grow with the recording; until half a second of such frames has been heard, the quietest tenth of
    /// everything heard stands in, as `map` does when a recording has no quiet stretch.
    ///
    /// Why the picture is left out: lip activity scores each face against the whole clip's own motion, so
    /// it is known only at the end of the video; waiting for it would mean keeping the audio (230 MB an
    /// hour). The picture still names the speakers and gates the text, from the whole-recording map made
    /// at the end (`map(levels:…)`). The windows equal the whole-recording fusion's for audio-only input
    /// whenever the running floor has converged before the first frame it decides as speech; with a
    /// picture they can differ only where moving lips lift unsure audio to speech inside what the sound
    /// alone calls a pause.
    ///
    /// A window is emitted once every pause that could move its end is known: the frames are judged
    /// `radius` frames late (the smoothing), a run of speech becomes a stretch once it is longer than
    /// `minimumSpeech` or has closed, and a pause that a later stretch could open has its middle beyond
    /// the window's limit. A silence longer than `maximumWait` seconds past the limit is not waited out:
    /// the window is cut at the limit (the whole-recording cut could put it in the middle of that silence).
    public struct WindowCutter: Sendable {
        public let configuration: Configuration
        public let hop: Int
        public let sampleRate: Int
        public let limit: Double
        public let maximumWait: Double
        /// Whether voice probabilities are given; without, the level above the running quietest tenth stands in (as in `map`).
        public let hasVoice: Bool
        let hopSeconds: Double
        let radius: Int

        // Frames received but not yet judged (the smoothing needs `radius` frames after each), from frame `firstHeld`.
        private var heldLevel: [Double] = []
        private var heldProbability: [Float] = []
        private var heldPrefix: [Double] = [0]      // prefix sums of power, from frame firstHeld − radius (clamped at 0)
        private var prefixOrigin = 0
        private var runningPrefix = 0.0
        private var received = 0
        private var judged = 0
        /// Quiet flags of frames from `quietOrigin` on (for the core test: the whole smoothing window quiet).
        private var quietFlags: [Bool] = []
        private var quietOrigin = 0
        private var floorLevels = Histogram()
        private var allLevels = Histogram()
        private var rawLevels = Histogram()
        private var quietestTenth = -120.0
        private var floor = -120.0, spread = 0.0
        /// Frames since the floor was last computed (it starts stale).
        private var floorAge = Int.max - 1
        private var floorCountSeen = -1
        /// Bridged runs of speech frames (seconds), from the last one that ended before the open window on.
        private var runs: [(start: Double, end: Double)] = []
        private var windowStart = 0.0
        private var finished = false

        /// - Parameters:
        ///   - hop: samples per frame (the voice track's hop, or `SpeechFusion.hop(voice: nil, …)`).
        ///   - limit: longest window, seconds.
        ///   - maximumWait: longest silence past a window's limit waited out for a pause, seconds.
        public init(configuration: Configuration = Configuration(), hop: Int, sampleRate: Int, limit: Double = 30,
                    maximumWait: Double = 30, hasVoice: Bool = true) {
            self.configuration = configuration
            self.hop = hop
            self.sampleRate = sampleRate
            self.limit = max(1, limit)
            self.maximumWait = maximumWait
            self.hasVoice = hasVoice
            hopSeconds = Double(hop) / Double(sampleRate)
            radius = max(0, Int((configuration.levelSmoothing / hopSeconds).rounded()))
        }

        /// The noise floor and its spread the cutter judges by now (dBFS, dB).
        public var noiseFloor: (level: Double, spread: Double) { (floor, spread) }

        /// Takes the next frames' power (`LevelMeter`) and voice probabilities (ignored without `hasVoice`).
        /// - Returns: the windows that became certain, seconds from the recording's start, labelled `window`.
        public mutating func append(power: ArraySlice<Double>, probabilities: ArraySlice<Float>) -> [Segment] {
            precondition(!finished, "append after finish")
            precondition(!hasVoice || power.count == probabilities.count, "one probability per frame")
            for (k, p) in power.enumerated() {
                runningPrefix += p
                heldPrefix.append(runningPrefix)
                heldLevel.append(10 * log10(p + 1e-12))
                heldProbability.append(hasVoice ? probabilities[probabilities.startIndex + k] : 0)
                received += 1
            }
            judge(upTo: received - radius, total: nil)
            return cut(duration: nil)
        }

        /// Ends the recording: judges the last frames and cuts the rest.
        /// - Parameters:
        ///   - lastPower: the power of the incomplete last hop, if any (`LevelMeter.partial`), with its probability.
        ///   - sampleCount: the recording's length in samples.
        public mutating func finish(lastPower: Double?, lastProbability: Float, sampleCount: Int) -> [Segment] {
            var windows: [Segment] = []
            if let lastPower { windows = append(power: [lastPower][...], probabilities: [lastProbability][...]) }
            finished = true
            judge(upTo: received, total: received)
            return windows + cut(duration: Double(sampleCount) / Double(sampleRate))
        }

        private func smoothed(_ f: Int, total: Int?) -> Double {
            let a = max(0, f - radius), b = min(total ?? Int.max, f + radius + 1)
            let pa = heldPrefix[a - prefixOrigin], pb = heldPrefix[b - prefixOrigin]
            return 10 * log10((pb - pa) / Double(b - a) + 1e-12)
        }

        private mutating func judge(upTo end: Int, total: Int?) {
            let c = configuration
            let firstHeld = received - heldLevel.count
            guard end > judged else { return }
            for f in judged..<end {
                let s = smoothed(f, total: total)
                let level = heldLevel[f - firstHeld]
                var probability = heldProbability[f - firstHeld]
                rawLevels.add(level)
                allLevels.add(s)
                if !hasVoice {
                    // The quietest tenth, refreshed every 32 frames (a walk over the bins each frame would cost more than the rest).
                    if rawLevels.count < 64 || rawLevels.count % 32 == 0 { quietestTenth = rawLevels.percentile(0.1) }
                    probability = Float(1 / (1 + exp(-(s - quietestTenth - 6) / 1.5)))
                    heldProbability[f - firstHeld] = probability
                }
                // Core quiet frames (the whole smoothing window quiet) feed the floor, as in `map`. Without a
                // voice track the window's later probabilities are not derived yet: judge on this frame's.
                quietFlags.append(probability < c.quietThreshold)
                let lower = max(0, f - radius), upper = min(total ?? Int.max, f + radius + 1)
                let core = hasVoice
                    ? (lower..<upper).allSatisfy { heldProbability[$0 - firstHeld] < c.quietThreshold }
                    : quietFlags[(lower - quietOrigin)...].prefix(f - lower + 1).allSatisfy { $0 }
                if core { floorLevels.add(s) }
                refreshFloor()
                let margin = max(c.levelAboveFloor, c.spreadFactor * spread)
                if probability >= c.speechThreshold && s - floor >= margin && level >= c.silenceLevel {
                    let start = Double(f) * hopSeconds, stop = start + hopSeconds
                    if let last = runs.last, start - last.end <= c.bridge { runs[runs.count - 1].end = stop } else { runs.append((start, stop)) }
                }
            }
            judged = end
            // Drop what no frame still to be judged reads.
            let keepFrom = max(0, judged - radius)
            if keepFrom > firstHeld {
                let drop = keepFrom - firstHeld
                heldLevel.removeFirst(drop)
                heldProbability.removeFirst(drop)
            }
            if keepFrom > prefixOrigin {
                heldPrefix.removeFirst(keepFrom - prefixOrigin)
                prefixOrigin = keepFrom
            }
            if keepFrom > quietOrigin {
                quietFlags.removeFirst(min(quietFlags.count, keepFrom - quietOrigin))
                quietOrigin = keepFrom
            }
        }

        private mutating func refreshFloor() {
            // The percentiles walk 16 000 bins: refresh them once a second of frames, and at once while few are in.
            floorAge += 1
            let minimumFrames = Int((0.5 / hopSeconds).rounded())
            let fresh = floorLevels.count != floorCountSeen && floorLevels.count <= 2 * minimumFrames
            guard floorAge >= Int((1 / hopSeconds).rounded()) || fresh || floorAge == Int.max else { return }
            floorAge = 0
            floorCountSeen = floorLevels.count
            if floorLevels.count >= minimumFrames {
                floor = floorLevels.percentile(0.5)
                spread = max(0, floorLevels.percentile(0.9) - floor)
            } else {
                floor = allLevels.percentile(0.1)
                spread = 0
            }
        }

        /// Speech stretches as `map` pads and merges them, from runs all of whose fate is known; and the
        /// end of the last one (a pause a later stretch opens starts there).
        private func stretches(final: Bool) -> [(start: Double, end: Double)] {
            let c = configuration
            let now = Double(judged) * hopSeconds
            var padded: [(start: Double, end: Double)] = []
            for r in runs {
                let open = !final && now - r.end <= c.bridge + hopSeconds
                let long = r.end - r.start >= c.minimumSpeech
                if open && !long { break }            // its fate (a stretch or a click) is not known yet
                guard long else { continue }
                let start = max(0, r.start - c.padding), end = r.end + c.padding
                if let last = padded.last, start <= last.end { padded[padded.count - 1].end = end } else { padded.append((start, end)) }
                if open { break }
            }
            return padded
        }

        private mutating func cut(duration: Double?) -> [Segment] {
            var windows: [Segment] = []
            let now = Double(judged) * hopSeconds
            let lag = configuration.bridge + configuration.minimumSpeech + 2 * hopSeconds + configuration.padding
            while true {
                if let duration, duration - windowStart <= limit {
                    if duration > windowStart { windows.append(Segment(start: windowStart, end: duration, label: "window")) }
                    windowStart = duration
                    break
                }
                if duration == nil {
                    guard now - windowStart > limit else { break }
                }
                let known = stretches(final: duration != nil)
                if duration == nil {
                    // A pause a stretch not yet known would open has its middle past (last end + now − lag) / 2.
                    let unknownFrom = now - lag
                    let earliestUnknown = known.last.map { ($0.end + unknownFrom) / 2 } ?? unknownFrom
                    guard earliestUnknown > windowStart + limit || now >= windowStart + limit + maximumWait else { break }
                }
                var pauses: [Double] = []
                var cursor: Double?
                for s in known {
                    if let c = cursor, s.start > c { pauses.append((c + s.start) / 2) }
                    cursor = max(cursor ?? s.end, s.end)
                }
                let end = pauses.last { $0 > windowStart + 1 && $0 <= windowStart + limit } ?? windowStart + limit
                windows.append(Segment(start: windowStart, end: end, label: "window"))
                windowStart = end
                // Runs wholly before the window's start matter only as the left side of its first pause.
                if let keep = runs.lastIndex(where: { $0.end + configuration.padding < windowStart && $0.end - $0.start >= configuration.minimumSpeech }) {
                    runs.removeFirst(keep)
                }
            }
            return windows
        }
    }

    /// Counts of values in 0.01 dB bins from −140 to +20 dBFS, each bin with the sum of its values, for
    /// running percentiles in constant memory (a bin answers with its values' mean).
    struct Histogram: Sendable {
        static let low = -140.0, width = 0.01, binCount = 16_000
        private var counts = [Int](repeating: 0, count: binCount)
        private var sums = [Double](repeating: 0, count: binCount)
        private(set) var count = 0

        mutating func add(_ value: Double) {
            let bin = min(Self.binCount - 1, max(0, Int(((value - Self.low) / Self.width).rounded(.down))))
            counts[bin] += 1
            sums[bin] += value
            count += 1
        }

        /// The `q`-quantile by nearest rank, as `SpeechFusion.percentile`; −120 when empty.
        func percentile(_ q: Double) -> Double {
            guard count > 0 else { return -120 }
            let rank = min(count - 1, max(0, Int(q * Double(count))))
            var seen = 0
            for bin in 0..<Self.binCount where counts[bin] > 0 {
                seen += counts[bin]
                if seen > rank { return sums[bin] / Double(counts[bin]) }
            }
            return sums[Self.binCount - 1] / Double(max(1, counts[Self.binCount - 1]))
        }
    }
}
