import TandemCore
import TandemDSP

/// `istft`: complex spectrogram packets → mono audio, streamed (`StreamingInverseSTFT`): each sample
/// is emitted once no later frame can overlap it.
///
/// `n_fft` and `hop` come from the spectrogram; the window, `center` and `normalized` must be those
/// the forward transform used (they are not carried by the packets).
public struct InverseSTFTNode: ConfigurableNode {
    public static let descriptor = NodeDescriptor(
        kind: "istft", doc: "Inverse STFT: complex spectrogram → audio (overlap-add, streamed).",
        inputs: [PortSpec("spectrogram", .spectrogram, "complex frames, as stft output: complex makes them")],
        outputs: [PortSpec("audio", .audio, "mono audio at the spectrogram's sample rate")],
        // n_fft and hop are read from the packets, so only the window's shape is a parameter here.
        parameters: STFTParameters.specs.filter { $0.name != "n_fft" && $0.name != "hop" && $0.name != "pad_mode" })

    private let parameters: NodeParameters
    private var stream: StreamingInverseSTFT?
    private var format: (fftSize: Int, hop: Int, sampleRate: Int)?
    private var nextSample: Int64 = 0

    public init(parameters: NodeParameters) throws {
        var values = parameters.values
        values["pad_mode"] = .string("reflect")
        self.parameters = NodeParameters(values)
    }

    public mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        guard case .spectrogram(let spectrogram) = packet else { return }
        guard spectrogram.values == .complex else {
            throw NodeError(code: .nodeFailed, message: "istft needs complex spectrograms (stft output: complex), got \(spectrogram.values)")
        }
        if let format {
            guard format == (spectrogram.fftSize, spectrogram.hop, spectrogram.sampleRate) else {
                throw NodeError(code: .nodeFailed, message: "istft: n_fft, hop or sample rate changed mid-stream")
            }
        } else {
            format = (spectrogram.fftSize, spectrogram.hop, spectrogram.sampleRate)
            nextSample = spectrogram.firstFrame * Int64(spectrogram.hop)
            do {
                stream = try StreamingInverseSTFT(STFTParameters.configuration(
                    parameters, fftSize: spectrogram.fftSize, hop: spectrogram.hop, output: .complex))
            } catch {
                throw NodeError(code: .invalidParameters, message: "istft: \(error)", underlying: error)
            }
        }
        try emit(try stream!.push(spectrogram.data.array), output: output)
    }

    public mutating func finish(output: NodeOutput) throws {
        guard stream != nil else { return }
        try emit(stream!.finish(), output: output)
    }

    private mutating func emit(_ samples: [Float], output: NodeOutput) throws {
        guard !samples.isEmpty, let format else { return }
        try output.emit(.audio(AudioBuffer(sampleRate: format.sampleRate, channelLayout: "mono", firstSample: nextSample,
                                           channels: [SharedArray(samples)])))
        nextSample += Int64(samples.count)
    }
}
