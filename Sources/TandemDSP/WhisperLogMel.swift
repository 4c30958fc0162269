import Foundation
import TandemCore

/// The exact log-mel front end of openai/whisper (`whisper/audio.py`, `log_mel_spectrogram`).
///
/// 16 kHz audio → STFT (periodic Hann 400, n_fft 400, hop 160, centred, reflect) → drop the
/// last frame → |X|² → Slaney mel filters (80, or 128 for large-v3) → log10(max(x, 1e-10)) →
/// max(x, global max − 8) → (x + 4) / 4. The global maximum makes this a whole-input
/// transform; the model sees it in 30 s windows of 3000 frames (`window30Seconds`).
public struct WhisperLogMel: Sendable {
    public static let sampleRate = 16000
    public static let fftSize = 400
    public static let hop = 160
    /// Samples in one model window: 30 s at 16 kHz.
    public static let windowSamples = 480_000
    /// Frames in one model window.
    public static let windowFrames = 3000

    /// Mel bands per frame (80 or 128).
    public let melCount: Int
    let stft: STFT
    /// The Slaney mel filters (librosa's, as in whisper's `mel_filters.npz`).
    public let filterbank: MelFilterbank

    /// Plans the STFT and builds the filters.
    /// - Parameter melCount: 80 (all models up to large-v2) or 128 (large-v3).
    /// - Throws: `DSPError` when planning fails or `melCount` is not positive.
    public init(melCount: Int = 80) throws {
        self.melCount = melCount
        // FFTW_ESTIMATE, not MEASURE: a measured plan is chosen by timing, so two runs (or a run on a busy
        // machine) can pick different algorithms whose sums round differently, and a transcript would then
        // change from run to run. The 400-point transform is a negligible part of recognition.
        stft = try STFT(STFTConfiguration(fftSize: Self.fftSize, hop: Self.hop, window: .hann(periodic: true),
                                          center: true, padding: .reflect, output: .power, planning: .estimate))
        filterbank = try MelFilterbank(sampleRate: Self.sampleRate, fftSize: Self.fftSize, melCount: melCount)
    }

    /// Log-mel features of `samples` followed by `padding` zeros (whisper's `padding=` argument),
    /// frame-major: `frames × melCount` with `frames = samples / 160` (the last STFT frame dropped).
    public func features(_ samples: [Float], padding: Int = 0) -> [Float] {
        let input = padding > 0 ? samples + [Float](repeating: 0, count: padding) : samples
        let power = stft(input)
        let frames = max(0, power.count / stft.configuration.binCount - 1)
        // Cannot fail: the STFT yields whole frames of the filterbank's bin count.
        var mel = try! filterbank(Array(power.prefix(frames * stft.configuration.binCount)))
        var peak = -Float.infinity
        for i in mel.indices {
            mel[i] = log10f(max(mel[i], 1e-10))
            peak = max(peak, mel[i])
        }
        for i in mel.indices { mel[i] = Self.normalized(mel[i], peak: peak) }
        return mel
    }

    /// Log-mel features as a `.logMel` `Spectrogram` (frame-major, `binCount == melCount`).
    public func callAsFunction(_ samples: [Float], padding: Int = 0) -> Spectrogram {
        let data = features(samples, padding: padding)
        return Spectrogram(values: .logMel, binCount: melCount, frameCount: data.count / melCount, hop: Self.hop,
                           fftSize: Self.fftSize, sampleRate: Self.sampleRate, firstFrame: 0, data: SharedArray(data))
    }

    /// Log-mel features of one channel of 16 kHz `audio` as a `.logMel` `Spectrogram`.
    /// - Throws: `DSPError.Code.invalidConfiguration` unless the audio is at 16 kHz (resample first),
    ///   `.shapeMismatch` for a missing channel.
    public func callAsFunction(_ audio: AudioBuffer, channel: Int = 0) throws -> Spectrogram {
        guard audio.sampleRate == Self.sampleRate else {
            throw DSPError(.invalidConfiguration, "Whisper's front end needs 16000 Hz audio, got \(audio.sampleRate) Hz")
        }
        guard channel < audio.channelCount else {
            throw DSPError(.shapeMismatch, "channel \(channel) requested from a buffer of \(audio.channelCount)")
        }
        var spectrogram = self(audio.channels[channel].array)
        spectrogram.firstFrame = audio.firstSample / Int64(Self.hop)
        return spectrogram
    }

    /// One 30 s model input: the samples cut or zero-padded to 480 000 (whisper's `pad_or_trim`)
    /// and transformed: exactly 3000 × `melCount` values, frame-major.
    public func window30Seconds(_ samples: [Float]) -> [Float] {
        features(Self.padOrTrim(samples))
    }

    /// `samples` cut to, or zero-padded at the end to, `length` (whisper's `pad_or_trim`).
    public static func padOrTrim(_ samples: [Float], length: Int = windowSamples) -> [Float] {
        samples.count >= length ? Array(samples.prefix(length))
            : samples + [Float](repeating: 0, count: length - samples.count)
    }

    /// Frame-major features transposed to mel-major (`melCount × frames`), the layout whisper's encoder reads.
    public static func melMajor(_ features: [Float], melCount: Int) -> [Float] {
        let frames = features.count / melCount
        return [Float](unsafeUninitializedCapacity: features.count) { out, initialized in
            for t in 0..<frames { for m in 0..<melCount { out[m * frames + t] = features[t * melCount + m] } }
            initialized = features.count
        }
    }
}
