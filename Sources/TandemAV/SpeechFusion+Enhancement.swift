import Foundation
import TandemCore
import TandemDSP

extension SpeechFusion {
    /// When and how to clean the audio before recognition.
    public struct Enhancement: Sendable, Hashable {
        public var rule: SpectralGain = .mmseLSA
        /// Enhance only when the SNR estimated from speech against the quiet stretches is below this (dB);
        /// nil: always. Spectral gains distort clean speech, which costs a recogniser more than the noise did.
        public var belowSNR: Double? = 5
        /// Enhance only when the noise in the quiet stretches fluctuates less than this (dB, see
        /// `SpeechEnhancer.noiseFluctuation`); nil: whatever the noise. A fixed noise spectrum cannot follow music.
        public var maximumFluctuation: Double? = 10

        public init() {}
    }

    /// `samples` cleaned with a noise spectrum measured in the stretches silent in both picture and
    /// sound (`map.quiet`), when the estimated SNR and the noise's steadiness allow; otherwise unchanged.
    /// - Returns: the audio to recognise and a note saying what was done.
    /// - Throws: what `SpeechEnhancer` throws.
    public static func enhance(_ samples: [Float], sampleRate: Int, map: SpeechMap, enhancement: Enhancement) throws -> (audio: [Float], note: String) {
        guard !map.speech.isEmpty else { return (samples, "enhancement skipped: no speech") }
        guard !map.quiet.isEmpty else { return (samples, "enhancement skipped: no stretch silent in both picture and sound to measure the noise in") }
        func meanPower(_ segments: [Segment]) -> Double? {
            var sum = 0.0, count = 0
            for s in segments {
                let a = max(0, Int(s.start * Double(sampleRate))), b = min(samples.count, Int(s.end * Double(sampleRate)))
                if b > a { for i in a..<b { sum += Double(samples[i] * samples[i]) }; count += b - a }
            }
            return count > 0 ? sum / Double(count) : nil
        }
        if let limit = enhancement.belowSNR, let noisy = meanPower(map.speech), let noise = meanPower(map.quiet) {
            let snr = noise > 1e-12 ? 10 * log10(max(noisy - noise, 1e-12) / noise) : 99
            if snr >= limit { return (samples, String(format: "enhancement skipped: estimated SNR %.0f dB ≥ %.0f dB", snr, limit)) }
        }
        let enhancer = try SpeechEnhancer(sampleRate: sampleRate, rule: enhancement.rule)
        if let limit = enhancement.maximumFluctuation, let fluctuation = try enhancer.noiseFluctuation(samples, noiseSegments: map.quiet),
           fluctuation >= limit {
            return (samples, String(format: "enhancement skipped: the noise fluctuates by %.1f dB (≥ %.0f dB)", fluctuation, limit))
        }
        return (try enhancer.enhance(samples, noiseSegments: map.quiet), "enhanced with the noise of the stretches silent in both picture and sound")
    }
}
