import Foundation
import TandemCore

/// Single-channel speech enhancement by a spectral gain on the STFT, then the inverse STFT.
///
/// The noise spectrum comes from given noise-only stretches (`NoiseSpectrum`). The a-priori SNR is
/// the decision-directed estimate of Ephraim & Malah,
/// `ξ(l) = α · Â²(l−1) / λ + (1 − α) · max(γ(l) − 1, 0)` with α = 0.98, which smooths ξ over time
/// and keeps musical noise down; the gain (`SpectralGain`) is floored so noise is attenuated by at
/// most `gainFloor`, because recognisers cope worse with holes in the spectrum than with residual noise.
///
/// ```swift
/// let enhancer = try SpeechEnhancer(sampleRate: 16_000)
/// let clean = try enhancer.enhance(samples, noiseSegments: silences)
/// ```
public struct SpeechEnhancer: Sendable {
    public var rule: SpectralGain
    /// Decision-directed smoothing α.
    public var alpha: Double
    /// Lowest gain (0.1 = −20 dB).
    public var gainFloor: Double
    /// Lowest a-priori SNR (−25 dB), which bounds the attenuation of noise-only bins smoothly.
    public var minimumPriorSNR: Double
    public let sampleRate: Int
    let stft: STFT
    let inverse: InverseSTFT

    /// - Parameters:
    ///   - frameLength: analysis window in samples; default 32 ms, hop a quarter of it (Hann, 75 % overlap).
    /// - Throws: `DSPError(.invalidConfiguration)` for parameters out of range.
    public init(sampleRate: Int, rule: SpectralGain = .mmseLSA, alpha: Double = 0.98, gainFloor: Double = 0.1,
                minimumPriorSNR: Double = 0.00316, frameLength: Int? = nil) throws {
        guard sampleRate > 0 else { throw DSPError(.invalidConfiguration, "sample rate \(sampleRate)") }
        guard alpha >= 0, alpha < 1 else { throw DSPError(.invalidConfiguration, "alpha \(alpha) must be in [0, 1)") }
        guard gainFloor >= 0, gainFloor <= 1 else { throw DSPError(.invalidConfiguration, "gain floor \(gainFloor) must be in [0, 1]") }
        let n = frameLength ?? max(64, sampleRate / 1000 * 32)
        let configuration = STFTConfiguration(fftSize: n, hop: n / 4)
        stft = try STFT(configuration)
        inverse = try InverseSTFT(configuration)
        self.sampleRate = sampleRate
        self.rule = rule
        self.alpha = alpha
        self.gainFloor = gainFloor
        self.minimumPriorSNR = minimumPriorSNR
    }

    /// The noise spectrum of `samples` from its noise-only stretches (see `NoiseSpectrum.estimate`).
    public func noiseSpectrum(_ samples: [Float], noiseSegments: [Segment]) throws -> NoiseSpectrum {
        let (power, times) = powerFrames(stft(samples))
        return try NoiseSpectrum.estimate(power: power, bins: stft.configuration.binCount, frameTimes: times, noiseSegments: noiseSegments)
    }

    /// How much the noise fluctuates over time: the median, over 16 equal-width frequency bands, of
    /// the standard deviation (dB) of the band's level across the noise-only frames; nil with fewer
    /// than 8 such frames.
    ///
    /// A spectral gain subtracts one fixed noise spectrum, which fits stationary noise and fails on
    /// noise that comes and goes. Measured on 2 s of noise (32 ms frames): white and pink ≈ 1.5 dB,
    /// six-talker babble ≈ 7.5 dB, synthetic piano music ≈ 14.5 dB.
    /// - Throws: `DSPError` from the transform.
    public func noiseFluctuation(_ samples: [Float], noiseSegments: [Segment], bands: Int = 16) throws -> Double? {
        let (power, times) = powerFrames(stft(samples))
        let bins = stft.configuration.binCount
        let frames = times.indices.filter { t in noiseSegments.contains { times[t] >= $0.start && times[t] < $0.end } }
        guard frames.count >= 8, bins > bands else { return nil }
        var deviations: [Double] = []
        for band in 0..<bands {
            let lo = 1 + band * (bins - 1) / bands, hi = 1 + (band + 1) * (bins - 1) / bands
            let levels = frames.map { t -> Double in
                var sum = 0.0
                for k in lo..<hi { sum += Double(power[t * bins + k]) }
                return 10 * log10(sum + 1e-12)
            }
            let mean: Double = levels.reduce(0, +) / Double(levels.count)
            var variance = 0.0
            for level in levels { variance += (level - mean) * (level - mean) }
            deviations.append((variance / Double(levels.count)).squareRoot())
        }
        deviations.sort()
        return deviations[deviations.count / 2]
    }

    /// Enhances `samples` (mono, at `sampleRate`), returning as many samples.
    /// - Parameter noiseSegments: stretches (seconds) that hold only noise.
    /// - Throws: `DSPError` from the transforms or the noise estimate (e.g. an empty signal).
    public func enhance(_ samples: [Float], noiseSegments: [Segment]) throws -> [Float] {
        guard !samples.isEmpty else { return [] }
        var spectrum = stft(samples)
        let (power, times) = powerFrames(spectrum)
        let bins = stft.configuration.binCount
        let noise = try NoiseSpectrum.estimate(power: power, bins: bins, frameTimes: times, noiseSegments: noiseSegments)
        applyGain(&spectrum, power: power, noise: noise.power)
        return try inverse(spectrum, length: samples.count)
    }

    /// Multiplies every bin by its gain, frame by frame (the decision-directed ξ carries state across frames).
    func applyGain(_ spectrum: inout [Float], power: [Float], noise: [Float]) {
        let bins = noise.count
        let frames = power.count / bins
        var previousClean = [Double](repeating: 0, count: bins)   // Â²(l−1) / λ
        for t in 0..<frames {
            for k in 0..<bins {
                let lambda = max(Double(noise[k]), 1e-12)
                let gamma = min(Double(power[t * bins + k]) / lambda, 1e4)
                let fresh = max(gamma - 1, 0)
                let xi = max(minimumPriorSNR, t == 0 ? fresh : alpha * previousClean[k] + (1 - alpha) * fresh)
                let g = max(gainFloor, rule.gain(xi: xi, gamma: gamma))
                previousClean[k] = g * g * gamma
                spectrum[2 * (t * bins + k)] *= Float(g)
                spectrum[2 * (t * bins + k) + 1] *= Float(g)
            }
        }
    }

    /// |Y|² per frame and bin, and each frame's centre time.
    func powerFrames(_ complex: [Float]) -> (power: [Float], times: [Double]) {
        let bins = stft.configuration.binCount
        let frames = complex.count / (2 * bins)
        var power = [Float](repeating: 0, count: frames * bins)
        for i in 0..<(frames * bins) {
            power[i] = complex[2 * i] * complex[2 * i] + complex[2 * i + 1] * complex[2 * i + 1]
        }
        let hop = Double(stft.configuration.hop), rate = Double(sampleRate)
        return (power, (0..<frames).map { Double($0) * hop / rate })
    }
}
