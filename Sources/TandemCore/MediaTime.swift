/// An exact instant on a file's shared clock (see DESIGN: time 0 is the file's earliest start).
///
/// Either a sample index at a sample rate (audio, spectrogram frames) or a pts in a stream time base
/// (video): both are a whole number of `unit`s, `ticks × unit` seconds, and compare exactly across
/// forms — sample 48 000 at 48 kHz *is* pts 90 000 at 1/90000, with no rounding, so aligning audio
/// on video never drifts and never depends on floating-point ties. `seconds` is derived, for display.
public struct MediaTime: Sendable, Comparable, Hashable, CustomStringConvertible {
    /// The instant in `unit`s.
    public let ticks: Int64
    /// The length of one tick in seconds: `1/rate` for a sample index, the time base for a pts.
    /// Always positive.
    public let unit: Rational

    /// `ticks` units of `unit` seconds.
    /// - Precondition: `unit` is positive (a zero or negative time base is a caller's bug).
    public init(ticks: Int64, unit: Rational) {
        precondition(unit.denominator != 0 && unit.numerator != 0 && (unit.numerator > 0) == (unit.denominator > 0),
                     "MediaTime needs a positive unit, got \(unit)")
        self.ticks = ticks
        self.unit = unit.denominator < 0 ? Rational(-unit.numerator, -unit.denominator) : unit
    }

    /// Sample `sample` of a stream at `rate` samples per second.
    public init(sample: Int64, rate: Int) {
        self.init(ticks: sample, unit: Rational(1, Int64(rate)))
    }

    /// Presentation timestamp `pts` in `timeBase`.
    public init(pts: Int64, timeBase: Rational) {
        self.init(ticks: pts, unit: timeBase)
    }

    /// The nearest microsecond to `seconds`: for positions that are only known as `Double` seconds and
    /// are meant on a microsecond grid (a container's start time). Not exact itself; see `init(seconds:)`.
    public init(approximating seconds: Double) {
        self.init(ticks: Int64((seconds * 1_000_000).rounded()), unit: MediaTime.microsecond)
    }

    /// The exact binary value of `seconds`: a `Double` is an integer times a power of two, kept here as
    /// that integer in units of 1/2ⁿ s, so `MediaTime(seconds: x).seconds == x` for every finite `x`
    /// of magnitude 2⁻¹⁰…2⁵² s (smaller ones are kept to 2⁻⁶² s). For times that really are real numbers
    /// (computed by an algorithm in seconds, a user's parameter); a sample index or a pts is given as such.
    /// - Precondition: `seconds` is finite and below 2⁵² in magnitude (a 143-million-year file).
    public init(seconds: Double) {
        precondition(seconds.isFinite && seconds.magnitude < 0x1p52, "MediaTime(seconds:) needs a finite time, got \(seconds)")
        let magnitude = seconds.magnitude
        var ticks: Int64
        var shift: Int
        if magnitude < 0x1p-10 {
            // Tiny: scale by 2⁶² (exact) and round what lies below 2⁻⁶² s.
            ticks = Int64((magnitude * 0x1p62).rounded())
            shift = 62
        } else {
            // magnitude = (2⁵² + significand bits) × 2^(exponent − 52), with exponent in −10…51.
            ticks = Int64(magnitude.significandBitPattern) | (1 << 52)
            shift = 52 - Int(magnitude.exponent)
        }
        // Smallest unit that still holds it exactly.
        let zeros = min(ticks == 0 ? shift : ticks.trailingZeroBitCount, shift)
        ticks >>= zeros
        shift -= zeros
        self.init(ticks: seconds < 0 ? -ticks : ticks, unit: Rational(1, Int64(1) << shift))
    }

    public static let zero = MediaTime(ticks: 0, unit: Rational(1, 1))
    public static let microsecond = Rational(1, 1_000_000)

    /// Seconds, for display and output files: `ticks × numerator / denominator` rounded once, so a sample
    /// index gives what `Double(sample) / Double(rate)` gives, and `MediaTime(seconds: x).seconds == x`.
    public var seconds: Double {
        unit.numerator == 1 ? Double(ticks) / Double(unit.denominator) : Double(ticks) * Double(unit.numerator) / Double(unit.denominator)
    }

    /// The instant in units of `unit`, rounded to nearest (ties away from zero), as `av_rescale_q` does:
    /// the sample index at a rate (`Rational(1, rate)`), or the pts in a time base.
    public func ticks(in unit: Rational) -> Int64 {
        Rational.rescale(ticks, from: self.unit, to: unit)
    }

    /// The sample index at `rate`, rounded to nearest.
    public func sampleIndex(rate: Int) -> Int64 { ticks(in: Rational(1, Int64(rate))) }

    /// The instant as an exact fraction of seconds, `numerator / denominator` with `denominator > 0`.
    private var fraction: (numerator: Int128, denominator: Int128) {
        (Int128(ticks) * Int128(unit.numerator), Int128(unit.denominator))
    }

    public static func < (lhs: MediaTime, rhs: MediaTime) -> Bool {
        let a = lhs.fraction, b = rhs.fraction
        return a.numerator * b.denominator < b.numerator * a.denominator
    }

    public static func == (lhs: MediaTime, rhs: MediaTime) -> Bool {
        let a = lhs.fraction, b = rhs.fraction
        return a.numerator * b.denominator == b.numerator * a.denominator
    }

    /// Hashes the reduced fraction, so equal instants in different forms hash alike.
    public func hash(into hasher: inout Hasher) {
        let (n, d) = fraction
        let g = MediaTime.gcd(n < 0 ? -n : n, d)
        hasher.combine(n / g)
        hasher.combine(d / g)
    }

    /// `lhs - rhs`, exact, in the least common multiple of the two units' denominators, whenever that fits
    /// in 64-bit ticks (any two sample indices and pts: microseconds against a 1/90000 time base stay far
    /// below it for millions of years). A time made from seconds (`init(seconds:)`, units of 1/2ⁿ) against
    /// a pts can need more bits than that; such a time is a real number computed in `Double` anyway, so the
    /// result is then the `Double` difference, kept as `init(seconds:)` keeps it.
    public static func - (lhs: MediaTime, rhs: MediaTime) -> MediaTime {
        combine(lhs, rhs, +1, -1)
    }

    /// `lhs + rhs`, exact; see `-`.
    public static func + (lhs: MediaTime, rhs: MediaTime) -> MediaTime {
        combine(lhs, rhs, +1, +1)
    }

    private static func combine(_ lhs: MediaTime, _ rhs: MediaTime, _ a: Int128, _ b: Int128) -> MediaTime {
        let x = lhs.fraction, y = rhs.fraction
        let denominator = x.denominator / gcd(x.denominator, y.denominator) * y.denominator
        var numerator = a * x.numerator * (denominator / x.denominator) + b * y.numerator * (denominator / y.denominator)
        // Reduce so the tick count stays small, then express as ticks of 1/denominator seconds.
        let g = gcd(numerator < 0 ? -numerator : numerator, denominator)
        numerator /= g
        let reduced = denominator / g
        guard let ticks = Int64(exactly: numerator), let den = Int64(exactly: reduced) else {
            return MediaTime(seconds: Double(a) * lhs.seconds + Double(b) * rhs.seconds)
        }
        return MediaTime(ticks: ticks, unit: Rational(1, den))
    }

    private static func gcd(_ a: Int128, _ b: Int128) -> Int128 {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a == 0 ? 1 : a
    }

    public var description: String { "\(ticks)×\(unit)" }
}
