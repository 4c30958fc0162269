import TandemCore
import TandemDSP

/// `stft`: audio → spectrogram packets, streaming (`StreamingSTFT`), so memory stays bounded on long
/// inputs. Frames are numbered on the input's sample timeline (`firstFrame` = sample / hop).
///
/// One channel is transformed (`channel`); downmix with `decode`'s `channels: 1` first to analyse a mix.
public struct STFTNode: ConfigurableNode {
    public static let descriptor = NodeDescriptor(
        kind: "stft", doc: "Short-time Fourier transform of audio (complex, magnitude or power), streamed.",
        inputs: [PortSpec("audio", .audio)],
        outputs: [PortSpec("spectrogram", .spectrogram, "frames × bins, frame-major")],
        parameters: STFTParameters.specs + [
            ParameterSpec("output", .choice(["complex", "magnitude", "power"]), default: .string("magnitude"),
                          "what each bin holds: (re, im), |X| or |X|²"),
            ParameterSpec("channel", .int(0...63), default: .int(0), "which channel of the audio to transform"),
        ])

    private var stream: StreamingSTFT
    private let channel: Int
    private var sampleRate: Int?

    public init(parameters: NodeParameters) throws {
        let output: STFTConfiguration.Output = switch parameters.string("output") {
        case "complex": .complex
        case "power": .power
        default: .magnitude
        }
        do {
            stream = try StreamingSTFT(STFTParameters.configuration(parameters, output: output))
        } catch {
            throw NodeError(code: .invalidParameters, message: "stft: \(error)", underlying: error)
        }
        channel = parameters.int("channel")
    }

    public mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        guard case .audio(let audio) = packet else { return }
        if let sampleRate, sampleRate != audio.sampleRate {
            throw NodeError(code: .nodeFailed, message: "stft: the sample rate changed from \(sampleRate) to \(audio.sampleRate) Hz mid-stream")
        }
        sampleRate = audio.sampleRate
        let spectrogram = try stream.pushSpectrogram(audio, channel: channel)
        if spectrogram.frameCount > 0 { try output.emit(.spectrogram(spectrogram)) }
    }

    public mutating func finish(output: NodeOutput) throws {
        guard let sampleRate else { return }  // no audio: no frames
        let spectrogram = try stream.finishSpectrogram(sampleRate: sampleRate)
        if spectrogram.frameCount > 0 { try output.emit(.spectrogram(spectrogram)) }
    }
}
