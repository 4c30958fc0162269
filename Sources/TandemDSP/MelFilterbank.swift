import Foundation
import TandemCore

/// Triangular mel filters over the bins of an `fftSize`-point STFT, identical to
/// `librosa.filters.mel` (and therefore to the filters shipped in openai/whisper's `mel_filters.npz`).
///
/// Filters are applied sparsely: each covers only the bins between its neighbours' centres,
/// so applying costs about two multiply-adds per bin and frame instead of `melCount`.
public struct MelFilterbank: Sendable {
    /// How hertz map to mels.
    public enum Scale: String, Sendable, Hashable {
        /// Slaney's Auditory Toolbox scale: linear below 1 kHz, logarithmic above (librosa's default, `htk=False`).
        case slaney
        /// 2595 · log10(1 + f / 700) (`htk=True`).
        case htk
    }

    /// How each filter is scaled.
    public enum Normalization: String, Sendable, Hashable {
        /// Divide each triangle by its width in hertz (2 / (f[i+2] − f[i])) so filters have equal area (`norm="slaney"`).
        case slaney
        /// Peak height 1 (`norm=None`).
        case none
    }

    public let sampleRate: Int
    public let fftSize: Int
    public let melCount: Int
    public let minFrequency: Double
    public let maxFrequency: Double
    public let scale: Scale
    public let normalization: Normalization
    /// `melCount × (fftSize / 2 + 1)` weights, mel-major, as librosa returns them.
    public let weights: [Float]
    /// Per filter, the bins with non-zero weight.
    let spans: [Range<Int>]

    /// Frequency bins the filters expect.
    public var binCount: Int { fftSize / 2 + 1 }

    /// Builds the filters, computing in double precision like librosa.
    /// - Parameters:
    ///   - maxFrequency: upper edge in Hz; nil for `sampleRate / 2`.
    /// - Throws: `DSPError.Code.invalidConfiguration` for a non-positive count or an empty frequency range.
    public init(
        sampleRate: Int, fftSize: Int, melCount: Int, minFrequency: Double = 0, maxFrequency: Double? = nil,
        scale: Scale = .slaney, normalization: Normalization = .slaney
    ) throws {
        let fmax = maxFrequency ?? Double(sampleRate) / 2
        guard melCount >= 1, fftSize >= 2, sampleRate > 0, minFrequency >= 0, fmax > minFrequency else {
            throw DSPError(.invalidConfiguration,
                           "mel filterbank needs melCount ≥ 1 and 0 ≤ fmin < fmax; got \(melCount) mels, \(minFrequency)…\(fmax) Hz")
        }
        self.sampleRate = sampleRate
        self.fftSize = fftSize
        self.melCount = melCount
        self.minFrequency = minFrequency
        self.maxFrequency = fmax
        self.scale = scale
        self.normalization = normalization

        let bins = fftSize / 2 + 1
        let binFrequencies = (0..<bins).map { Double($0) * Double(sampleRate) / Double(fftSize) }
        let lowMel = Self.mel(fromHertz: minFrequency, scale: scale)
        let highMel = Self.mel(fromHertz: fmax, scale: scale)
        let edges = (0..<(melCount + 2)).map { i in
            Self.hertz(fromMel: lowMel + (highMel - lowMel) * Double(i) / Double(melCount + 1), scale: scale)
        }
        var weights = [Float](repeating: 0, count: melCount * bins)
        var spans: [Range<Int>] = []
        for m in 0..<melCount {
            let lowerWidth = edges[m + 1] - edges[m]
            let upperWidth = edges[m + 2] - edges[m + 1]
            let area = normalization == .slaney ? 2 / (edges[m + 2] - edges[m]) : 1
            var first = bins, last = -1
            for k in 0..<bins {
                let rising = (binFrequencies[k] - edges[m]) / lowerWidth
                let falling = (edges[m + 2] - binFrequencies[k]) / upperWidth
                let w = max(0, min(rising, falling)) * area
                if w > 0 {
                    weights[m * bins + k] = Float(w)
                    first = min(first, k)
                    last = k
                }
            }
            spans.append(last >= first ? first..<(last + 1) : 0..<0)
        }
        self.weights = weights
        self.spans = spans
    }

    /// Hertz to mels on `scale` (librosa's `hz_to_mel`).
    public static func mel(fromHertz f: Double, scale: Scale) -> Double {
        switch scale {
        case .htk:
            return 2595 * log10(1 + f / 700)
        case .slaney:
            let linearStep = 200.0 / 3
            let logStart = 1000.0, logStartMel = logStart / linearStep
            let logStep = log(6.4) / 27
            return f >= logStart ? logStartMel + log(f / logStart) / logStep : f / linearStep
        }
    }

    /// Mels to hertz on `scale` (librosa's `mel_to_hz`).
    public static func hertz(fromMel m: Double, scale: Scale) -> Double {
        switch scale {
        case .htk:
            return 700 * (pow(10, m / 2595) - 1)
        case .slaney:
            let linearStep = 200.0 / 3
            let logStart = 1000.0, logStartMel = logStart / linearStep
            let logStep = log(6.4) / 27
            return m >= logStartMel ? logStart * exp(logStep * (m - logStartMel)) : m * linearStep
        }
    }

    /// Applies the filters to frame-major magnitude or power frames (`frames × binCount`).
    /// - Returns: `frames × melCount` floats, frame-major.
    /// - Throws: `DSPError.Code.shapeMismatch` when the input is not whole frames of `binCount`.
    /// - Complexity: O(frames · binCount).
    public func callAsFunction(_ frames: [Float]) throws -> [Float] {
        let bins = binCount
        guard frames.count % bins == 0 else {
            throw DSPError(.shapeMismatch, "\(frames.count) values are not whole frames of \(bins) bins")
        }
        let count = frames.count / bins
        var output = [Float](repeating: 0, count: count * melCount)
        frames.withUnsafeBufferPointer { input in
            weights.withUnsafeBufferPointer { weights in
                output.withUnsafeMutableBufferPointer { output in
                    for t in 0..<count {
                        let frame = input.baseAddress! + t * bins
                        for m in 0..<melCount {
                            let row = weights.baseAddress! + m * bins
                            var sum: Float = 0
                            for k in spans[m] { sum += row[k] * frame[k] }
                            output[t * melCount + m] = sum
                        }
                    }
                }
            }
        }
        return output
    }

    /// Applies the filters to a magnitude or power `Spectrogram`, giving a `.mel` spectrogram.
    /// - Throws: `DSPError` when the spectrogram is complex or has another bin count.
    public func callAsFunction(_ spectrogram: Spectrogram) throws -> Spectrogram {
        guard spectrogram.values == .magnitude || spectrogram.values == .power else {
            throw DSPError(.unsupportedValues, "mel filters apply to magnitude or power, not \(spectrogram.values)")
        }
        let data = try self(spectrogram.data.array)
        return Spectrogram(values: .mel, binCount: melCount, frameCount: spectrogram.frameCount, hop: spectrogram.hop,
                           fftSize: spectrogram.fftSize, sampleRate: spectrogram.sampleRate,
                           firstFrame: spectrogram.firstFrame, data: SharedArray(data))
    }
}
