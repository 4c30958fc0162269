import Foundation

/// An analysis/synthesis window for the STFT.
///
/// Periodic windows (`periodic: true`, the default of `torch.hann_window` and of librosa's
/// `get_window(..., fftbins=True)`) are the first `N` points of an `N + 1`-point symmetric
/// window; they sum to a constant under 50 % / 75 % overlap, which the inverse STFT relies on.
/// Symmetric windows (`periodic: false`) match `scipy.signal.get_window(..., fftbins=False)`.
public enum Window: Sendable, Hashable {
    /// 0.5 − 0.5 cos(2πn / M).
    case hann(periodic: Bool = true)
    /// 0.54 − 0.46 cos(2πn / M).
    case hamming(periodic: Bool = true)
    /// 0.42 − 0.5 cos(2πn / M) + 0.08 cos(4πn / M).
    case blackman(periodic: Bool = true)
    /// All ones (a plain frame cut).
    case rectangular
    /// Caller-given coefficients; their count must equal the STFT's window length.
    case custom([Float])

    /// The window's `length` coefficients, computed in double precision.
    /// - Throws: `DSPError.Code.invalidConfiguration` when a custom window has another length.
    public func coefficients(length: Int) throws -> [Float] {
        func cosineSum(_ a: [Double], periodic: Bool) -> [Float] {
            guard length > 1 else { return [Float](repeating: 1, count: length) }
            let m = Double(periodic ? length : length - 1)
            return (0..<length).map { n in
                var value = 0.0
                for (k, coefficient) in a.enumerated() {
                    let sign: Double = k % 2 == 0 ? 1 : -1
                    value += sign * coefficient * cos(2 * Double.pi * Double(k) * Double(n) / m)
                }
                return Float(value)
            }
        }
        switch self {
        case .hann(let periodic): return cosineSum([0.5, 0.5], periodic: periodic)
        case .hamming(let periodic): return cosineSum([0.54, 0.46], periodic: periodic)
        case .blackman(let periodic): return cosineSum([0.42, 0.5, 0.08], periodic: periodic)
        case .rectangular: return [Float](repeating: 1, count: length)
        case .custom(let values):
            guard values.count == length else {
                throw DSPError(.invalidConfiguration, "custom window has \(values.count) coefficients, the window length is \(length)")
            }
            return values
        }
    }

    /// The window of `length` centred in `fftSize` points with zeros either side, as
    /// `torch.stft` and `librosa.stft` pad a window shorter than `n_fft` (left pad `(n_fft − length) / 2`).
    /// - Throws: `DSPError.Code.invalidConfiguration` when `length > fftSize`.
    public func padded(length: Int, fftSize: Int) throws -> [Float] {
        guard length >= 1, length <= fftSize else {
            throw DSPError(.invalidConfiguration, "window length \(length) must be in 1...\(fftSize) (n_fft)")
        }
        var result = [Float](repeating: 0, count: fftSize)
        let left = (fftSize - length) / 2
        for (i, value) in try coefficients(length: length).enumerated() { result[left + i] = value }
        return result
    }
}
