import Foundation

/// Suppression rules that turn a-priori and a-posteriori SNRs into a spectral gain.
///
/// Both are classic short-time spectral amplitude estimators: the Wiener gain `ξ / (1 + ξ)` and the
/// Ephraim–Malah log-spectral amplitude (MMSE-LSA) gain
/// `ξ / (1 + ξ) · exp(½ E₁(v))`, `v = ξ γ / (1 + ξ)` (Ephraim & Malah, IEEE TASSP 33(2), 1985),
/// which attenuates less at low a-posteriori SNR and leaves less "musical noise" than Wiener.
public enum SpectralGain: String, Sendable, Hashable, CaseIterable {
    case wiener
    case mmseLSA = "mmse-lsa"

    /// The gain for a-priori SNR `xi` (ξ) and a-posteriori SNR `gamma` (γ = |Y|² / λ_noise).
    public func gain(xi: Double, gamma: Double) -> Double {
        let wiener = xi / (1 + xi)
        switch self {
        case .wiener:
            return wiener
        case .mmseLSA:
            let v = max(wiener * gamma, 1e-10)
            // exp(½E₁(v)) overflows nothing: E₁ grows like −ln v, so the factor is at most ~ v^(−½).
            return wiener * exp(0.5 * Self.exponentialIntegral(v))
        }
    }

    /// The exponential integral E₁(x) = ∫ₓ^∞ e^(−t)/t dt for x > 0: its power series below 1 and
    /// the Abramowitz–Stegun 5.1.56 rational approximation (|error| < 5·10⁻⁵ relative) above.
    public static func exponentialIntegral(_ x: Double) -> Double {
        precondition(x > 0, "E1 is defined for x > 0")
        if x <= 1 {
            let eulerGamma = 0.57721566490153286
            var sum = 0.0, term = 1.0
            for k in 1...30 {
                term *= -x / Double(k)
                let add = -term / Double(k)
                sum += add
                if abs(add) < 1e-16 * abs(sum) { break }
            }
            return -eulerGamma - log(x) + sum
        }
        let (a1, a2, b1, b2) = (2.334733, 0.250621, 3.330657, 1.681534)
        return (x * x + a1 * x + a2) / (x * x + b1 * x + b2) / (x * exp(x))
    }
}
