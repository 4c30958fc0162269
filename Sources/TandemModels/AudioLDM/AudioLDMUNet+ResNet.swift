import TandemNN

extension AudioLDMUNet {
    /// diffusers' `ResnetBlock2D` with the "default" time conditioning: GroupNorm → SiLU → 3×3 conv,
    /// plus the projected time embedding per channel, GroupNorm → SiLU → 3×3 conv, and the input
    /// (through a 1×1 `conv_shortcut` when the width changes) added back.
    struct ResnetBlock: Sendable {
        let norm1: GroupNorm
        let conv1: Conv2d
        let timeProjection: Linear
        let norm2: GroupNorm
        let conv2: Conv2d
        let shortcut: Conv2d?
        let outputScale: Float
        /// The two 3×3 convolutions' Winograd filters, transformed at the first step and kept for the rest.
        let conv1Filters = WinogradFilterCache(), conv2Filters = WinogradFilterCache()

        init(_ weights: WeightReader, _ key: String, inChannels: Int, outChannels: Int, timeChannels: Int,
             groups: Int, eps: Float, outputScale: Float = 1) {
            let scope = weights.scoped(key)
            norm1 = GroupNorm(scope, "norm1", groups: groups, channels: inChannels, eps: eps)
            conv1 = Conv2d(scope, "conv1", inChannels: inChannels, outChannels: outChannels, kernelSize: 3, padding: 1)
            timeProjection = Linear(scope, "time_emb_proj", inFeatures: timeChannels, outFeatures: outChannels)
            norm2 = GroupNorm(scope, "norm2", groups: groups, channels: outChannels, eps: eps)
            conv2 = Conv2d(scope, "conv2", inChannels: outChannels, outChannels: outChannels, kernelSize: 3, padding: 1)
            shortcut = inChannels == outChannels ? nil
                : Conv2d(scope, "conv_shortcut", inChannels: inChannels, outChannels: outChannels, kernelSize: 1)
            self.outputScale = outputScale
        }

        /// - Parameters:
        ///   - x: [B, C, H, W].
        ///   - activatedEmbedding: SiLU of the time(+class) embedding, [B, T] (the same for every block, so the UNet applies it once).
        func callAsFunction(_ x: Tensor, activatedEmbedding: Tensor) -> Tensor {
            // The per-(item, channel) time term is folded into conv1's bias, so it costs no extra pass.
            let time = timeProjection(activatedEmbedding)
            var h = Tensor.convolution(norm1(x, activation: .silu), weight: conv1.weight, padding: [1], channelBias: time + conv1.bias!.reshaped([1, -1]),
                                       filterCache: conv1Filters)
            h = norm2(h, activation: .silu)
            let skip = shortcut.map { $0(x) } ?? x
            // conv2 accumulates onto the shortcut: the residual sum is the GEMM's own `beta = 1`.
            let y = Tensor.convolution(h, weight: conv2.weight, bias: conv2.bias, padding: [1], accumulatingOnto: skip,
                                       filterCache: conv2Filters)
            return outputScale == 1 ? y : y.scaled(by: 1 / outputScale)
        }
    }

    /// diffusers' `Downsample2D` with a convolution: 3×3, stride 2, padding 1.
    struct Downsample: Sendable {
        let conv: Conv2d

        init(_ weights: WeightReader, _ key: String, channels: Int) {
            conv = Conv2d(weights, key + ".conv", inChannels: channels, outChannels: channels, kernelSize: 3, stride: 2, padding: 1)
        }

        func callAsFunction(_ x: Tensor) -> Tensor { conv(x) }
    }

    /// diffusers' `Upsample2D` with a convolution: nearest-neighbour resize, then a 3×3 conv.
    struct Upsample: Sendable {
        let conv: Conv2d

        init(_ weights: WeightReader, _ key: String, channels: Int) {
            conv = Conv2d(weights, key + ".conv", inChannels: channels, outChannels: channels, kernelSize: 3, padding: 1)
        }

        /// - Parameter size: the output's (H, W). The UNet passes the next skip tensor's size, which is not
        ///   twice the input's when a latent side is odd (125 rows → 63 → 32: back up to 63, then 125).
        func callAsFunction(_ x: Tensor, size: [Int]) -> Tensor {
            conv(x.interpolated(size: size, mode: .nearest))
        }
    }
}
