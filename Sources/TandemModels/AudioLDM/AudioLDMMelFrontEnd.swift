import Foundation
import TandemDSP
import TandemNN

/// The log-mel spectrogram AudioLDM's VAE was trained on: `TacotronSTFT.mel_spectrogram` of
/// haoheliu/AudioLDM (`audioldm/audio/stft.py`), used to encode an input clip for variation and
/// inpainting.
///
/// Centred frames (reflect padding of n_fft / 2 on both ends), periodic Hann window as long as
/// n_fft, STFT magnitude (|X|, not power), Slaney mel filters (librosa's default: Slaney scale and
/// area normalisation, from 0 Hz to `maximumFrequency`), then natural log with a floor of 1e-5.
/// The published models use 16 kHz, n_fft 1024, hop 160, 64 bins, 8 kHz: the defaults.
public struct AudioLDMMelFrontEnd: Sendable {
    public let sampleRate: Int
    public let fftSize: Int
    public let hopLength: Int
    public let melBins: Int
    public let maximumFrequency: Float
    /// The floor under the mel magnitudes before the log (AudioLDM's `dynamic_range_compression` clip value).
    public static let floor: Float = 1e-5

    let stft: STFT
    let filterbank: MelFilterbank

    /// Plans the STFT and builds the filters.
    /// - Throws: `DSPError(.invalidConfiguration)` for a non-positive size or hop, no mel bins, or a
    ///   maximum frequency outside (0, sampleRate / 2].
    public init(sampleRate: Int = 16000, fftSize: Int = 1024, hopLength: Int = 160, melBins: Int = 64, maximumFrequency: Float = 8000) throws {
        guard sampleRate > 0, maximumFrequency > 0, Double(maximumFrequency) <= Double(sampleRate) / 2 else {
            throw DSPError(.invalidConfiguration,
                           "AudioLDM mel front end: maximum frequency \(maximumFrequency) Hz must be in (0, \(sampleRate / 2)] for \(sampleRate) Hz audio")
        }
        self.sampleRate = sampleRate
        self.fftSize = fftSize
        self.hopLength = hopLength
        self.melBins = melBins
        self.maximumFrequency = maximumFrequency
        stft = try STFT(STFTConfiguration(fftSize: fftSize, hop: hopLength, window: .hann(periodic: true), center: true,
                                          padding: .reflect, output: .magnitude))
        filterbank = try MelFilterbank(sampleRate: sampleRate, fftSize: fftSize, melCount: melBins, minFrequency: 0,
                                       maxFrequency: Double(maximumFrequency), scale: .slaney, normalization: .slaney)
    }

    /// Frames `logMel` returns for `sampleCount` samples: 1 + sampleCount / hop (0 for an empty input).
    public func frameCount(forSampleCount sampleCount: Int) -> Int { stft.frameCount(forLength: sampleCount) }

    /// The log-mel spectrogram of `samples` (at `sampleRate`).
    /// - Parameter samples: mono audio longer than n_fft / 2 (reflect padding needs that much).
    /// - Returns: [frames, melBins], frames = 1 + samples.count / hop; [0, melBins] for an empty input.
    /// - Complexity: O(frames · n_fft log n_fft).
    public func logMel(_ samples: [Float]) -> Tensor {
        precondition(samples.isEmpty || samples.count > fftSize / 2,
                     "AudioLDM mel front end: \(samples.count) samples are too short to reflect-pad by \(fftSize / 2)")
        let magnitude = stft(samples)
        // Cannot fail: the STFT yields whole frames of the filterbank's bin count.
        let mel = try! filterbank(magnitude)
        let frames = mel.count / melBins
        return Tensor(shape: [frames, melBins], values: mel.map { Foundation.log(max($0, Self.floor)) })
    }

    /// AudioLDM's normalisation of an input clip before its mel (`normalize_wav`): the mean removed,
    /// then scaled so the peak magnitude is 0.5 (`/ (max|x| + 1e-8) · 0.5`).
    ///
    /// The VAE was trained on clips normalised this way, so a clip's loudness does not shift its latents.
    public static func normalizedWaveform(_ samples: [Float]) -> [Float] {
        let (offset, gain) = normalization(of: samples)
        return samples.map { (Float(Double($0) - offset)) * gain }
    }

    /// The mean `normalizedWaveform` removes and the gain it applies, so a caller can put generated
    /// audio back at the clip's own level (inpainting).
    public static func normalization(of samples: [Float]) -> (offset: Double, gain: Float) {
        guard !samples.isEmpty else { return (0, 1) }
        let mean = samples.reduce(0.0) { $0 + Double($1) } / Double(samples.count)
        let peak = samples.reduce(Float(0)) { max($0, abs(Float(Double($1) - mean))) }
        return (mean, 0.5 / (peak + 1e-8))
    }
}
