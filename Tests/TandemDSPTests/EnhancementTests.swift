import Foundation
import Testing
import TandemCore
@testable import TandemDSP

/// A voiced, syllabic test signal: 20 harmonics of a gliding 140 ± 40 Hz pitch with a 1/h
/// spectral tilt, switched on and off at 4 Hz, between `start` and `end` seconds.
func speechLike(sampleRate: Int, duration: Double, start: Double, end: Double) -> [Float] {
    let n = Int(duration * Double(sampleRate))
    var phase = 0.0
    return (0..<n).map { i in
        let t = Double(i) / Double(sampleRate)
        let f0 = 140 + 40 * sin(2 * .pi * 0.7 * t)
        phase += 2 * .pi * f0 / Double(sampleRate)
        guard t >= start, t < end else { return 0 }
        let envelope = 0.5 - 0.5 * cos(2 * .pi * 4 * (t - start))
        var v = 0.0
        for h in 1...20 { v += sin(Double(h) * phase) / Double(h) }
        return Float(0.3 * envelope * v)
    }
}

/// Deterministic white Gaussian noise (LCG + Box–Muller).
func whiteNoise(count: Int, seed: UInt64 = 42) -> [Float] {
    var state = seed
    func uniform() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return (Double(state >> 11) + 0.5) / Double(1 << 53)
    }
    return (0..<count).map { _ in Float((-2 * log(uniform())).squareRoot() * cos(2 * .pi * uniform())) }
}

func snr(clean: [Float], estimate: [Float], range: Range<Int>) -> Double {
    var signal = 0.0, error = 0.0
    for i in range {
        signal += Double(clean[i] * clean[i])
        error += Double((estimate[i] - clean[i]) * (estimate[i] - clean[i]))
    }
    return 10 * log10(signal / error)
}

@Suite struct EnhancementTests {
    @Test func exponentialIntegralMatchesTables() {
        // Abramowitz & Stegun table 5.1 values.
        for (x, e1) in [(0.1, 1.822923958), (0.5, 0.559773595), (1.0, 0.219383934), (2.0, 0.048900511), (5.0, 0.001148296)] {
            #expect(abs(SpectralGain.exponentialIntegral(x) - e1) / e1 < 1e-4, "E1(\(x))")
        }
    }

    @Test func gainsBehaveAtTheExtremes() {
        #expect(abs(SpectralGain.wiener.gain(xi: 1, gamma: 2) - 0.5) < 1e-12)
        // High SNR: both gains approach 1; MMSE-LSA never attenuates more than Wiener.
        #expect(SpectralGain.mmseLSA.gain(xi: 1000, gamma: 1001) > 0.999)
        for xi in [0.01, 0.1, 1.0, 10.0] {
            for gamma in [0.5, 1.0, 4.0] {
                #expect(SpectralGain.mmseLSA.gain(xi: xi, gamma: gamma) >= SpectralGain.wiener.gain(xi: xi, gamma: gamma))
            }
        }
    }

    @Test func noiseSpectrumFromSegmentsAndFallback() throws {
        // Two bins; frames 0–3 at 0.0–0.3 s are noise (power 1, 2), frames 4–7 speech (power 10, 20).
        let power: [Float] = [1, 2, 1, 2, 1, 2, 1, 2, 10, 20, 10, 20, 10, 20, 10, 20]
        let times = (0..<8).map { Double($0) / 10 }
        let fromSegments = try NoiseSpectrum.estimate(power: power, bins: 2, frameTimes: times,
                                                      noiseSegments: [Segment(start: 0, end: 0.35)])
        #expect(fromSegments.power == [1, 2] && fromSegments.source == .noiseSegments && fromSegments.frameCount == 4)
        let fallback = try NoiseSpectrum.estimate(power: power, bins: 2, frameTimes: times, noiseSegments: [])
        #expect(fallback.power == [1, 2] && fallback.source == .lowPercentile)
        #expect(throws: DSPError.self) { try NoiseSpectrum.estimate(power: [1], bins: 2, frameTimes: times, noiseSegments: []) }
    }

    @Test(arguments: [SpectralGain.wiener, .mmseLSA])
    func improvesSNROfSpeechInWhiteNoise(rule: SpectralGain) throws {
        let rate = 16_000
        let clean = speechLike(sampleRate: rate, duration: 3, start: 0.75, end: 2.25)
        let speech = Int(0.75 * Double(rate))..<Int(2.25 * Double(rate))
        let speechPower = speech.reduce(0.0) { $0 + Double(clean[$1] * clean[$1]) } / Double(speech.count)
        let noise = whiteNoise(count: clean.count).map { $0 * Float(speechPower.squareRoot()) }   // 0 dB
        let noisy = zip(clean, noise).map(+)
        let enhancer = try SpeechEnhancer(sampleRate: rate, rule: rule)
        let enhanced = try enhancer.enhance(noisy, noiseSegments: [Segment(start: 0, end: 0.7), Segment(start: 2.3, end: 3)])
        #expect(enhanced.count == noisy.count)
        let before = snr(clean: clean, estimate: noisy, range: speech)
        let after = snr(clean: clean, estimate: enhanced, range: speech)
        print("enhancement \(rule.rawValue): SNR \(String(format: "%.2f", before)) dB → \(String(format: "%.2f", after)) dB")
        #expect(abs(before) < 0.2)
        #expect(after - before > 5, "\(rule): \(before) → \(after) dB")
        // The noise-only stretch is attenuated by at least 15 dB (floor −20 dB).
        let lead = 0..<Int(0.7 * Double(rate))
        let leadIn = lead.reduce(0.0) { $0 + Double(noisy[$1] * noisy[$1]) }, leadOut = lead.reduce(0.0) { $0 + Double(enhanced[$1] * enhanced[$1]) }
        #expect(10 * log10(leadIn / leadOut) > 15)
    }

    @Test func rejectsBadParameters() {
        #expect(throws: DSPError.self) { try SpeechEnhancer(sampleRate: 16_000, alpha: 1) }
        #expect(throws: DSPError.self) { try SpeechEnhancer(sampleRate: 0) }
        #expect(throws: DSPError.self) { try SpeechEnhancer(sampleRate: 16_000, gainFloor: 2) }
    }
}

@Suite struct EnergyVoiceActivityTests {
    @Test func findsSpeechAboveTheNoiseFloor() {
        let rate = 16_000
        let speech = speechLike(sampleRate: rate, duration: 4, start: 1, end: 3)
        let noise = whiteNoise(count: speech.count)
        let mixed = zip(speech, noise).map { $0 + 0.005 * $1 }
        let found = EnergyVoiceActivity().segments(mixed, sampleRate: rate)
        #expect(!found.isEmpty)
        #expect(found.allSatisfy { $0.start >= 0.95 && $0.end <= 3.05 }, "\(found)")
        #expect(EnergyVoiceActivity.overlap(found, [Segment(start: 1, end: 3)]) > 1.2)
        // Stationary noise alone, or digital silence, is never active.
        #expect(EnergyVoiceActivity().segments(noise.map { 0.005 * $0 }, sampleRate: rate).isEmpty)
        #expect(EnergyVoiceActivity().segments([Float](repeating: 0, count: rate), sampleRate: rate).isEmpty)
    }
}
