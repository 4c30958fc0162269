import Foundation
import TandemCore

/// Phase reconstruction from a magnitude spectrogram by Griffin–Lim, with the "fast" momentum
/// of Perraudin et al. as `librosa.griffinlim` implements it (momentum 0.99 by default).
///
/// Each iteration inverts the current complex estimate, re-analyses it, and keeps only the
/// new phase: `angles = rebuilt − m / (1 + m) · previous rebuilt`, normalised to unit modulus,
/// times the target magnitude. With `initialPhase: .zero` the result is deterministic and equals
/// librosa's `init=None`.
public struct GriffinLim: Sendable {
    /// The starting phase estimate.
    public enum InitialPhase: Sendable, Hashable {
        /// All phases 0 (librosa `init=None`).
        case zero
        /// Uniform random phases from a seeded generator (librosa's default is random, unseeded).
        case random(seed: UInt64)
    }

    /// The STFT whose consistency is enforced (complex output).
    public let configuration: STFTConfiguration
    /// Analysis–synthesis rounds; librosa's default is 32.
    public var iterations: Int
    /// The fast Griffin–Lim momentum (0 gives the classic algorithm; above 1 can diverge).
    public var momentum: Float
    public var initialPhase: InitialPhase
    let stft: STFT
    let inverse: InverseSTFT

    /// Plans the transforms; `configuration.output` is ignored.
    /// - Throws: `DSPError` (`.invalidConfiguration` also for negative iterations or momentum).
    public init(_ configuration: STFTConfiguration, iterations: Int = 32, momentum: Float = 0.99,
                initialPhase: InitialPhase = .random(seed: 0)) throws {
        guard iterations >= 0, momentum >= 0 else {
            throw DSPError(.invalidConfiguration, "Griffin-Lim needs iterations ≥ 0 and momentum ≥ 0, got \(iterations), \(momentum)")
        }
        var complex = configuration
        complex.output = .complex
        self.configuration = complex
        self.iterations = iterations
        self.momentum = momentum
        self.initialPhase = initialPhase
        stft = try STFT(complex)
        inverse = try InverseSTFT(complex)
    }

    /// A signal whose STFT magnitude approximates `magnitude` (frame-major, `frames × binCount`).
    /// - Parameter length: the output length, as `InverseSTFT`'s; nil for the natural length.
    /// - Throws: `DSPError.Code.shapeMismatch` when `magnitude` is not whole frames.
    /// - Complexity: `iterations + 1` inverse and `iterations` forward STFTs.
    public func callAsFunction(_ magnitude: [Float], length: Int? = nil) throws -> [Float] {
        let bins = configuration.binCount
        guard magnitude.count % bins == 0 else {
            throw DSPError(.shapeMismatch, "\(magnitude.count) values are not whole frames of \(bins) bins")
        }
        var angles = [Float](repeating: 0, count: 2 * magnitude.count)
        switch initialPhase {
        case .zero:
            for i in magnitude.indices { angles[2 * i] = magnitude[i] }
        case .random(let seed):
            var generator = SplitMix64(seed: seed)
            for i in magnitude.indices {
                let phase = 2 * Float.pi * generator.nextUnitFloat()
                angles[2 * i] = magnitude[i] * cos(phase)
                angles[2 * i + 1] = magnitude[i] * sin(phase)
            }
        }
        var previous: [Float]? = nil
        let carry = momentum / (1 + momentum)
        for _ in 0..<iterations {
            let signal = try inverse(angles, length: length)
            var rebuilt = stft(signal)
            // A `length` can change the frame count; keep the target's.
            if rebuilt.count != angles.count {
                rebuilt = Array(rebuilt.prefix(angles.count)) + [Float](repeating: 0, count: max(0, angles.count - rebuilt.count))
            }
            for i in magnitude.indices {
                var re = rebuilt[2 * i], im = rebuilt[2 * i + 1]
                if let previous {
                    re -= carry * previous[2 * i]
                    im -= carry * previous[2 * i + 1]
                }
                let scale = magnitude[i] / ((re * re + im * im).squareRoot() + Float.leastNormalMagnitude)
                angles[2 * i] = re * scale
                angles[2 * i + 1] = im * scale
            }
            previous = rebuilt
        }
        return try inverse(angles, length: length)
    }
}
