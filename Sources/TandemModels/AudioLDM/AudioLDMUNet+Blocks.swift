import TandemNN

extension AudioLDMUNet {
    /// diffusers' `DownBlock2D` (no attention) or `CrossAttnDownBlock2D` (a transformer after each
    /// ResNet), with an optional stride-2 downsampler. Every layer's output is kept as a skip.
    struct DownBlock: Sendable {
        let resnets: [ResnetBlock]
        /// Empty for `DownBlock2D`, one per ResNet otherwise.
        let attentions: [Transformer]
        let downsample: Downsample?

        init(_ weights: WeightReader, _ key: String, configuration c: AudioLDMUNetConfiguration, index: Int, inChannels: Int) {
            let scope = weights.scoped(key)
            let channels = c.blockOutChannels[index]
            let layers = c.layersPerBlock[index]
            resnets = (0..<layers).map { layer in
                ResnetBlock(scope, "resnets.\(layer)", inChannels: layer == 0 ? inChannels : channels, outChannels: channels,
                            timeChannels: c.blockTimeEmbeddingWidth, groups: c.normNumGroups, eps: c.normEps)
            }
            attentions = c.downBlockTypes[index] == "CrossAttnDownBlock2D"
                ? (0..<layers).map { layer in
                    Transformer(scope, "attentions.\(layer)", channels: channels, heads: c.attentionHeads[index],
                                layers: c.transformerLayersPerBlock[index], groups: c.normNumGroups, linearProjection: c.useLinearProjection)
                }
                : []
            downsample = index == c.blockOutChannels.count - 1 ? nil : Downsample(scope, "downsamplers.0", channels: channels)
        }

        /// Returns the block's output and its skips, in order.
        func callAsFunction(_ x: Tensor, activatedEmbedding: Tensor) -> (Tensor, [Tensor]) {
            var hidden = x
            var skips: [Tensor] = []
            for (layer, resnet) in resnets.enumerated() {
                hidden = resnet(hidden, activatedEmbedding: activatedEmbedding)
                if !attentions.isEmpty { hidden = attentions[layer](hidden) }
                skips.append(hidden)
            }
            if let downsample {
                hidden = downsample(hidden)
                skips.append(hidden)
            }
            return (hidden, skips)
        }
    }

    /// diffusers' `UNetMidBlock2DCrossAttn`: ResNet, then (transformer, ResNet) pairs.
    struct MidBlock: Sendable {
        let resnets: [ResnetBlock]
        let attentions: [Transformer]

        init(_ weights: WeightReader, _ key: String, configuration c: AudioLDMUNetConfiguration) {
            let scope = weights.scoped(key)
            let last = c.blockOutChannels.count - 1
            let channels = c.blockOutChannels[last]
            resnets = (0..<2).map { layer in
                ResnetBlock(scope, "resnets.\(layer)", inChannels: channels, outChannels: channels, timeChannels: c.blockTimeEmbeddingWidth,
                            groups: c.normNumGroups, eps: c.normEps, outputScale: c.midBlockScaleFactor)
            }
            attentions = [Transformer(scope, "attentions.0", channels: channels, heads: c.attentionHeads[last],
                                      layers: c.transformerLayersPerBlock[last], groups: c.normNumGroups, linearProjection: c.useLinearProjection)]
        }

        func callAsFunction(_ x: Tensor, activatedEmbedding: Tensor) -> Tensor {
            var hidden = resnets[0](x, activatedEmbedding: activatedEmbedding)
            for (attention, resnet) in zip(attentions, resnets.dropFirst()) {
                hidden = resnet(attention(hidden), activatedEmbedding: activatedEmbedding)
            }
            return hidden
        }
    }

    /// diffusers' `UpBlock2D` or `CrossAttnUpBlock2D`: each ResNet takes the hidden state joined
    /// (along channels) with the latest unused skip; then an optional upsampler.
    struct UpBlock: Sendable {
        let resnets: [ResnetBlock]
        let attentions: [Transformer]
        let upsample: Upsample?

        /// - Parameter index: position among the up blocks (0 = deepest).
        init(_ weights: WeightReader, _ key: String, configuration c: AudioLDMUNetConfiguration, index: Int) {
            let scope = weights.scoped(key)
            let reversed = Array(c.blockOutChannels.reversed())
            let blocks = reversed.count
            let channels = reversed[index]
            let previous = reversed[max(index - 1, 0)]
            let skipInput = reversed[min(index + 1, blocks - 1)]
            let depth = blocks - 1 - index
            let layers = c.layersPerBlock[depth] + 1
            resnets = (0..<layers).map { layer in
                let skipChannels = layer == layers - 1 ? skipInput : channels
                let resnetIn = layer == 0 ? previous : channels
                return ResnetBlock(scope, "resnets.\(layer)", inChannels: resnetIn + skipChannels, outChannels: channels,
                                   timeChannels: c.blockTimeEmbeddingWidth, groups: c.normNumGroups, eps: c.normEps)
            }
            attentions = c.upBlockTypes[index] == "CrossAttnUpBlock2D"
                ? (0..<layers).map { layer in
                    Transformer(scope, "attentions.\(layer)", channels: channels, heads: c.attentionHeads[depth],
                                layers: c.transformerLayersPerBlock[depth], groups: c.normNumGroups, linearProjection: c.useLinearProjection)
                }
                : []
            upsample = index == blocks - 1 ? nil : Upsample(scope, "upsamplers.0", channels: channels)
        }

        /// - Parameters:
        ///   - skips: the skips this block consumes, in the order the down path produced them (the last is used first).
        ///   - upsampleSize: the (H, W) to upsample to: the size of the next skip the following block reads.
        func callAsFunction(_ x: Tensor, skips: [Tensor], activatedEmbedding: Tensor, upsampleSize: [Int]?) -> Tensor {
            precondition(skips.count == resnets.count, "\(skips.count) skips for \(resnets.count) ResNets")
            var hidden = x
            for (layer, resnet) in resnets.enumerated() {
                hidden = resnet(Tensor.concatenate([hidden, skips[skips.count - 1 - layer]], axis: 1), activatedEmbedding: activatedEmbedding)
                if !attentions.isEmpty { hidden = attentions[layer](hidden) }
            }
            if let upsample {
                hidden = upsample(hidden, size: upsampleSize ?? [hidden.shape[2] * 2, hidden.shape[3] * 2])
            }
            return hidden
        }
    }
}
