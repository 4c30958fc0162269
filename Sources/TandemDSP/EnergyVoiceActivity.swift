import Foundation
import TandemCore

/// Where a recording is clearly louder than its own background: a plain energy voice-activity
/// detector, used as a sanity check on visual speech rather than as a detector in its own right.
///
/// The level of each frame (dB of its mean square) is compared with the recording's noise floor,
/// taken as a low percentile of the frame levels, so the threshold follows the recording: a frame
/// counts as active when it is `margin` dB above the floor (and above `absoluteFloor`, so digital
/// silence with a few dithered samples has no "speech"). Runs of active frames closer than
/// `bridge` seconds are merged and runs shorter than `minimumDuration` dropped.
///
/// Stationary noise (white, pink, hum) sits at the floor and is ignored; fluctuating noise (babble,
/// music) is not, which is why the lip-assisted transcriber only uses this to notice when the picture
/// misses *most* of what the audio plainly holds.
public struct EnergyVoiceActivity: Sendable, Hashable {
    /// Frame length in seconds (non-overlapping frames).
    public var frameSeconds = 0.02
    /// Percentile (0…1) of the frame levels taken as the noise floor.
    public var floorPercentile = 0.1
    /// dB above the floor a frame must reach.
    public var margin = 9.0
    /// Frames below this level (dBFS, full scale ±1) are never active.
    public var absoluteFloor = -55.0
    public var bridge = 0.2
    public var minimumDuration = 0.1

    public init() {}

    /// Active stretches of mono `samples` at `sampleRate`, in seconds from the first sample, labelled `energy`.
    /// - Complexity: O(n log n) in the number of frames (the percentile sorts the levels).
    public func segments(_ samples: [Float], sampleRate: Int) -> [Segment] {
        let length = max(1, Int((frameSeconds * Double(sampleRate)).rounded()))
        let frames = samples.count / length
        guard frames > 0 else { return [] }
        var levels = [Double](repeating: 0, count: frames)
        for f in 0..<frames {
            var sum = 0.0
            for i in (f * length)..<((f + 1) * length) { sum += Double(samples[i]) * Double(samples[i]) }
            levels[f] = 10 * log10(sum / Double(length) + 1e-12)
        }
        let sorted = levels.sorted()
        let floor = sorted[min(frames - 1, Int(floorPercentile * Double(frames)))]
        let threshold = max(floor + margin, absoluteFloor)
        let step = Double(length) / Double(sampleRate)
        var runs: [Segment] = []
        for f in 0..<frames where levels[f] > threshold {
            let start = Double(f) * step, end = start + step
            if let last = runs.last, start - last.end <= bridge {
                runs[runs.count - 1].end = end
            } else {
                runs.append(Segment(start: start, end: end, label: "energy"))
            }
        }
        return runs.filter { $0.end - $0.start >= minimumDuration }
    }

    /// Seconds of `a` that lie inside `b` (each list's segments may be unsorted but must not overlap one another).
    public static func overlap(_ a: [Segment], _ b: [Segment]) -> Double {
        var total = 0.0
        for x in a {
            for y in b { total += max(0, min(x.end, y.end) - max(x.start, y.start)) }
        }
        return total
    }
}
