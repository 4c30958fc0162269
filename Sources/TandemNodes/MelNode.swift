import TandemCore
import TandemDSP

/// `mel`: magnitude or power spectrogram → mel spectrogram, frame by frame (librosa's filters,
/// `MelFilterbank`). The filters are built from the first packet's sample rate and n_fft.
public struct MelNode: ConfigurableNode {
    public static let descriptor = NodeDescriptor(
        kind: "mel", doc: "Mel filterbank: magnitude/power spectrogram → mel spectrogram (librosa.filters.mel).",
        inputs: [PortSpec("spectrogram", .spectrogram, "magnitude or power frames")],
        outputs: [PortSpec("spectrogram", .spectrogram, "mel frames × bands")],
        parameters: [
            ParameterSpec("mels", .int(1...1024), default: .int(128), "number of mel bands"),
            ParameterSpec("fmin", .double(0...1_000_000), default: .double(0), "lowest frequency in Hz"),
            ParameterSpec("fmax", .double(0...1_000_000), default: .double(0), "highest frequency in Hz; 0 means the Nyquist frequency"),
            ParameterSpec("scale", .choice(["slaney", "htk"]), default: .string("slaney"), "mel scale (librosa htk=False / True)"),
            ParameterSpec("norm", .choice(["slaney", "none"]), default: .string("slaney"), "filter normalisation (equal area, or peak 1)"),
        ])

    private let melCount: Int
    private let minFrequency: Double
    private let maxFrequency: Double?
    private let scale: MelFilterbank.Scale
    private let normalization: MelFilterbank.Normalization
    private var filterbank: MelFilterbank?

    public init(parameters: NodeParameters) throws {
        melCount = parameters.int("mels")
        minFrequency = parameters.double("fmin")
        let fmax = parameters.double("fmax")
        maxFrequency = fmax == 0 ? nil : fmax
        scale = parameters.string("scale") == "htk" ? .htk : .slaney
        normalization = parameters.string("norm") == "none" ? .none : .slaney
    }

    public mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        guard case .spectrogram(let spectrogram) = packet else { return }
        if filterbank == nil || filterbank?.sampleRate != spectrogram.sampleRate || filterbank?.fftSize != spectrogram.fftSize {
            filterbank = try MelFilterbank(sampleRate: spectrogram.sampleRate, fftSize: spectrogram.fftSize, melCount: melCount,
                                           minFrequency: minFrequency, maxFrequency: maxFrequency, scale: scale,
                                           normalization: normalization)
        }
        try output.emit(.spectrogram(try filterbank!(spectrogram)))
    }
}
