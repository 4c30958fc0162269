import TandemNN

/// Deterministic random weights for AudioLDM's components, to benchmark the published sizes with no
/// checkpoint on the machine (never to produce sound: `init(directory:)` is the only way to real weights).
enum AudioLDMRandomWeights {
    /// A generating reader: norm scales and the vocoder's `scale` are 1, norm shifts and `mean` 0,
    /// every other tensor uniform with standard deviation 0.02 from a seeded LCG.
    static func reader(seed: UInt64) -> WeightReader {
        var state = seed &+ 0x9E37_79B9_7F4A_7C15
        return WeightReader(generating: { name, shape in
            let isNorm = name.split(separator: ".").dropLast().last?.contains("norm") ?? false
            if name == "scale" || (isNorm && name.hasSuffix("weight")) { return Tensor(repeating: 1, shape: shape) }
            if name == "mean" || (isNorm && name.hasSuffix("bias")) { return Tensor(zeros: shape) }
            return Tensor(shape: shape) { out in
                for i in out.indices {
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    out[i] = (Float(state >> 40) / Float(1 << 24) - 0.5) * 0.02 * 3.4641016
                }
            }
        })
    }
}

extension AudioLDMAutoencoder {
    /// A VAE of `configuration` with deterministic random weights (benchmarks only).
    /// - Precondition: `configuration.validate(file:)` passes.
    public init(randomWeightsFor configuration: AudioLDMAutoencoderConfiguration, seed: UInt64 = 0) {
        precondition((try? configuration.validate(file: nil)) != nil, "unsupported VAE configuration")
        self.init(configuration, AudioLDMRandomWeights.reader(seed: seed))
    }
}

extension HiFiGANVocoder {
    /// A vocoder of `configuration` with deterministic random weights (benchmarks only).
    /// - Precondition: `configuration.validate(file:)` passes.
    public init(randomWeightsFor configuration: HiFiGANVocoderConfiguration, seed: UInt64 = 0) {
        precondition((try? configuration.validate(file: nil)) != nil, "unsupported vocoder configuration")
        self.init(configuration, AudioLDMRandomWeights.reader(seed: seed))
    }
}
