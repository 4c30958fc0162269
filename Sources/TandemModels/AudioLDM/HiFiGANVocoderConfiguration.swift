import TandemNN

/// The hyper-parameters of transformers' `SpeechT5HifiGan`, decoded from `vocoder/config.json`
/// with its own key names. Absent keys take transformers' defaults.
public struct HiFiGANVocoderConfiguration: Decodable, Sendable, Equatable {
    /// Mel bins per input frame.
    public var modelInDim = 80
    public var samplingRate = 16000
    /// Channels after `conv_pre`; each upsampling stage halves them.
    public var upsampleInitialChannel = 512
    public var upsampleRates = [4, 4, 4, 4]
    public var upsampleKernelSizes = [8, 8, 8, 8]
    public var resblockKernelSizes = [3, 7, 11]
    public var resblockDilationSizes = [[1, 3, 5], [1, 3, 5], [1, 3, 5]]
    /// The slope of every leaky ReLU except the last one (see `HiFiGANVocoder.finalSlope`).
    public var leakyReluSlope: Float = 0.1
    /// Whether the input is standardised with the checkpoint's `mean` and `scale` first.
    public var normalizeBefore = true

    enum CodingKeys: String, CodingKey {
        case modelInDim = "model_in_dim", samplingRate = "sampling_rate", upsampleInitialChannel = "upsample_initial_channel"
        case upsampleRates = "upsample_rates", upsampleKernelSizes = "upsample_kernel_sizes"
        case resblockKernelSizes = "resblock_kernel_sizes", resblockDilationSizes = "resblock_dilation_sizes"
        case leakyReluSlope = "leaky_relu_slope", normalizeBefore = "normalize_before"
    }

    /// transformers' defaults (SpeechT5's vocoder).
    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = HiFiGANVocoderConfiguration()
        modelInDim = try c.decodeIfPresent(Int.self, forKey: .modelInDim) ?? d.modelInDim
        samplingRate = try c.decodeIfPresent(Int.self, forKey: .samplingRate) ?? d.samplingRate
        upsampleInitialChannel = try c.decodeIfPresent(Int.self, forKey: .upsampleInitialChannel) ?? d.upsampleInitialChannel
        upsampleRates = try c.decodeIfPresent([Int].self, forKey: .upsampleRates) ?? d.upsampleRates
        upsampleKernelSizes = try c.decodeIfPresent([Int].self, forKey: .upsampleKernelSizes) ?? d.upsampleKernelSizes
        resblockKernelSizes = try c.decodeIfPresent([Int].self, forKey: .resblockKernelSizes) ?? d.resblockKernelSizes
        resblockDilationSizes = try c.decodeIfPresent([[Int]].self, forKey: .resblockDilationSizes) ?? d.resblockDilationSizes
        leakyReluSlope = try c.decodeIfPresent(Float.self, forKey: .leakyReluSlope) ?? d.leakyReluSlope
        normalizeBefore = try c.decodeIfPresent(Bool.self, forKey: .normalizeBefore) ?? d.normalizeBefore
    }

    /// Samples per input frame: the product of the upsampling rates.
    public var hopLength: Int { upsampleRates.reduce(1, *) }

    /// Output samples for `frames` input frames. `frames · hopLength` when every kernel − rate is
    /// even; an odd one (AudioLDM's 16 − 5) adds a sample at that stage, which the later stages
    /// multiply (500 frames give 80,032 samples, not 80,000; the pipeline trims to the requested length).
    public func sampleCount(forFrames frames: Int) -> Int {
        zip(upsampleRates, upsampleKernelSizes).reduce(frames) { length, stage in
            let (rate, kernel) = stage
            return (length - 1) * rate - 2 * ((kernel - rate) / 2) + kernel
        }
    }

    /// Throws unless the network can be built as transformers builds it.
    /// - Parameter file: the `config.json` path, named in the error.
    /// - Throws: `AudioLDMError(.unsupportedConfiguration)` naming the offending key and value.
    public func validate(file: String?) throws {
        func refuse(_ message: String) -> AudioLDMError { AudioLDMError(.unsupportedConfiguration, file: file, message) }
        guard modelInDim >= 1, samplingRate >= 1 else {
            throw refuse("model_in_dim and sampling_rate must be positive, got \(modelInDim) and \(samplingRate)")
        }
        guard !upsampleRates.isEmpty, upsampleRates.count == upsampleKernelSizes.count else {
            throw refuse("upsample_rates \(upsampleRates) and upsample_kernel_sizes \(upsampleKernelSizes) must be non-empty and equally long")
        }
        for (rate, kernel) in zip(upsampleRates, upsampleKernelSizes) where rate < 1 || kernel < rate {
            // The padding (k − u) / 2 would be negative, which PyTorch refuses too.
            throw refuse("upsampling by \(rate) with kernel \(kernel): need kernel ≥ rate ≥ 1")
        }
        guard upsampleInitialChannel >> upsampleRates.count >= 1, upsampleInitialChannel % (1 << upsampleRates.count) == 0 else {
            throw refuse("upsample_initial_channel \(upsampleInitialChannel) cannot be halved \(upsampleRates.count) times")
        }
        guard !resblockKernelSizes.isEmpty, resblockKernelSizes.count == resblockDilationSizes.count else {
            throw refuse("resblock_kernel_sizes \(resblockKernelSizes) and resblock_dilation_sizes must be non-empty and equally long")
        }
        for (kernel, dilations) in zip(resblockKernelSizes, resblockDilationSizes)
        where kernel < 1 || kernel % 2 == 0 || dilations.isEmpty || dilations.contains(where: { $0 < 1 }) {
            // An even kernel would shorten the signal ("same" padding needs an odd one).
            throw refuse("residual block kernel \(kernel) with dilations \(dilations): need an odd kernel and positive dilations")
        }
    }
}
