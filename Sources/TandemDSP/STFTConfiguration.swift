/// Everything that defines a short-time Fourier transform and its inverse.
///
/// Defaults follow `torch.stft` / `librosa.stft`: periodic Hann window as long as `fftSize`,
/// centred frames with reflect padding of `fftSize / 2` on both sides, no normalisation.
public struct STFTConfiguration: Sendable, Hashable {
    /// How `center` pads the signal's ends.
    public enum Padding: String, Sendable, Hashable {
        /// Mirror without repeating the edge sample (`numpy.pad(mode="reflect")`, torch's default).
        case reflect
        /// Zeros (librosa's `pad_mode="constant"`).
        case constant
    }

    /// What each bin holds in the result.
    public enum Output: String, Sendable, Hashable {
        /// Interleaved (re, im), two floats per bin.
        case complex
        /// |X|.
        case magnitude
        /// |X|².
        case power
        /// arg X in (−π, π], as `torch.angle` / `numpy.angle`.
        case phase
    }

    /// Transform length `n_fft`; any size ≥ 2 (FFTW handles non-powers of two such as 400 and 1022).
    public var fftSize: Int
    /// Samples between frame starts.
    public var hop: Int
    /// Window length `win_length` (≤ `fftSize`); the window is centred in the frame with zeros around it.
    public var windowLength: Int
    /// The analysis window (also the synthesis window of the inverse).
    public var window: Window
    /// Pad `fftSize / 2` samples on both ends so frame `t` is centred on sample `t · hop`.
    public var center: Bool
    /// How `center` pads the ends.
    public var padding: Padding
    /// Scale the spectrum by `1 / √fftSize`, as `torch.stft(normalized=True)`; the inverse undoes it.
    public var normalized: Bool
    /// What each bin of the result holds.
    public var output: Output
    /// How hard FFTW searches for a fast plan. `.estimate` (the default) plans in about a millisecond
    /// and always picks the same algorithm, so the same input gives the same bits in every run.
    /// `.measure` times candidate algorithms once per size and process: the winner depends on the
    /// machine's load, so results can differ in their last bits from run to run. It pays only for
    /// awkward sizes (n_fft 1022: 14 % faster; 1024: no difference; `tandem-bench dsp`, `-1thread-` cases).
    public var planning: Planning

    /// FFTW planning rigor (`FFTW_MEASURE` or `FFTW_ESTIMATE`).
    public enum Planning: String, Sendable, Hashable {
        case estimate
        case measure
    }

    /// A configuration; unspecified values follow `torch.stft`'s defaults (`windowLength` nil means `fftSize`).
    public init(
        fftSize: Int, hop: Int, windowLength: Int? = nil, window: Window = .hann(),
        center: Bool = true, padding: Padding = .reflect, normalized: Bool = false, output: Output = .complex,
        planning: Planning = .estimate
    ) {
        self.planning = planning
        self.fftSize = fftSize
        self.hop = hop
        self.windowLength = windowLength ?? fftSize
        self.window = window
        self.center = center
        self.padding = padding
        self.normalized = normalized
        self.output = output
    }

    /// Frequency bins per frame: `fftSize / 2 + 1`.
    public var binCount: Int { fftSize / 2 + 1 }
    /// Floats per output frame: two per bin for complex output, else one.
    public var floatsPerFrame: Int { output == .complex ? 2 * binCount : binCount }
    /// Samples of padding added in front of (and behind) the signal.
    public var centerPadding: Int { center ? fftSize / 2 : 0 }

    /// Frames a one-shot STFT of `length` samples produces: `1 + (length + 2·pad − fftSize) / hop`, or 0.
    public func frameCount(forLength length: Int) -> Int {
        let padded = length + 2 * centerPadding
        guard length > 0, padded >= fftSize else { return 0 }
        return 1 + (padded - fftSize) / hop
    }

    func validate() throws {
        guard fftSize >= 2 else { throw DSPError(.invalidConfiguration, "n_fft must be at least 2, got \(fftSize)") }
        guard hop >= 1 else { throw DSPError(.invalidConfiguration, "hop must be at least 1, got \(hop)") }
        guard windowLength >= 1, windowLength <= fftSize else {
            throw DSPError(.invalidConfiguration, "window length \(windowLength) must be in 1...\(fftSize) (n_fft)")
        }
    }
}
