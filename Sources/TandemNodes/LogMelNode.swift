import TandemCore
import TandemDSP

/// `log-mel`: audio → log-mel spectrogram, in one of two styles.
///
/// - `whisper`: exactly openai/whisper's `log_mel_spectrogram` (`WhisperLogMel`: n_fft 400, hop 160,
///   80 or 128 bands, clamped 8 below the input's maximum, scaled to about −1…1). Needs 16 kHz audio
///   (`decode` with `sample_rate: 16000`). The clamp uses the maximum of the whole input, so the node
///   holds the input's samples (4 bytes × samples; 230 MB per hour) and emits one packet at the end.
/// - `plain`: `librosa.power_to_db(librosa.feature.melspectrogram(...), ref=1, top_db=None)`:
///   power STFT → mel filters → 10·log10, at any rate, streamed chunk by chunk.
public struct LogMelNode: ConfigurableNode {
    public static let descriptor = NodeDescriptor(
        kind: "log-mel", doc: "Log-mel spectrogram of audio: Whisper's exact front end, or plain dB mel (streamed).",
        inputs: [PortSpec("audio", .audio, "mono audio (16 kHz for style whisper)")],
        outputs: [PortSpec("spectrogram", .spectrogram, "log-mel frames × bands")],
        parameters: [
            ParameterSpec("style", .choice(["whisper", "plain"]), default: .string("whisper"),
                          "whisper: openai/whisper's features; plain: 10·log10 of a power mel spectrogram"),
            ParameterSpec("mels", .int(1...1024), default: .int(80), "mel bands (whisper: 80, or 128 for large-v3)"),
            ParameterSpec("n_fft", .int(2...65_536), default: .int(400), "transform length (plain)"),
            ParameterSpec("hop", .int(1...65_536), default: .int(160), "samples between frames (plain)"),
            ParameterSpec("fmin", .double(0...1_000_000), default: .double(0), "lowest mel frequency in Hz (plain)"),
            ParameterSpec("fmax", .double(0...1_000_000), default: .double(0), "highest mel frequency in Hz, 0 for Nyquist (plain)"),
            ParameterSpec("channel", .int(0...63), default: .int(0), "which channel of the audio to use"),
        ])

    /// Exactly one of the two is set, by `style`.
    private let frontEnd: WhisperLogMel?
    private var stream: StreamingSTFT?
    private let channel: Int
    private let melCount: Int
    private let minFrequency: Double
    private let maxFrequency: Double?
    private var filterbank: MelFilterbank?
    /// Whisper style: the input so far, from `firstSample` on.
    private var samples: [Float] = []
    private var firstSample: Int64?
    private var sampleRate: Int?

    public init(parameters: NodeParameters) throws {
        channel = parameters.int("channel")
        melCount = parameters.int("mels")
        minFrequency = parameters.double("fmin")
        let fmax = parameters.double("fmax")
        maxFrequency = fmax == 0 ? nil : fmax
        do {
            if parameters.string("style") == "whisper" {
                frontEnd = try WhisperLogMel(melCount: melCount)
                stream = nil
            } else {
                frontEnd = nil
                stream = try StreamingSTFT(STFTConfiguration(fftSize: parameters.int("n_fft"), hop: parameters.int("hop"),
                                                             output: .power))
            }
        } catch {
            throw NodeError(code: .invalidParameters, message: "log-mel: \(error)", underlying: error)
        }
    }

    public mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        guard case .audio(let audio) = packet else { return }
        guard channel < audio.channelCount else {
            throw NodeError(code: .nodeFailed, message: "log-mel: channel \(channel) asked of \(audio.channelCount)-channel audio")
        }
        if let sampleRate, sampleRate != audio.sampleRate {
            throw NodeError(code: .nodeFailed, message: "log-mel: the sample rate changed from \(sampleRate) to \(audio.sampleRate) Hz mid-stream")
        }
        sampleRate = audio.sampleRate
        if frontEnd != nil {
            guard audio.sampleRate == WhisperLogMel.sampleRate else {
                throw NodeError(code: .nodeFailed, message: "log-mel style whisper needs 16000 Hz audio, got \(audio.sampleRate) Hz; "
                                + "decode with sample_rate: 16000")
            }
            if firstSample == nil { firstSample = audio.firstSample }
            samples.append(contentsOf: audio.channels[channel].array)
        } else {
            try emit(try stream!.pushSpectrogram(audio, channel: channel), output: output)
        }
    }

    public mutating func finish(output: NodeOutput) throws {
        guard let sampleRate else { return }
        if let frontEnd {
            let audio = AudioBuffer(sampleRate: sampleRate, channelLayout: "mono", firstSample: firstSample ?? 0,
                                    channels: [SharedArray(samples)])
            samples = []
            let features = try frontEnd(audio)
            if features.frameCount > 0 { try output.emit(.spectrogram(features)) }
        } else {
            try emit(try stream!.finishSpectrogram(sampleRate: sampleRate), output: output)
        }
    }

    private mutating func emit(_ power: Spectrogram, output: NodeOutput) throws {
        guard power.frameCount > 0 else { return }
        if filterbank == nil {
            filterbank = try MelFilterbank(sampleRate: power.sampleRate, fftSize: power.fftSize, melCount: melCount,
                                           minFrequency: minFrequency, maxFrequency: maxFrequency)
        }
        try output.emit(.spectrogram(try filterbank!(power).decibels()))
    }
}
