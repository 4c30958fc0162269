import Foundation
import Testing
import TandemCore
@testable import TandemDSP

@Suite("Griffin-Lim and masks")
struct ReconstructionTests {
    @Test("Griffin-Lim with zero initial phase matches librosa.griffinlim(init=None)", arguments: try Fixtures.cases().griffinlim)
    func griffinLimParity(_ c: Fixtures.GriffinLimCase) throws {
        let griffinLim = try GriffinLim(STFTConfiguration(fftSize: c.fftSize, hop: c.hop), iterations: c.iterations,
                                        momentum: c.momentum, initialPhase: .zero)
        let result = try griffinLim(Fixtures.npy(c.input).values)
        let reference = try Fixtures.npy(c.reference).values
        try #require(result.count == reference.count)
        #expect(relativeError(result, reference) <= 1e-4)
    }

    @Test("Griffin-Lim's spectral convergence improves with iterations")
    func griffinLimConverges() throws {
        let configuration = STFTConfiguration(fftSize: 256, hop: 64, output: .magnitude)
        let target = try STFT(configuration)(testSignal(4000))
        func inconsistency(_ iterations: Int) throws -> Float {
            let y = try GriffinLim(configuration, iterations: iterations, initialPhase: .random(seed: 7))(target)
            let rebuilt = try STFT(configuration)(y)
            var error: Float = 0, energy: Float = 0
            for i in target.indices {
                error += (rebuilt[i] - target[i]) * (rebuilt[i] - target[i])
                energy += target[i] * target[i]
            }
            return (error / energy).squareRoot()
        }
        let early = try inconsistency(2), late = try inconsistency(30)
        #expect(late < 0.5 * early)
    }

    @Test("masks scale magnitudes and keep the mixture phase")
    func maskKeepsPhase() throws {
        let configuration = STFTConfiguration(fftSize: 256, hop: 64)
        let x = testSignal(2000)
        let spectrum = try STFT(configuration)(x)
        let bins = spectrum.count / 2
        let mask = (0..<bins).map { Float($0 % 7) / 6 }
        let ratio = try SpectralMask(.ratio()).apply(mask, to: spectrum)
        let binary = try SpectralMask(.binary()).apply(mask, to: spectrum)
        for i in 0..<bins {
            #expect(ratio[2 * i] == spectrum[2 * i] * mask[i] && ratio[2 * i + 1] == spectrum[2 * i + 1] * mask[i])
            let expected: Float = mask[i] > 0.5 ? 1 : 0
            #expect(binary[2 * i] == spectrum[2 * i] * expected)
        }
        #expect(throws: DSPError.self) { try SpectralMask(.ratio()).apply([1], to: spectrum) }
    }

    @Test("an all-pass mask returns the mixture; complementary masks sum to it")
    func separation() throws {
        let configuration = STFTConfiguration(fftSize: 512, hop: 128)
        let mixture = testSignal(6000)
        let frames = configuration.frameCount(forLength: mixture.count) * configuration.binCount
        let ones = [Float](repeating: 1, count: frames)
        let all = try SpectralMask(.binary()).separate(mixture, mask: ones, configuration: configuration)
        #expect(relativeError(all, mixture) <= 1e-5)
        let low = (0..<frames).map { Float($0 % configuration.binCount < 100 ? 1 : 0) }
        let high = low.map { 1 - $0 }
        let a = try SpectralMask(.ratio(maximum: 1)).separate(mixture, mask: low, configuration: configuration)
        let b = try SpectralMask(.ratio(maximum: 1)).separate(mixture, mask: high, configuration: configuration)
        #expect(relativeError(zip(a, b).map(+), mixture) <= 1e-5)
        // The 3 kHz sine (bin 96 of 512 at 16 kHz) lands in the low band, so the high band holds little of the energy.
        let energy = { (s: [Float]) in s.reduce(0) { $0 + $1 * $1 } }
        #expect(energy(b) < 0.2 * energy(mixture))
    }
}
