import TandemCore

/// The noise power spectrum a spectral enhancer subtracts, per frequency bin.
///
/// Estimated from frames known to hold no speech: the stretches where the on-screen lips say
/// nobody speaks are exactly that, which is more reliable in babble or music than guessing from
/// the audio itself. Without such stretches the estimate falls back to each bin's 10th-percentile
/// frame power, a crude form of minimum statistics that still tracks stationary noise.
public struct NoiseSpectrum: Sendable, Equatable {
    /// Mean |Y|² per bin over the noise frames (same scale as the STFT used).
    public var power: [Float]
    /// How the estimate was made, for reports.
    public var source: Source
    /// Frames averaged.
    public var frameCount: Int

    public enum Source: String, Sendable, Hashable {
        case noiseSegments = "noise segments"
        case lowPercentile = "10th percentile"
    }

    public init(power: [Float], source: Source, frameCount: Int) {
        self.power = power
        self.source = source
        self.frameCount = frameCount
    }

    /// Estimates the spectrum from a power spectrogram.
    /// - Parameters:
    ///   - power: `frames × bins` |Y|², frame-major.
    ///   - bins: bins per frame.
    ///   - frameTimes: the centre time of each frame in seconds.
    ///   - noiseSegments: stretches known to hold no speech; frames whose centre lies inside are averaged.
    ///   - minimumFrames: below this many noise frames, the percentile fallback is used instead.
    /// - Throws: `DSPError(.shapeMismatch)` when the sizes disagree or there are no frames.
    public static func estimate(power: [Float], bins: Int, frameTimes: [Double], noiseSegments: [Segment],
                                minimumFrames: Int = 4) throws -> NoiseSpectrum {
        guard bins > 0, power.count == bins * frameTimes.count, !frameTimes.isEmpty else {
            throw DSPError(.shapeMismatch, "\(power.count) power values for \(frameTimes.count) frames of \(bins) bins")
        }
        let noiseFrames = frameTimes.indices.filter { t in
            noiseSegments.contains { frameTimes[t] >= $0.start && frameTimes[t] < $0.end }
        }
        if noiseFrames.count >= minimumFrames {
            var mean = [Float](repeating: 0, count: bins)
            for t in noiseFrames {
                for k in 0..<bins { mean[k] += power[t * bins + k] }
            }
            let scale = 1 / Float(noiseFrames.count)
            return NoiseSpectrum(power: mean.map { $0 * scale }, source: .noiseSegments, frameCount: noiseFrames.count)
        }
        var low = [Float](repeating: 0, count: bins)
        var column = [Float](repeating: 0, count: frameTimes.count)
        for k in 0..<bins {
            for t in frameTimes.indices { column[t] = power[t * bins + k] }
            column.sort()
            low[k] = column[column.count / 10]
        }
        return NoiseSpectrum(power: low, source: .lowPercentile, frameCount: frameTimes.count)
    }
}
