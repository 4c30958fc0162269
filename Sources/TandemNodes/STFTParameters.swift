import TandemCore
import TandemDSP

/// The STFT parameters `stft` and `istft` share, with the names `torch.stft` uses.
enum STFTParameters {
    static let windows = ["hann", "hamming", "blackman", "rectangular"]

    /// The parameters describing the transform (not its output kind).
    static let specs: [ParameterSpec] = [
        ParameterSpec("n_fft", .int(2...65_536), default: .int(1024), "transform length in samples"),
        ParameterSpec("hop", .int(1...65_536), default: .int(256), "samples between frames"),
        ParameterSpec("win_length", .int(0...65_536), default: .int(0), "window length (≤ n_fft); 0 means n_fft"),
        ParameterSpec("window", .choice(windows), default: .string("hann"), "analysis/synthesis window (periodic)"),
        ParameterSpec("center", .bool, default: .bool(true), "pad n_fft/2 samples at both ends so frame t is centred on t·hop"),
        ParameterSpec("pad_mode", .choice(["reflect", "constant"]), default: .string("reflect"), "how center pads: mirror or zeros"),
        ParameterSpec("normalized", .bool, default: .bool(false), "scale by 1/√n_fft (torch.stft normalized=True)"),
    ]

    static func window(_ name: String) -> Window {
        switch name {
        case "hamming": .hamming()
        case "blackman": .blackman()
        case "rectangular": .rectangular
        default: .hann()
        }
    }

    /// The configuration the parameters describe; `fftSize` and `hop` may come from a spectrogram instead.
    static func configuration(_ parameters: NodeParameters, fftSize: Int? = nil, hop: Int? = nil,
                              output: STFTConfiguration.Output) -> STFTConfiguration {
        let n = fftSize ?? parameters.int("n_fft")
        let windowLength = parameters.int("win_length")
        return STFTConfiguration(
            fftSize: n, hop: hop ?? parameters.int("hop"), windowLength: windowLength == 0 ? n : windowLength,
            window: window(parameters.string("window")), center: parameters.bool("center"),
            padding: parameters.string("pad_mode") == "constant" ? .constant : .reflect,
            normalized: parameters.bool("normalized"), output: output)
    }
}
