/// A small, fast, seedable random generator (Steele, Lea and Flood's SplitMix64), so everything
/// "random" in Tandem — initial phases, NMF starting points, sampled Whisper fallbacks, test
/// signals — is the same on every run and every machine for the same seed.
///
/// Not for cryptography. The standard library's `SystemRandomNumberGenerator` cannot be seeded.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1), from the top 24 bits (every value exactly representable as a `Float`).
    public mutating func nextUnitFloat() -> Float { Float(next() >> 40) / Float(1 << 24) }

    /// Uniform in [0, 1), from the top 53 bits (every value exactly representable as a `Double`).
    public mutating func nextUnitDouble() -> Double { Double(next() >> 11) / Double(UInt64(1) << 53) }
}
