/// An exact rational number, used for stream time bases and frame rates.
///
/// Mirrors FFmpeg's `AVRational`; kept in Core so that time arithmetic never needs FFmpeg.
public struct Rational: Sendable, Hashable, CustomStringConvertible {
    public var numerator: Int64
    public var denominator: Int64

    public init(_ numerator: Int64, _ denominator: Int64) {
        self.numerator = numerator
        self.denominator = denominator
    }

    public var doubleValue: Double { denominator == 0 ? 0 : Double(numerator) / Double(denominator) }
    public var isValid: Bool { denominator != 0 && numerator != 0 }
    public var description: String { "\(numerator)/\(denominator)" }

    /// `value` × `from` expressed in units of `to`, rounded to nearest (ties away from zero),
    /// as FFmpeg's `av_rescale_q` does. Uses 128-bit intermediates so it cannot overflow.
    public static func rescale(_ value: Int64, from: Rational, to: Rational) -> Int64 {
        let num = Int128(value) * Int128(from.numerator) * Int128(to.denominator)
        let den = Int128(from.denominator) * Int128(to.numerator)
        precondition(den != 0, "rescale with a zero time base")
        let (q, r) = num.quotientAndRemainder(dividingBy: den)
        let twice = (r < 0 ? -r : r) * 2
        let absDen = den < 0 ? -den : den
        if twice >= absDen { return Int64((num < 0) != (den < 0) ? q - 1 : q + 1) }
        return Int64(q)
    }
}
