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
        let p = c.patchSize, d = c.hiddenSize
        let gridH = height / p, gridW = width / p, patches = gridH * gridW
        // The stride-p, kernel-p convolution as one GEMM: unfold patches to rows of (c, ky, kx).
        let patchLength = channels * p * p
        let unfolded = pixels.withUnsafeBufferPointer { x in
            Tensor(shape: [batch * frames * patches, patchLength]) { out in
                let source = x.baseAddress!, target = out.baseAddress!
                ComputeThreads.parallelFor(batch * frames * gridH, grain: 4) { rows in
                    for row in rows {
                        let image = row / gridH, py = row % gridH
                        for px in 0..<gridW {
                            var o = target + ((image * gridH + py) * gridW + px) * patchLength
                            for ch in 0..<channels {
                                let plane = source + (image * channels + ch) * height * width
                                for ky in 0..<p {
                                    let line = plane + (py * p + ky) * width + px * p
                                    o.update(from: line, count: p)
                                    o += p
                                }
                            }
                        }
                    }
                }
            }
        }
        let projected = weights.patchProjection(unfolded)  // [B·T·N, D]
        let position = positionTable(gridH: gridH, gridW: gridW)  // [1 + N, D]
        let cls = weights.clsToken.reshaped([d])
        if c.attentionType == .spaceOnly {
            return Tensor(shape: [batch * frames, 1 + patches, d]) { out in
                projected.withUnsafeBufferPointer { proj in
                    position.withUnsafeBufferPointer { pos in
                        cls.withUnsafeBufferPointer { clsValues in
                            for image in 0..<(batch * frames) {
                                let base = out.baseAddress! + image * (1 + patches) * d
                                for i in 0..<d { base[i] = clsValues[i] + pos[i] }
                                for n in 0..<patches {
                                    for i in 0..<d { base[(1 + n) * d + i] = proj[(image * patches + n) * d + i] + pos[(1 + n) * d + i] }
                                }
                            }
                        }
                    }
                }
            }
        }
        let time = timeTable(frames: frames)  // [T, D]
        let length = 1 + patches * frames
        return Tensor(shape: [batch, length, d]) { out in
            projected.withUnsafeBufferPointer { proj in
                position.withUnsafeBufferPointer { pos in
                    time.withUnsafeBufferPointer { timeValues in
                        cls.withUnsafeBufferPointer { clsValues in
                            for b in 0..<batch {
                                let base = out.baseAddress! + b * length * d
                                // HF takes the cls row of the first B frame-sequences; all equal cls + pos[0].
                                for i in 0..<d { base[i] = clsValues[i] + pos[i] }
                                for n in 0..<patches {
                                    for t in 0..<frames {
                                        let row = base + (1 + n * frames + t) * d
                                        let source = proj.baseAddress! + ((b * frames + t) * patches + n) * d
                                        for i in 0..<d { row[i] = source[i] + pos[(1 + n) * d + i] + timeValues[t * d + i] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
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
    func plainLayer(_ layer: TimesformerLayerWeights, _ x: Tensor) -> Tensor {
        let eps = configuration.layerNormEps
        let normed = x.layerNorm(weight: layer.layerNormBefore.weight, bias: layer.layerNormBefore.bias, eps: eps)
        let context = Attention.multiHead(fusedQKV: layer.qkv(normed), heads: configuration.numAttentionHeads)
        let attended = layer.attentionOutput(context, residual: x)
        return mlp(layer, attended)
    }

    /// `layernorm_after` → intermediate (GELU fused) → output, with the residual fused into the last GEMM.
    func mlp(_ layer: TimesformerLayerWeights, _ x: Tensor) -> Tensor {
        let normed = x.layerNorm(weight: layer.layerNormAfter.weight, bias: layer.layerNormAfter.bias, eps: configuration.layerNormEps)
        let inner = layer.intermediate(normed, activation: .gelu)
        return layer.output(inner, residual: x)
    }

    /// Divided space-time attention (`TimesformerLayer`, `divided_space_time`).
    ///
    /// Like HF, the layer regroups tokens with the *configured* frame count T: temporal attention
    /// runs over runs of T consecutive patch tokens, spatial attention over every T-th token plus
    /// the cls token, and the spatial cls outputs are averaged over those T groups.
    func dividedLayer(_ layer: TimesformerLayerWeights, _ x: Tensor) -> Tensor {
        let c = configuration
        let eps = c.layerNormEps, heads = c.numAttentionHeads, d = c.hiddenSize
        let frames = c.numFrames
        let (batch, length) = (x.shape[0], x.shape[1])
        precondition((length - 1) % frames == 0, "\(length - 1) patch tokens do not split into \(frames) frames")
        let spatial = (length - 1) / frames

        // (1) Temporal attention over each patch position's T tokens: (B·S, T, D).
        let patchTokens = x.withUnsafeBufferPointer { source in
            Tensor(shape: [batch * spatial, frames, d]) { out in
                for b in 0..<batch {
                    (out.baseAddress! + b * spatial * frames * d).update(from: source.baseAddress! + (b * length + 1) * d, count: spatial * frames * d)
                }
            }
        }
        let temporalNorm = layer.temporalLayerNorm!
        let temporalNormed = patchTokens.layerNorm(weight: temporalNorm.weight, bias: temporalNorm.bias, eps: eps)
        let temporalContext = Attention.multiHead(fusedQKV: layer.temporalQKV!(temporalNormed), heads: heads)
        let temporalAttended = layer.temporalOutput!(temporalContext)
        let temporal = layer.temporalDense!(temporalAttended, residual: patchTokens)  // (B·S, T, D) = (B, S·T, D)

        // (2) Spatial attention within each frame, the layer input's cls prepended: (B·T, 1 + S, D).
        let spatialInput = x.withUnsafeBufferPointer { source in
            temporal.withUnsafeBufferPointer { tokens in
                Tensor(shape: [batch * frames, 1 + spatial, d]) { out in
                    ComputeThreads.parallelFor(batch * frames) { range in
                        for sequence in range {
                            let b = sequence / frames, t = sequence % frames
                            let target = out.baseAddress! + sequence * (1 + spatial) * d
                            target.update(from: source.baseAddress! + b * length * d, count: d)
                            for s in 0..<spatial {
                                (target + (1 + s) * d).update(from: tokens.baseAddress! + ((b * spatial + s) * frames + t) * d, count: d)
                            }
                        }
                    }
                }
            }
        }
        let spatialNormed = spatialInput.layerNorm(weight: layer.layerNormBefore.weight, bias: layer.layerNormBefore.bias, eps: eps)
        let spatialContext = Attention.multiHead(fusedQKV: layer.qkv(spatialNormed), heads: heads)
        let spatialResidual = layer.attentionOutput(spatialContext)  // (B·T, 1 + S, D)

        // (3) cat(cls_in, temporal) + cat(mean over frames of the cls outputs, spatial outputs back in token order).
        let combined = x.withUnsafeBufferPointer { source in
            temporal.withUnsafeBufferPointer { tokens in
                spatialResidual.withUnsafeBufferPointer { residual in
                    Tensor(shape: [batch, length, d]) { out in
                        for b in 0..<batch {
                            let target = out.baseAddress! + b * length * d
                            for i in 0..<d {
                                var sum: Float = 0
                                for t in 0..<frames { sum += residual[(b * frames + t) * (1 + spatial) * d + i] }
                                target[i] = source[b * length * d + i] + sum / Float(frames)
                            }
                        }
                        ComputeThreads.parallelFor(batch * spatial, grain: 4) { range in
                            for position in range {
                                let b = position / spatial, s = position % spatial
                                for t in 0..<frames {
                                    let row = out.baseAddress! + (b * length + 1 + s * frames + t) * d
                                    let fromTemporal = tokens.baseAddress! + ((b * spatial + s) * frames + t) * d
                                    let fromSpatial = residual.baseAddress! + ((b * frames + t) * (1 + spatial) + 1 + s) * d
                                    for i in 0..<d { row[i] = fromTemporal[i] + fromSpatial[i] }
                                }
                            }
                        }
                    }
                }
            }
        }
        // (4) MLP.
        return mlp(layer, combined)
    }
}
