import TandemNN

/// AudioLDM's variational autoencoder: diffusers' `AutoencoderKL` with one-channel "images" that
/// are log-mel spectrograms, [B, 1, frames, mel bins].
///
/// The diffusion runs on its latents, [B, latent channels, frames / f, mel bins / f] with
/// f = `downsamplingFactor`; `decode` turns denoised latents back into a mel for the vocoder, and
/// `encode` turns a clip's mel into latents for variation and inpainting. Scaling by
/// `scalingFactor` is left to the caller, as diffusers' pipelines do it outside the VAE.
///
/// Built from the component folder (`vae/`: `config.json` + `diffusion_pytorch_model.safetensors`);
/// every tensor of the checkpoint must be used and every parameter present.
public struct AudioLDMAutoencoder: Sendable {
    public let configuration: AudioLDMAutoencoderConfiguration
    /// Multiply the posterior mean by it to get diffusion latents; divide latents by it before `decode`.
    public let scalingFactor: Float
    public let latentChannels: Int
    /// How much smaller the latent is than the mel along each axis: 2^(levels − 1).
    public let downsamplingFactor: Int

    let encoderIn: Conv2d
    let encoderLevels: [Level]
    let encoderMid: MidBlock
    let encoderNormOut: GroupNorm
    let encoderOut: Conv2d
    let quantConv: Conv2d?
    let postQuantConv: Conv2d?
    let decoderIn: Conv2d
    let decoderMid: MidBlock
    let decoderLevels: [Level]
    let decoderNormOut: GroupNorm
    let decoderOut: Conv2d

    /// Reads `config.json` and the weights of a diffusers `AutoencoderKL` folder.
    /// - Throws: `AudioLDMError(.unsupportedConfiguration)` for a configuration other than AudioLDM's kind
    ///   (naming `config.json` and the key), `.parameterMismatch` listing every missing, unexpected
    ///   or misshapen tensor (`WeightsError`), or the directory's read errors.
    public init(directory: HuggingFaceDirectory) throws {
        let configuration = try directory.decodeJSON(AudioLDMAutoencoderConfiguration.self)
        try self.init(configuration: configuration, weights: directory,
                      configurationFile: directory.url.appendingPathComponent("config.json").path)
    }

    /// A VAE of `configuration` over the tensors of `weights` (any checkpoint with diffusers' key names).
    /// - Parameter configurationFile: where the configuration came from, named in errors.
    /// - Throws: as `init(directory:)`.
    public init(configuration: AudioLDMAutoencoderConfiguration, weights source: any WeightSource, configurationFile: String? = nil) throws {
        try configuration.validate(file: configurationFile ?? source.sourcePath)
        let weights = WeightReader(source)
        self.init(configuration, weights)
        try weights.finish()
    }

    /// Builds the model from `weights`.
    /// The caller validates the configuration and calls `weights.finish()`.
    init(_ configuration: AudioLDMAutoencoderConfiguration, _ weights: WeightReader) {
        self.configuration = configuration
        scalingFactor = configuration.scalingFactor
        latentChannels = configuration.latentChannels
        downsamplingFactor = 1 << (configuration.levels - 1)
        let widths = configuration.blockOutChannels
        let groups = configuration.normNumGroups
        let layers = configuration.layersPerBlock
        let latent = configuration.latentChannels
        let last = configuration.levels - 1

        let encoder = weights.scoped("encoder")
        encoderIn = Conv2d(encoder, "conv_in", inChannels: configuration.inChannels, outChannels: widths[0], kernelSize: 3, padding: 1)
        encoderLevels = widths.indices.map { i in
            Level(down: encoder.scoped("down_blocks.\(i)"), inChannels: widths[max(i - 1, 0)], outChannels: widths[i],
                  layers: layers, groups: groups, resample: i != last)
        }
        encoderMid = MidBlock(encoder.scoped("mid_block"), channels: widths[last], groups: groups,
                              addAttention: configuration.midBlockAddAttention)
        encoderNormOut = GroupNorm(encoder, "conv_norm_out", groups: groups, channels: widths[last], eps: Self.normEps)
        // `double_z`: mean and log-variance side by side.
        encoderOut = Conv2d(encoder, "conv_out", inChannels: widths[last], outChannels: 2 * latent, kernelSize: 3, padding: 1)
        quantConv = configuration.useQuantConv
            ? Conv2d(weights, "quant_conv", inChannels: 2 * latent, outChannels: 2 * latent, kernelSize: 1) : nil
        postQuantConv = configuration.usePostQuantConv
            ? Conv2d(weights, "post_quant_conv", inChannels: latent, outChannels: latent, kernelSize: 1) : nil

        let decoder = weights.scoped("decoder")
        let reversed = Array(widths.reversed())
        decoderIn = Conv2d(decoder, "conv_in", inChannels: latent, outChannels: reversed[0], kernelSize: 3, padding: 1)
        decoderMid = MidBlock(decoder.scoped("mid_block"), channels: reversed[0], groups: groups,
                              addAttention: configuration.midBlockAddAttention)
        decoderLevels = reversed.indices.map { i in
            Level(up: decoder.scoped("up_blocks.\(i)"), inChannels: reversed[max(i - 1, 0)], outChannels: reversed[i],
                  layers: layers + 1, groups: groups, resample: i != last)
        }
        decoderNormOut = GroupNorm(decoder, "conv_norm_out", groups: groups, channels: widths[0], eps: Self.normEps)
        decoderOut = Conv2d(decoder, "conv_out", inChannels: widths[0], outChannels: configuration.outChannels, kernelSize: 3, padding: 1)
    }

    /// Latents (already divided by `scalingFactor`) to a mel.
    /// - Parameter latents: [B, latentChannels, h, w].
    /// - Returns: [B, out channels, h·f, w·f] with f = `downsamplingFactor`.
    public func decode(_ latents: Tensor) -> Tensor {
        precondition(latents.rank == 4 && latents.shape[1] == latentChannels,
                     "VAE decode expects [B, \(latentChannels), h, w], got \(latents.shape)")
        var h = postQuantConv?(latents) ?? latents
        h = decoderMid(decoderIn(h))
        for level in decoderLevels { h = level(h) }
        return decoderOut(decoderNormOut(h, activation: .silu))
    }

    /// The posterior of a mel: its mean and log-variance (clamped to [−30, 20], as diffusers'
    /// `DiagonalGaussianDistribution` clamps it).
    /// - Parameter mel: [B, in channels, H, W]; H and W should be multiples of `downsamplingFactor`
    ///   (otherwise each strided convolution drops an odd last row or column, as in diffusers).
    /// - Returns: two [B, latentChannels, H/f, W/f] tensors (halved, rounding down, at each level).
    public func encode(_ mel: Tensor) -> (mean: Tensor, logVariance: Tensor) {
        precondition(mel.rank == 4 && mel.shape[1] == configuration.inChannels,
                     "VAE encode expects [B, \(configuration.inChannels), H, W], got \(mel.shape)")
        var h = encoderIn(mel)
        for level in encoderLevels { h = level(h) }
        h = encoderOut(encoderNormOut(encoderMid(h), activation: .silu))
        if let quantConv { h = quantConv(h) }
        let parts = h.chunked(2, axis: 1)
        let clamped = parts[1].scalars.map { min(max($0, -30), 20) }
        return (parts[0], Tensor(shape: parts[1].shape, values: clamped))
    }
}
