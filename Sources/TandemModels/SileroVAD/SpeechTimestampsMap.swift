/// Maps times on audio whose silences were cut out (`SpeechChunks.collect`) back to the original
/// timeline: faster-whisper's `SpeechTimestampsMap`, used by `vad_filter`.
///
/// Each kept span shifts by the silence removed before it. A time on the stitched audio belongs to
/// the span whose stitched end is the first after it; an end time exactly on a span's stitched end
/// stays in that span (so a segment that ends where a span ends is not pushed past the next gap).
public struct SpeechTimestampsMap: Sendable {
    public let sampleRate: Int
    /// Decimal places the mapped times are rounded to (faster-whisper: 2).
    public let timePrecision: Int
    /// Each span's end, in samples of the stitched audio.
    public let chunkEndSample: [Int]
    /// Seconds of audio removed before each span.
    public let totalSilenceBefore: [Double]

    /// - Parameter chunks: the kept spans of the original audio, in order.
    public init(chunks: [Range<Int>], sampleRate: Int = SileroVAD.sampleRate, timePrecision: Int = 2) {
        self.sampleRate = sampleRate
        self.timePrecision = timePrecision
        var ends: [Int] = [], silences: [Double] = []
        var previousEnd = 0, silentSamples = 0
        for chunk in chunks {
            silentSamples += chunk.lowerBound - previousEnd
            previousEnd = chunk.upperBound
            ends.append(chunk.upperBound - silentSamples)
            silences.append(Double(silentSamples) / Double(sampleRate))
        }
        chunkEndSample = ends
        totalSilenceBefore = silences
    }

    /// The index of the span a stitched time falls in.
    public func chunkIndex(of time: Double, isEnd: Bool = false) -> Int {
        let sample = Int(time * Double(sampleRate))
        if isEnd, let exact = chunkEndSample.firstIndex(of: sample) { return exact }
        // Python's bisect.bisect (bisect_right): the first end strictly after `sample`.
        var low = 0, high = chunkEndSample.count
        while low < high {
            let middle = (low + high) / 2
            if chunkEndSample[middle] <= sample { low = middle + 1 } else { high = middle }
        }
        return min(low, chunkEndSample.count - 1)
    }

    /// The original time of a stitched time, rounded to `timePrecision` decimals.
    /// - Parameter chunkIndex: the span to use; nil finds it from `time` (and `isEnd`).
    public func originalTime(_ time: Double, chunkIndex: Int? = nil, isEnd: Bool = false) -> Double {
        guard !chunkEndSample.isEmpty else { return time }
        let index = chunkIndex ?? self.chunkIndex(of: time, isEnd: isEnd)
        let scale = Double.pow10(timePrecision)
        return ((totalSilenceBefore[index] + time) * scale).rounded(.toNearestOrEven) / scale
    }
}

extension Double {
    fileprivate static func pow10(_ exponent: Int) -> Double {
        var value = 1.0
        for _ in 0..<max(0, exponent) { value *= 10 }
        return value
    }
}
