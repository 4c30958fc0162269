import TandemNN

extension AudioLDMUNet {
    /// diffusers' `Transformer2DModel` on continuous input: GroupNorm (eps 1e-6), `proj_in`, the
    /// transformer blocks over the H·W positions as tokens, `proj_out`, and the input added back.
    ///
    /// `proj_in`/`proj_out` are 1×1 convolutions or Linear layers (`use_linear_projection`); both are
    /// the same product per position, so both are held as `Linear` and applied to the tokens.
    struct Transformer: Sendable {
        let norm: GroupNorm
        let projectIn: Linear
        let blocks: [TransformerBlock]
        let projectOut: Linear

        init(_ weights: WeightReader, _ key: String, channels: Int, heads: Int, layers: Int, groups: Int, linearProjection: Bool) {
            let scope = weights.scoped(key)
            norm = GroupNorm(scope, "norm", groups: groups, channels: channels, eps: 1e-6)
            func projection(_ name: String) -> Linear {
                guard !linearProjection else { return Linear(scope, name, inFeatures: channels, outFeatures: channels) }
                let layer = scope.scoped(name)
                return Linear(weight: layer.tensor("weight", shape: [channels, channels, 1, 1]).reshaped([channels, channels]),
                              bias: layer.tensor("bias", shape: [channels]))
            }
            projectIn = projection("proj_in")
            blocks = (0..<layers).map { TransformerBlock(scope, "transformer_blocks.\($0)", width: channels, heads: heads) }
            projectOut = projection("proj_out")
        }

        /// [B, C, H, W] → [B, C, H, W].
        func callAsFunction(_ x: Tensor) -> Tensor {
            let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
            let tokens = norm(x).permuted([0, 2, 3, 1]).reshaped([batch, height * width, channels])
            var hidden = projectIn(tokens)
            for block in blocks { hidden = block(hidden) }
            let residual = x.permuted([0, 2, 3, 1])
            return projectOut(hidden, residual: residual).reshaped([batch, height, width, channels]).permuted([0, 3, 1, 2])
        }
    }

    /// diffusers' `BasicTransformerBlock` as AudioLDM runs it: LayerNorm → self-attention (`attn1`);
    /// LayerNorm → `attn2`, which with no text states also attends over the normalised hidden states,
    /// with its own weights; LayerNorm → GEGLU feed-forward; each with a residual.
    struct TransformerBlock: Sendable {
        let norm1: LayerNorm
        let attention1: SelfAttention
        let norm2: LayerNorm
        let attention2: SelfAttention
        let norm3: LayerNorm
        let feedForwardIn: Linear
        let feedForwardOut: Linear

        init(_ weights: WeightReader, _ key: String, width: Int, heads: Int) {
            let scope = weights.scoped(key)
            norm1 = LayerNorm(scope, "norm1", size: width)
            attention1 = SelfAttention(scope, "attn1", width: width, heads: heads)
            norm2 = LayerNorm(scope, "norm2", size: width)
            attention2 = SelfAttention(scope, "attn2", width: width, heads: heads)
            norm3 = LayerNorm(scope, "norm3", size: width)
            feedForwardIn = Linear(scope, "ff.net.0.proj", inFeatures: width, outFeatures: 8 * width)
            feedForwardOut = Linear(scope, "ff.net.2", inFeatures: 4 * width, outFeatures: width)
        }

        /// [B, L, D] → [B, L, D].
        func callAsFunction(_ x: Tensor) -> Tensor {
            var hidden = attention1(norm1(x), residual: x)
            hidden = attention2(norm2(hidden), residual: hidden)
            // GEGLU: the projection's first half times GELU of its second half.
            let projected = feedForwardIn(norm3(hidden))
            return feedForwardOut(projected.gatedByGELU(), residual: hidden)
        }
    }

    /// diffusers' `Attention` with keys and values from its own input: `to_q`, `to_k`, `to_v` (no
    /// bias) read as one fused projection, heads of `width / heads`, then `to_out.0`.
    struct SelfAttention: Sendable {
        let qkv: Linear
        let output: Linear
        let heads: Int

        init(_ weights: WeightReader, _ key: String, width: Int, heads: Int) {
            let scope = weights.scoped(key)
            qkv = Linear.fused(["to_q", "to_k", "to_v"].map { Linear(scope, $0, inFeatures: width, outFeatures: width, bias: false) })
            output = Linear(scope, "to_out.0", inFeatures: width, outFeatures: width)
            self.heads = heads
        }

        /// `to_out(attention(x)) + residual` over [B, L, D].
        func callAsFunction(_ x: Tensor, residual: Tensor) -> Tensor {
            output(Attention.multiHead(fusedQKV: qkv(x), heads: heads), residual: residual)
        }
    }
}
