import TandemNN

/// The building blocks of diffusers' `Encoder` and `Decoder` (`models/autoencoders/vae.py`,
/// `models/resnets.py`, `models/unets/unet_2d_blocks.py`) as the VAE configures them: no time
/// embedding, group norms with eps 1e-6, output scale factor 1, single-head mid-block attention.
extension AudioLDMAutoencoder {
    /// diffusers' norms in the VAE all use this eps (hard-coded in `Encoder`/`Decoder`, not configurable).
    static let normEps: Float = 1e-6

    /// `ResnetBlock2D` without a time embedding: norm → SiLU → conv → norm → SiLU → conv, plus the
    /// input (through a 1×1 `conv_shortcut` when the width changes).
    struct ResnetBlock: Sendable {
        let norm1: GroupNorm
        let conv1: Conv2d
        let norm2: GroupNorm
        let conv2: Conv2d
        let shortcut: Conv2d?

        init(_ weights: WeightReader, inChannels: Int, outChannels: Int, groups: Int) {
            norm1 = GroupNorm(weights, "norm1", groups: groups, channels: inChannels, eps: normEps)
            conv1 = Conv2d(weights, "conv1", inChannels: inChannels, outChannels: outChannels, kernelSize: 3, padding: 1)
            norm2 = GroupNorm(weights, "norm2", groups: groups, channels: outChannels, eps: normEps)
            conv2 = Conv2d(weights, "conv2", inChannels: outChannels, outChannels: outChannels, kernelSize: 3, padding: 1)
            shortcut = inChannels == outChannels ? nil
                : Conv2d(weights, "conv_shortcut", inChannels: inChannels, outChannels: outChannels, kernelSize: 1)
        }

        func callAsFunction(_ x: Tensor) -> Tensor {
            let h = conv2(norm2(conv1(norm1(x, activation: .silu)), activation: .silu))
            return (shortcut?(x) ?? x) + h
        }
    }

    /// The mid block's `Attention`: group norm, one head as wide as the channels, the output
    /// projection, and the un-normalised input added back. Pixels are the tokens.
    struct AttentionBlock: Sendable {
        let norm: GroupNorm
        let attention: MultiHeadAttention

        init(_ weights: WeightReader, channels: Int, groups: Int) {
            norm = GroupNorm(weights, "group_norm", groups: groups, channels: channels, eps: normEps)
            // diffusers before 0.14 saved this block as `query`/`key`/`value`/`proj_attn` (it renames them at load);
            // read either spelling.
            let legacy = !weights.contains("to_q.weight") && weights.contains("query.weight")
            let names: MultiHeadAttention.Projections = legacy
                ? .separate(query: "query", key: "key", value: "value", output: "proj_attn") : .diffusers
            attention = MultiHeadAttention(weights, "", kind: .selfAttention, width: channels, heads: 1, projections: names)
        }

        /// [B, C, H, W] → [B, C, H, W].
        func callAsFunction(_ x: Tensor) -> Tensor {
            let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
            func tokens(_ t: Tensor) -> Tensor { t.reshaped([batch, channels, height * width]).permuted([0, 2, 1]) }
            let y = attention(tokens(norm(x)), residual: tokens(x))
            return y.permuted([0, 2, 1]).reshaped([batch, channels, height, width])
        }
    }

    /// `UNetMidBlock2D`: resnet, optional attention, resnet, all at one width.
    struct MidBlock: Sendable {
        let first: ResnetBlock
        let attention: AttentionBlock?
        let second: ResnetBlock

        init(_ weights: WeightReader, channels: Int, groups: Int, addAttention: Bool) {
            first = ResnetBlock(weights.scoped("resnets.0"), inChannels: channels, outChannels: channels, groups: groups)
            attention = addAttention ? AttentionBlock(weights.scoped("attentions.0"), channels: channels, groups: groups) : nil
            second = ResnetBlock(weights.scoped("resnets.1"), inChannels: channels, outChannels: channels, groups: groups)
        }

        func callAsFunction(_ x: Tensor) -> Tensor {
            let h = first(x)
            return second(attention?(h) ?? h)
        }
    }

    /// `Downsample2D` with `padding=0`: one zero row below and one zero column to the right (diffusers'
    /// asymmetric `F.pad(x, (0, 1, 0, 1))`), then a 3×3 convolution of stride 2.
    struct Downsample: Sendable {
        let conv: Conv2d

        init(_ weights: WeightReader, channels: Int) {
            conv = Conv2d(weights, "conv", inChannels: channels, outChannels: channels, kernelSize: 3, stride: 2)
        }

        func callAsFunction(_ x: Tensor) -> Tensor {
            let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
            let right = Tensor.concatenate([x, Tensor(zeros: [batch, channels, height, 1])], axis: 3)
            let padded = Tensor.concatenate([right, Tensor(zeros: [batch, channels, 1, width + 1])], axis: 2)
            return conv(padded)
        }
    }

    /// `Upsample2D`: nearest-neighbour 2× then a 3×3 convolution.
    struct UpsampleBlock: Sendable {
        let conv: Conv2d
        let upsample = Upsample(scaleFactor: 2, mode: .nearest)

        init(_ weights: WeightReader, channels: Int) {
            conv = Conv2d(weights, "conv", inChannels: channels, outChannels: channels, kernelSize: 3, padding: 1)
        }

        func callAsFunction(_ x: Tensor) -> Tensor { conv(upsample(x)) }
    }

    /// `DownEncoderBlock2D` (`layers_per_block` resnets, then a downsampler except at the last level)
    /// or `UpDecoderBlock2D` (`layers_per_block + 1` resnets, then an upsampler except at the last level).
    struct Level: Sendable {
        let resnets: [ResnetBlock]
        let downsample: Downsample?
        let upsample: UpsampleBlock?

        init(down weights: WeightReader, inChannels: Int, outChannels: Int, layers: Int, groups: Int, resample: Bool) {
            resnets = (0..<layers).map { j in
                ResnetBlock(weights.scoped("resnets.\(j)"), inChannels: j == 0 ? inChannels : outChannels, outChannels: outChannels, groups: groups)
            }
            downsample = resample ? Downsample(weights.scoped("downsamplers.0"), channels: outChannels) : nil
            upsample = nil
        }

        init(up weights: WeightReader, inChannels: Int, outChannels: Int, layers: Int, groups: Int, resample: Bool) {
            resnets = (0..<layers).map { j in
                ResnetBlock(weights.scoped("resnets.\(j)"), inChannels: j == 0 ? inChannels : outChannels, outChannels: outChannels, groups: groups)
            }
            downsample = nil
            upsample = resample ? UpsampleBlock(weights.scoped("upsamplers.0"), channels: outChannels) : nil
        }

        func callAsFunction(_ x: Tensor) -> Tensor {
            var h = x
            for resnet in resnets { h = resnet(h) }
            if let downsample { h = downsample(h) }
            if let upsample { h = upsample(h) }
            return h
        }
    }
}
