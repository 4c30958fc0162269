/// An error from the spectral DSP layer: what went wrong, in terms a caller can act on.
public struct DSPError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure; extensible, compare with `==`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// A parameter is out of range or inconsistent with another (n_fft, hop, window length, mel range…).
        public static let invalidConfiguration = Code(name: "invalid configuration")
        /// An input's shape does not match what the transform was configured for.
        public static let shapeMismatch = Code(name: "shape mismatch")
        /// The operation cannot produce or accept these values (e.g. phase as a `Spectrogram`).
        public static let unsupportedValues = Code(name: "unsupported values")
        /// FFTW returned no plan (`fftwf_plan_dft_*` gave NULL).
        public static let planFailed = Code(name: "FFTW planning failed")
        public var description: String { name }
    }

    public var code: Code
    /// What was wrong, with the offending values.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
