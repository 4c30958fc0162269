import TandemCore

/// Speech segments from per-frame speaking scores: hysteresis, minimum durations, padding, and
/// which face speaks when there are several.
///
/// Hysteresis (start above `onThreshold`, stop below `offThreshold`) keeps a segment open through the
/// brief lip closures inside words; segments shorter than `minSpeech` are dropped (a swallow, a nod),
/// gaps shorter than `minSilence` are bridged (pauses between words), and `padding` is added on both
/// sides because sound starts before the lips visibly move and outlasts their closing.
public enum VisualVoiceActivity {
    public struct Configuration: Sendable, Hashable {
        public var onThreshold = 0.6
        public var offThreshold = 0.4
        public var minSpeech = 0.25
        public var minSilence = 0.3
        public var padding = 0.2
        public init() {}
    }

    /// Per-frame on/off with hysteresis.
    public static func hysteresis(_ scores: [Double], on: Double, off: Double) -> [Bool] {
        var active = false
        return scores.map { score in
            if active { if score < off { active = false } } else if score > on { active = true }
            return active
        }
    }

    /// Segments where the speaking flag holds, post-processed by `configuration`.
    /// - Parameters:
    ///   - times: frame start times in seconds, increasing.
    ///   - frameDuration: seconds each frame covers (1 / fps).
    ///   - totalDuration: clip length, so padding stops at the end (nil: last frame's end).
    public static func segments(active: [Bool], scores: [Double]? = nil, times: [Double], frameDuration: Double,
                                totalDuration: Double? = nil, label: String = "speech",
                                configuration: Configuration = Configuration()) -> [Segment] {
        precondition(active.count == times.count, "one flag per frame")
        var runs: [(start: Double, end: Double, first: Int, last: Int)] = []
        var i = 0
        while i < active.count {
            guard active[i] else { i += 1; continue }
            var j = i
            while j + 1 < active.count && active[j + 1] { j += 1 }
            runs.append((times[i], times[j] + frameDuration, i, j))
            i = j + 1
        }
        var merged: [(start: Double, end: Double, first: Int, last: Int)] = []
        for run in runs {
            if let last = merged.last, run.start - last.end < configuration.minSilence {
                merged[merged.count - 1] = (last.start, run.end, last.first, run.last)
            } else {
                merged.append(run)
            }
        }
        let end = totalDuration ?? ((times.last ?? 0) + frameDuration)
        var result: [Segment] = []
        for run in merged where run.end - run.start >= configuration.minSpeech {
            let score = scores.map { s in s[run.first...run.last].reduce(0, +) / Double(run.last - run.first + 1) } ?? 1
            let start = max(0, run.start - configuration.padding), stop = min(end, run.end + configuration.padding)
            if let last = result.last, last.label == label, start <= last.end {
                result[result.count - 1].end = stop
            } else {
                result.append(Segment(start: start, end: stop, label: label, score: score))
            }
        }
        return result
    }

    /// Speech segments of one face from its scores.
    public static func segments(scores: [Double], times: [Double], frameDuration: Double, totalDuration: Double? = nil,
                                label: String = "speech", configuration: Configuration = Configuration()) -> [Segment] {
        segments(active: hysteresis(scores, on: configuration.onThreshold, off: configuration.offThreshold), scores: scores,
                 times: times, frameDuration: frameDuration, totalDuration: totalDuration, label: label, configuration: configuration)
    }

    /// Who speaks when, for several faces scored on the same frames: each face's hysteresis decides
    /// whether it may be speaking; on frames where several may, the highest score wins. Segments are
    /// labelled with the face's label and do not overlap (padding is trimmed at speaker changes).
    public static func speakerSegments(scores: [String: [Double]], times: [Double], frameDuration: Double,
                                       totalDuration: Double? = nil, configuration: Configuration = Configuration()) -> [Segment] {
        let labels = scores.keys.sorted()
        let flags = labels.map { hysteresis(scores[$0]!, on: configuration.onThreshold, off: configuration.offThreshold) }
        var owner = [Int?](repeating: nil, count: times.count)
        for t in times.indices {
            var best: Int?
            for (k, label) in labels.enumerated() where flags[k][t] {
                if best == nil || scores[label]![t] > scores[labels[best!]]![t] { best = k }
            }
            owner[t] = best
        }
        var all: [Segment] = []
        for (k, label) in labels.enumerated() {
            all += segments(active: owner.map { $0 == k }, scores: scores[label], times: times, frameDuration: frameDuration,
                            totalDuration: totalDuration, label: label, configuration: configuration)
        }
        all.sort { $0.start < $1.start }
        // Padding may push a speaker's segment into the next one's: split the overlap in the middle.
        for i in all.indices.dropLast() where all[i].end > all[i + 1].start {
            let middle = (all[i].end + all[i + 1].start) / 2
            all[i].end = middle
            all[i + 1].start = middle
        }
        return all.filter { $0.end > $0.start }
    }

    /// The complement of `segments` within `[0, duration)`: the stretches where nobody on screen speaks.
    public static func silences(_ segments: [Segment], duration: Double, minimum: Double = 0) -> [Segment] {
        var result: [Segment] = []
        var cursor = 0.0
        for s in segments.sorted(by: { $0.start < $1.start }) {
            if s.start - cursor > minimum { result.append(Segment(start: cursor, end: s.start, label: "silence")) }
            cursor = max(cursor, s.end)
        }
        if duration - cursor > minimum { result.append(Segment(start: cursor, end: duration, label: "silence")) }
        return result
    }
}
