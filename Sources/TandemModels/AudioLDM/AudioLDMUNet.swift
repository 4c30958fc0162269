import Foundation
import TandemNN

/// AudioLDM's denoiser: diffusers' `UNet2DConditionModel` as AudioLDM configures it, read from a
/// diffusers `unet/` folder (`config.json` + `diffusion_pytorch_model.safetensors`).
///
/// The text enters only as a class embedding: the L2-normalised CLAP text embedding is projected
/// (`class_embedding`, `simple_projection`) and concatenated with (or added to) the sinusoidal
/// timestep embedding, and that vector conditions every ResNet. The transformers' `attn2` get no
/// text states and attend over the hidden states themselves, as diffusers does when
/// `encoder_hidden_states` is None.
public struct AudioLDMUNet: Sendable {
    public let configuration: AudioLDMUNetConfiguration
    /// Latent channels the UNet reads.
    public let inChannels: Int
    /// Channels of the predicted noise.
    public let outChannels: Int
    /// Width of the `classLabels` rows (the CLAP projection, 512 for the published checkpoints).
    public let classEmbeddingDimension: Int

    let timeLinear1: Linear
    let timeLinear2: Linear
    let classEmbedding: Linear
    let convIn: Conv2d
    let downBlocks: [DownBlock]
    let midBlock: MidBlock
    let upBlocks: [UpBlock]
    let normOut: GroupNorm
    let convOut: Conv2d

    /// Loads the UNet of a diffusers folder, checking every tensor's name and shape.
    /// - Throws: `AudioLDMError(.unsupportedConfiguration)` naming `config.json` and the field for a
    ///   configuration this implementation does not build; `WeightsError(.parameterMismatch)` listing
    ///   the missing, unexpected and misshapen tensors.
    public init(directory: HuggingFaceDirectory) throws {
        let configuration = try AudioLDMUNetConfiguration(directory: directory)
        let weights = WeightReader(directory)
        self.init(configuration: configuration, weights: weights)
        try weights.finish()
    }

    /// Builds the UNet from `weights` (a checkpoint, through the checked loader); the
    /// caller calls `weights.finish()` before using a model read from a checkpoint.
    public init(configuration c: AudioLDMUNetConfiguration, weights: WeightReader) {
        configuration = c
        inChannels = c.inChannels
        outChannels = c.outChannels
        classEmbeddingDimension = c.projectionClassEmbeddingsInputDimension ?? 0
        let embedding = c.timeEmbeddingWidth
        let first = c.blockOutChannels[0]
        timeLinear1 = Linear(weights, "time_embedding.linear_1", inFeatures: first, outFeatures: embedding)
        timeLinear2 = Linear(weights, "time_embedding.linear_2", inFeatures: embedding, outFeatures: embedding)
        classEmbedding = Linear(weights, "class_embedding", inFeatures: classEmbeddingDimension, outFeatures: embedding)
        convIn = Conv2d(weights, "conv_in", inChannels: c.inChannels, outChannels: first, kernelSize: c.convInKernel,
                        padding: (c.convInKernel - 1) / 2)
        var channels = first
        downBlocks = c.blockOutChannels.indices.map { index in
            defer { channels = c.blockOutChannels[index] }
            return DownBlock(weights, "down_blocks.\(index)", configuration: c, index: index, inChannels: channels)
        }
        midBlock = MidBlock(weights, "mid_block", configuration: c)
        upBlocks = c.blockOutChannels.indices.map { UpBlock(weights, "up_blocks.\($0)", configuration: c, index: $0) }
        normOut = GroupNorm(weights, "conv_norm_out", groups: c.normNumGroups, channels: first, eps: c.normEps)
        convOut = Conv2d(weights, "conv_out", inChannels: first, outChannels: c.outChannels, kernelSize: c.convOutKernel,
                         padding: (c.convOutKernel - 1) / 2)
    }

    /// Predicts the noise in `sample` at `timestep`.
    /// - Parameters:
    ///   - sample: latents [B, inChannels, H, W]; any H and W (odd sides are upsampled back to the skip's size).
    ///   - timestep: the diffusion step, the same for every batch item.
    ///   - classLabels: [B, classEmbeddingDimension], the CLAP text embeddings.
    /// - Returns: [B, outChannels, H, W].
    public func callAsFunction(_ sample: Tensor, timestep: Int, classLabels: Tensor) -> Tensor {
        precondition(sample.rank == 4 && sample.shape[1] == inChannels, "UNet input must be [B, \(inChannels), H, W], got \(sample.shape)")
        let batch = sample.shape[0]
        precondition(classLabels.shape == [batch, classEmbeddingDimension],
                     "class labels must be [\(batch), \(classEmbeddingDimension)], got \(classLabels.shape)")
        let time = timeLinear2(timeLinear1(Self.timestepEmbedding(timestep, width: configuration.blockOutChannels[0],
                                                                   flipSinToCos: configuration.flipSinToCos,
                                                                   shift: configuration.freqShift), activation: .silu))
        let timeRows = time.expanded(to: [batch, time.shape[1]])
        let classes = classEmbedding(classLabels)
        let embedding = configuration.classEmbeddingsConcat ? Tensor.concatenate([timeRows, classes], axis: 1) : timeRows + classes
        // Every ResNet applies SiLU to the embedding before its own projection: done once here.
        let activated = embedding.applying(.silu)

        var hidden = configuration.centerInputSample ? sample.scaled(by: 2) - Tensor(shape: [1], values: [1]) : sample
        hidden = convIn(hidden)
        var skips = [hidden]
        for block in downBlocks {
            let (output, blockSkips) = block(hidden, activatedEmbedding: activated)
            hidden = output
            skips += blockSkips
        }
        hidden = midBlock(hidden, activatedEmbedding: activated)
        for block in upBlocks {
            let used = Array(skips.suffix(block.resnets.count))
            skips.removeLast(block.resnets.count)
            // The upsampled size follows the next skip, as diffusers' `upsample_size`: with an odd
            // side, twice the smaller grid would overshoot it by one.
            let size = skips.last.map { [$0.shape[2], $0.shape[3]] }
            hidden = block(hidden, skips: used, activatedEmbedding: activated, upsampleSize: size)
        }
        return convOut(normOut(hidden, activation: .silu))
    }

    /// The sinusoidal timestep embedding [1, width] (diffusers `get_timestep_embedding`, max period 10 000):
    /// frequencies `exp(−ln(10000)·i / (width/2 − shift))`, sines then cosines (cosines first when flipped).
    ///
    /// Computed in float32 step by step as PyTorch does, so the phase `t · frequency` rounds the same
    /// way: at t ≈ 1000 an ulp of the phase is already 6e-5.
    static func timestepEmbedding(_ timestep: Int, width: Int, flipSinToCos: Bool, shift: Float) -> Tensor {
        let half = width / 2
        var values = [Float](repeating: 0, count: width)
        let logPeriod = Float(-Foundation.log(10000.0))
        for i in 0..<half {
            let exponent = logPeriod * Float(i) / (Float(half) - shift)
            let frequency = Float(Foundation.exp(Double(exponent)))
            let phase = Float(timestep) * frequency
            let sine = Float(Foundation.sin(Double(phase))), cosine = Float(Foundation.cos(Double(phase)))
            values[flipSinToCos ? half + i : i] = sine
            values[flipSinToCos ? i : half + i] = cosine
        }
        return Tensor(shape: [1, width], values: values)
    }
}
