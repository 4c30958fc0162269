import Foundation
import TandemCore
import TandemNN

/// Seeded standard-normal noise for diffusion: the same seed gives the same latents on every machine
/// and every run (SplitMix64 and Box–Muller in Double, so no platform's libm or thread count enters).
///
/// It is not PyTorch's generator: a Tandem seed does not reproduce a diffusers seed. Parity with diffusers
/// is checked with the initial latents given explicitly.
public struct GaussianNoise: Sendable {
    private var generator: SplitMix64

    /// - Parameters:
    ///   - seed: the user's seed.
    ///   - stream: which independent stream of that seed (the candidate number, or a purpose), so
    ///     candidate 2 of seed 7 is the same whether 1 or 4 candidates were asked for.
    public init(seed: UInt64, stream: UInt64 = 0) {
        var mixer = SplitMix64(seed: seed ^ (stream &* 0x9E37_79B9_7F4A_7C15))
        generator = SplitMix64(seed: mixer.next())
    }

    /// A tensor of independent N(0, 1) values.
    public mutating func tensor(shape: [Int]) -> Tensor {
        let count = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: count)
        var i = 0
        while i < count {
            // Box–Muller: two uniforms (the first kept away from 0) give two normals.
            let u1 = max(generator.nextUnitDouble(), Double.leastNormalMagnitude)
            let u2 = generator.nextUnitDouble()
            let radius = (-2 * log(u1)).squareRoot()
            values[i] = Float(radius * cos(2 * .pi * u2))
            if i + 1 < count { values[i + 1] = Float(radius * sin(2 * .pi * u2)) }
            i += 2
        }
        return Tensor(shape: shape, values: values)
    }
}
