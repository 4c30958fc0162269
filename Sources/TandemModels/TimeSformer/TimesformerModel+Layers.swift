import TandemNN

/// The embedding and encoder layers, following transformers' `modeling_timesformer.py` step by step.
extension TimesformerModel {
    /// Patch embedding, cls token, position and time embeddings (`TimesformerEmbeddings`).
    ///
    /// Returns [B, 1 + N·T, D] with token order 1 + n·T + t (patch-major, frame-minor) and one cls
    /// in front, or [B·T, 1 + N, D] for `space_only`. When the patch grid or the frame count differs
    /// from the configuration the tables are resized with PyTorch's `nearest` interpolation.
    func embeddings(_ pixels: Tensor) -> Tensor {
        let c = configuration
        let (batch, frames, channels, height, width) = (pixels.shape[0], pixels.shape[1], pixels.shape[2], pixels.shape[3], pixels.shape[4])
        let d = c.hiddenSize
        let gridH = height / c.patchSize, gridW = width / c.patchSize, patches = gridH * gridW
        // The stride-p, kernel-p convolution, already token-major: [B·T·N, D].
        let tokens = weights.patchEmbedding.patches(pixels.reshaped([batch * frames, channels, height, width]))
        let position = positionTable(gridH: gridH, gridW: gridW)  // [1 + N, D]
        let cls = weights.clsToken.reshaped([1, 1, d]) + position.slice(axis: 0, 0..<1).reshaped([1, 1, d])
        let placed = tokens.reshaped([batch * frames, patches, d]) + position.slice(axis: 0, 1..<1 + patches)
        if c.attentionType == .spaceOnly {
            return Tensor.concatenate([cls.expanded(to: [batch * frames, 1, d]), placed], axis: 1)
        }
        // HF keeps the cls rows of the first B frame sequences (all equal cls + pos[0]), then regroups the
        // patches (B, T, N, D) → (B, N, T, D) and adds each frame's time embedding.
        let time = timeTable(frames: frames)  // [T, D]
        let sequence = placed.reshaped([batch, frames, patches, d]).permuted([0, 2, 1, 3]) + time
        return Tensor.concatenate([cls.expanded(to: [batch, 1, d]), sequence.reshaped([batch, patches * frames, d])], axis: 1)
    }

    /// Position embeddings for a gridH × gridW grid: the checkpoint's table, or its patch part
    /// resized with `nearest` as HF does (cls position kept). [1 + N, D].
    func positionTable(gridH: Int, gridW: Int) -> Tensor {
        let d = configuration.hiddenSize
        let table = weights.positionEmbeddings.reshaped([-1, d])
        let stored = table.shape[0]
        guard 1 + gridH * gridW != stored else { return table }
        let side = Int(Double(stored - 1).squareRoot())
        // HF: patch_height = (1 + N) // patch_width, counting the cls token.
        let patchHeight = (1 + gridH * gridW) / gridW
        precondition(patchHeight * gridW == gridH * gridW, "cannot resize position embeddings to a \(gridH)×\(gridW) grid")
        let grid = table.slice(axis: 0, 1..<stored).transposedLastAxes().reshaped([1, d, side, side])
        let resized = grid.interpolated(size: [patchHeight, gridW], mode: .nearest).reshaped([d, -1]).transposedLastAxes()
        return Tensor.concatenate([table.slice(axis: 0, 0..<1), resized], axis: 0)
    }

    /// Time embeddings for `frames` frames, nearest-resized when that differs from the checkpoint's. [T, D].
    func timeTable(frames: Int) -> Tensor {
        let d = configuration.hiddenSize
        let table = weights.timeEmbeddings!.reshaped([-1, d])
        guard table.shape[0] != frames else { return table }
        let resized = table.transposedLastAxes().reshaped([1, d, -1]).interpolated(size: [frames], mode: .nearest)
        return resized.reshaped([d, frames]).transposedLastAxes()
    }

    /// A pre-norm transformer block over whole sequences (`space_only`, `joint_space_time`).
    func plainLayer(_ layer: TimesformerLayer, _ x: Tensor) -> Tensor {
        let attended = layer.attention(layer.layerNormBefore(x), residual: x)
        return mlp(layer, attended)
    }

    /// `layernorm_after` → intermediate (GELU fused) → output, with the residual fused into the last GEMM.
    func mlp(_ layer: TimesformerLayer, _ x: Tensor) -> Tensor {
        let inner = layer.intermediate(layer.layerNormAfter(x), activation: .gelu)
        return layer.output(inner, residual: x)
    }

    /// Divided space-time attention (`TimesformerLayer`, `divided_space_time`).
    ///
    /// Like HF, the layer regroups tokens with the *configured* frame count T: temporal attention
    /// runs over runs of T consecutive patch tokens, spatial attention over every T-th token plus
    /// the cls token, and the spatial cls outputs are averaged over those T groups.
    func dividedLayer(_ layer: TimesformerLayer, _ x: Tensor) -> Tensor {
        let d = configuration.hiddenSize, frames = configuration.numFrames
        let (batch, length) = (x.shape[0], x.shape[1])
        precondition((length - 1) % frames == 0, "\(length - 1) patch tokens do not split into \(frames) frames")
        let spatial = (length - 1) / frames

        // (1) Temporal attention over each patch position's T tokens: (B·S, T, D).
        let patchTokens = x.slice(axis: 1, 1..<length).reshaped([batch * spatial, frames, d])
        let temporalAttended = layer.temporalAttention!(layer.temporalLayerNorm!(patchTokens))
        let temporal = layer.temporalDense!(temporalAttended, residual: patchTokens)  // (B·S, T, D) = (B, S·T, D)

        // (2) Spatial attention within each frame, the layer input's cls prepended: (B·T, 1 + S, D).
        let cls = x.slice(axis: 1, 0..<1)  // (B, 1, D)
        let perFrame = temporal.reshaped([batch, spatial, frames, d]).permuted([0, 2, 1, 3]).reshaped([batch * frames, spatial, d])
        let clsPerFrame = cls.reshaped([batch, 1, 1, d]).expanded(to: [batch, frames, 1, d]).reshaped([batch * frames, 1, d])
        let spatialInput = Tensor.concatenate([clsPerFrame, perFrame], axis: 1)
        let spatialResidual = layer.attention(layer.layerNormBefore(spatialInput))  // (B·T, 1 + S, D)

        // (3) cat(cls_in, temporal) + cat(mean over frames of the cls outputs, spatial outputs back in token order).
        let clsMean = spatialResidual.slice(axis: 1, 0..<1).reshaped([batch, frames, d]).mean(axis: 1).reshaped([batch, 1, d])
        let spatialTokens = spatialResidual.slice(axis: 1, 1..<1 + spatial).reshaped([batch, frames, spatial, d])
            .permuted([0, 2, 1, 3]).reshaped([batch, spatial * frames, d])
        let combined = Tensor.concatenate([cls + clsMean, temporal.reshaped([batch, spatial * frames, d]) + spatialTokens], axis: 1)
        // (4) MLP.
        return mlp(layer, combined)
    }
}
