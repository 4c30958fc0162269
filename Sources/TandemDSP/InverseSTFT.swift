import CFFTW
import TandemCore

/// The inverse STFT: inverse real FFT of each frame, synthesis window, overlap-add, and
/// division by the summed squared window, as `torch.istft` and `librosa.istft` do.
///
/// With a window satisfying the NOLA condition (any Hann/Hamming/Blackman with hop ≤ n_fft / 2)
/// `InverseSTFT(STFT(x))` gives back `x` to float precision. Where the window envelope is
/// below 1e-11 (only possible without `center`, at the outermost samples) the overlap-added
/// value is returned undivided, like librosa, instead of failing like torch.
public struct InverseSTFT: Sendable {
    /// The forward transform's configuration (output forced to complex).
    public let configuration: STFTConfiguration
    let window: [Float]
    let plan: FFTWPlan

    /// Envelope values at or below this are not divided by.
    static let envelopeFloor: Float = 1e-11

    /// Plans the inverse for `configuration` (its `output` is ignored: the input is complex).
    /// - Throws: `DSPError` (`.invalidConfiguration`, `.planFailed`).
    public init(_ configuration: STFTConfiguration) throws {
        try configuration.validate()
        var configuration = configuration
        configuration.output = .complex
        self.configuration = configuration
        window = try configuration.window.padded(length: configuration.windowLength, fftSize: configuration.fftSize)
        plan = try FFTWPlanner.plan(size: configuration.fftSize, direction: .inverse, rigor: .init(configuration.planning))
    }

    /// Samples the inverse yields for `frameCount` frames when no `length` is given:
    /// `fftSize + hop · (frames − 1)`, minus the centre padding at both ends.
    public func outputLength(frameCount: Int) -> Int {
        guard frameCount > 0 else { return 0 }
        return configuration.fftSize + configuration.hop * (frameCount - 1) - 2 * configuration.centerPadding
    }

    /// Reconstructs a signal from complex frames (frame-major, interleaved re, im).
    /// - Parameters:
    ///   - frames: `frameCount × 2 · binCount` floats.
    ///   - length: the exact output length (cut or zero-padded), as torch's `length=`; nil for `outputLength`.
    /// - Throws: `DSPError.Code.shapeMismatch` when `frames` is not a whole number of frames.
    public func callAsFunction(_ frames: [Float], length: Int? = nil) throws -> [Float] {
        let stride = 2 * configuration.binCount
        guard frames.count % stride == 0 else {
            throw DSPError(.shapeMismatch, "\(frames.count) floats are not whole frames of \(stride) (2 × \(configuration.binCount) bins)")
        }
        let frameCount = frames.count / stride
        let n = configuration.fftSize
        let hop = configuration.hop
        let total = frameCount > 0 ? n + hop * (frameCount - 1) : 0
        var sum = [Float](repeating: 0, count: total)
        var envelope = [Float](repeating: 0, count: total)
        let synthesizer = FrameSynthesizer(self)
        // Overlap-added through buffers (no bounds or uniqueness check per sample, so the loop vectorises), with the
        // squared window taken once: the same products added in the same order.
        let squared = window.map { $0 * $0 }
        frames.withUnsafeBufferPointer { frames in
            sum.withUnsafeMutableBufferPointer { sum in
                envelope.withUnsafeMutableBufferPointer { envelope in
                    squared.withUnsafeBufferPointer { squared in
                        for t in 0..<frameCount {
                            let time = synthesizer.synthesize(frames.baseAddress! + t * stride)
                            let offset = t * hop
                            for i in 0..<n {
                                sum[offset + i] += time[i]
                                envelope[offset + i] += squared[i]
                            }
                        }
                    }
                }
            }
        }
        let start = configuration.centerPadding
        let end = length.map { start + $0 } ?? max(start, total - configuration.centerPadding)
        return (start..<end).map { i in
            guard i < total else { return 0 }
            return envelope[i] > Self.envelopeFloor ? sum[i] / envelope[i] : sum[i]
        }
    }

    /// Reconstructs a signal from a `.complex` spectrogram.
    /// - Throws: `DSPError` when the spectrogram is not complex or its size differs from the configuration's.
    public func callAsFunction(_ spectrogram: Spectrogram, length: Int? = nil) throws -> [Float] {
        guard spectrogram.values == .complex, spectrogram.binCount == configuration.binCount else {
            throw DSPError(.shapeMismatch, "need a complex spectrogram of \(configuration.binCount) bins, got \(spectrogram.values) with \(spectrogram.binCount)")
        }
        return try self(spectrogram.data.array, length: length)
    }
}
