import TandemCore

/// A time–frequency mask applied to a complex STFT, keeping the mixture's phase — the way
/// mask-based separators (Sound of Pixels among them) turn a predicted mask into audio:
/// `ISTFT(mask · |X| · e^{i∠X}) = ISTFT(mask · X)`.
public struct SpectralMask: Sendable {
    /// How predicted mask values become gains.
    public enum Kind: Sendable, Hashable {
        /// 1 where the mask exceeds `threshold`, else 0 (Sound of Pixels' binary masks use 0.5).
        case binary(threshold: Float = 0.5)
        /// The values themselves as gains, optionally clamped to `0...maximum`.
        case ratio(maximum: Float? = nil)
    }

    public var kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    /// The gain for one mask value.
    @inline(__always)
    func gain(_ value: Float) -> Float {
        switch kind {
        case .binary(let threshold): return value > threshold ? 1 : 0
        case .ratio(let maximum): return maximum.map { min(max(value, 0), $0) } ?? value
        }
    }

    /// Scales each complex bin of `spectrum` (frame-major, interleaved re, im) by its mask gain.
    /// - Parameter mask: one value per bin, frame-major (`frames × bins`).
    /// - Throws: `DSPError.Code.shapeMismatch` unless `spectrum.count == 2 · mask.count`.
    public func apply(_ mask: [Float], to spectrum: [Float]) throws -> [Float] {
        guard spectrum.count == 2 * mask.count else {
            throw DSPError(.shapeMismatch, "mask of \(mask.count) values for a spectrum of \(spectrum.count / 2) complex bins")
        }
        var result = spectrum
        for i in mask.indices {
            let g = gain(mask[i])
            result[2 * i] *= g
            result[2 * i + 1] *= g
        }
        return result
    }

    /// Masks a `.complex` spectrogram.
    /// - Throws: `DSPError` when the spectrogram is not complex or sizes differ.
    public func apply(_ mask: [Float], to spectrogram: Spectrogram) throws -> Spectrogram {
        guard spectrogram.values == .complex else {
            throw DSPError(.unsupportedValues, "masks apply to complex spectrograms (mixture phase), not \(spectrogram.values)")
        }
        var result = spectrogram
        result.data = SharedArray(try apply(mask, to: spectrogram.data.array))
        return result
    }

    /// Separates one source: STFT of `mixture`, mask, inverse STFT with the mixture's phase.
    /// - Parameters:
    ///   - mask: `frames × binCount` values for the mixture's STFT under `configuration`.
    /// - Returns: as many samples as `mixture`.
    /// - Throws: `DSPError` for a bad configuration or a mask of the wrong size.
    public func separate(_ mixture: [Float], mask: [Float], configuration: STFTConfiguration) throws -> [Float] {
        var complex = configuration
        complex.output = .complex
        let spectrum = try STFT(complex)(mixture)
        return try InverseSTFT(complex)(apply(mask, to: spectrum), length: mixture.count)
    }
}
