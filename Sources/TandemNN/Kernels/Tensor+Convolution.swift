import TandemBLAS
/// Convolutions by im2col + GEMM (3×3 stride-1 ones by Winograd's transform, `Tensor+Winograd`), and
/// the transposed convolution by GEMM + col2im.
extension Tensor {
    /// N-d convolution (1, 2 or 3 spatial axes) with PyTorch's layouts, groups = 1.
    ///
    /// Each batch item is unfolded into a [C·∏k, ∏out] column matrix and multiplied by the
    /// [O, C·∏k] weight in one GEMM. Convolutions whose kernel equals their stride with no
    /// padding (patch embeddings) still go through the same path; im2col is then a permutation.
    /// - Parameters:
    ///   - input: [N, C, *spatial].
    ///   - weight: [O, C, *kernel].
    ///   - bias: [O] or nil.
    ///   - stride, padding, dilation: one value per spatial axis (or one for all).
    ///   - channelBias: [N, O] or nil: a bias per batch item and output channel (a diffusion UNet's
    ///     projected time embedding), added with `bias`.
    ///   - residual: [N, O, *outSpatial] or nil: added to the result (a ResNet's shortcut).
    ///   - filterCache: where a layer called many times with the same `weight` (a diffusion UNet's,
    ///     once per step) keeps the filters transformed for the Winograd path; nil transforms them per call.
    /// - Returns: [N, O, *outSpatial], `out = (in + 2p − d·(k−1) − 1) / s + 1`.
    ///
    /// The biases and the residual are written into the output before the GEMM, which then
    /// accumulates onto them (`beta = 1`), so they cost no pass of their own.
    public static func convolution(
        _ input: Tensor, weight: Tensor, bias: Tensor? = nil, stride: [Int] = [1], padding: [Int] = [0], dilation: [Int] = [1],
        channelBias: Tensor? = nil, accumulatingOnto residual: Tensor? = nil, filterCache: WinogradFilterCache? = nil
    ) -> Tensor {
        let dims = input.rank - 2
        precondition(dims >= 1 && dims <= 3 && weight.rank == input.rank, "convolution of \(input.shape) with \(weight.shape)")
        precondition(weight.shape[1] == input.shape[1], "weight \(weight.shape) expects \(weight.shape[1]) channels, input has \(input.shape[1])")
        func expand(_ values: [Int]) -> [Int] { values.count == dims ? values : [Int](repeating: values[0], count: dims) }
        // Work in 3-D: missing leading spatial axes have extent 1, kernel 1.
        let pad3 = [Int](repeating: 1, count: 3 - dims)
        let zero3 = [Int](repeating: 0, count: 3 - dims)
        let inSize = pad3 + Array(input.shape[2...])
        let kernel = pad3 + Array(weight.shape[2...])
        let s = pad3 + expand(stride), p = zero3 + expand(padding), d = pad3 + expand(dilation)
        var outSize = [Int](repeating: 0, count: 3)
        for axis in 0..<3 {
            let span: Int = d[axis] * (kernel[axis] - 1) + 1
            outSize[axis] = (inSize[axis] + 2 * p[axis] - span) / s[axis] + 1
        }
        precondition(outSize.allSatisfy { $0 > 0 }, "convolution output would be empty: \(outSize)")
        let batch = input.shape[0], channels = input.shape[1], outputs = weight.shape[0]
        let patch = channels * kernel.reduce(1, *)
        let positions = outSize.reduce(1, *)
        let inPlane = inSize.reduce(1, *)
        let outShape = [batch, outputs] + Array(outSize[(3 - dims)...])
        precondition(bias == nil || bias!.count == outputs, "bias of \(bias!.count) for \(outputs) outputs")
        precondition(channelBias == nil || channelBias!.count == batch * outputs, "channel bias \(channelBias!.shape) for \(batch) × \(outputs)")
        precondition(residual == nil || residual!.shape == outShape, "residual \(residual!.shape) for output \(outShape)")
        // A 1×1 kernel with unit stride and no padding reads the input as its own column matrix.
        let pointwise = kernel == [1, 1, 1] && s == [1, 1, 1] && p == [0, 0, 0]
        // Small grids (the bottom of a UNet) unfold every batch item side by side for one GEMM.
        let merged = batch > 1 && !pointwise && positions < 512
        let columnWidth = merged ? batch * positions : positions
        // 3×3 stride-1 kernels over enough positions take Winograd's path (`Tensor+Winograd`).
        let winograd = dims == 2 && winogradApplies(kernel: kernel, stride: s, dilation: d, padding: p, outSize: outSize, batch: batch)
        let unfolded = !pointwise && !winograd
        // im2col writes every element, so the buffer is not zero-filled first.
        var columns = [Float](unsafeUninitializedCapacity: unfolded ? patch * columnWidth : 0) { _, count in
            count = unfolded ? patch * columnWidth : 0
        }
        let prefilled = bias != nil || channelBias != nil || residual != nil
        let empty = Tensor(shape: [0], values: [])
        return Tensor(shape: outShape) { out in
            if prefilled {
                (bias ?? empty).withUnsafeBufferPointer { b in
                    (channelBias ?? empty).withUnsafeBufferPointer { cb in
                        (residual ?? empty).withUnsafeBufferPointer { r in
                            let hasBias = bias != nil, hasChannelBias = channelBias != nil, hasResidual = residual != nil
                            ComputeThreads.parallelFor(batch * outputs, grain: max(1, 16384 / max(positions, 1))) { planes in
                                for plane in planes {
                                    let value = (hasBias ? b[plane % outputs] : 0) + (hasChannelBias ? cb[plane] : 0)
                                    let target = out.baseAddress! + plane * positions
                                    if hasResidual {
                                        let source = r.baseAddress! + plane * positions
                                        for i in 0..<positions { target[i] = source[i] + value }
                                    } else {
                                        target.initialize(repeating: value, count: positions)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if winograd {
                input.withUnsafeBufferPointer { x in
                    weight.withUnsafeBufferPointer { w in
                        winogradConvolution3x3(input: x.baseAddress!, batch: batch, channels: channels, height: inSize[1], width: inSize[2],
                                               padding: (p[1], p[2]), weight: w.baseAddress!, outputs: outputs,
                                               out: out.baseAddress!, accumulate: prefilled, filterCache: filterCache)
                    }
                }
                return
            }
            // out[O, P] = W[O, patch] · columns[patch, P]. Threads split whichever side of the product
            // is larger, so each packs only its share of it: the positions at the top of a UNet (2000
            // positions against 128 filters), the filters at the bottom (640 filters, 32 positions).
            func gemm(a: UnsafePointer<Float>, b: UnsafePointer<Float>, width: Int, beta: Float, c: UnsafeMutablePointer<Float>) {
                if width > outputs {
                    BLAS.sgemmParallelColumns(transposeA: false, m: outputs, n: width, k: patch, a: a, lda: patch,
                                              b: b, ldb: width, beta: beta, c: c, ldc: width)
                } else {
                    BLAS.sgemmParallel(transposeA: false, transposeB: false, m: outputs, n: width, k: patch, a: a, lda: patch,
                                       b: b, ldb: width, beta: beta, c: c, ldc: width)
                }
            }
            input.withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { w in
                    columns.withUnsafeMutableBufferPointer { col in
                        for n in 0..<batch {
                            let image = x.baseAddress! + n * channels * inPlane
                            if pointwise {
                                gemm(a: w.baseAddress!, b: image, width: positions, beta: prefilled ? 1 : 0,
                                     c: out.baseAddress! + n * outputs * positions)
                                continue
                            }
                            // Merged: item n's columns sit at n·P within each row of a [patch, N·P] matrix.
                            let colBase = col.baseAddress! + (merged ? n * positions : 0)
                            ComputeThreads.parallelFor(patch, grain: max(1, 4096 / positions)) { rows in
                                for row in rows {
                                    var rest = row
                                    let kw = rest % kernel[2]; rest /= kernel[2]
                                    let kh = rest % kernel[1]; rest /= kernel[1]
                                    let kd = rest % kernel[0]; let c = rest / kernel[0]
                                    let plane = image + c * inPlane
                                    var target = colBase + row * columnWidth
                                    for od in 0..<outSize[0] {
                                        let id = od * s[0] - p[0] + kd * d[0]
                                        for oh in 0..<outSize[1] {
                                            let ih = oh * s[1] - p[1] + kh * d[1]
                                            let rowValid = id >= 0 && id < inSize[0] && ih >= 0 && ih < inSize[1]
                                            let line = plane + (id * inSize[1] + ih) * inSize[2]
                                            let shift = kw * d[2] - p[2]
                                            if s[2] == 1 {
                                                // Unit stride: the valid outputs read one contiguous run of the input line.
                                                let low = rowValid ? min(max(0, -shift), outSize[2]) : outSize[2]
                                                let high = rowValid ? max(low, min(outSize[2], inSize[2] - shift)) : outSize[2]
                                                if low > 0 { target.initialize(repeating: 0, count: low) }
                                                if high > low { (target + low).initialize(from: line + low + shift, count: high - low) }
                                                if high < outSize[2] { (target + high).initialize(repeating: 0, count: outSize[2] - high) }
                                            } else {
                                                for ow in 0..<outSize[2] {
                                                    let iw = ow * s[2] + shift
                                                    target[ow] = rowValid && iw >= 0 && iw < inSize[2] ? line[iw] : 0
                                                }
                                            }
                                            target += outSize[2]
                                        }
                                    }
                                }
                            }
                            if !merged {
                                gemm(a: w.baseAddress!, b: colBase, width: positions, beta: prefilled ? 1 : 0,
                                     c: out.baseAddress! + n * outputs * positions)
                            }
                        }
                        guard merged else { return }
                        // One GEMM for the whole batch reads the filters once, not once per item, and
                        // gives BLAS N·P columns instead of P. Its [O, N·P] result is then added into [N, O, P].
                        var product = [Float](unsafeUninitializedCapacity: outputs * columnWidth) { _, count in count = outputs * columnWidth }
                        product.withUnsafeMutableBufferPointer { result in
                            gemm(a: w.baseAddress!, b: col.baseAddress!, width: columnWidth, beta: 0, c: result.baseAddress!)
                            ComputeThreads.parallelFor(batch * outputs, grain: max(1, 16384 / positions)) { planes in
                                for plane in planes {
                                    let (n, o) = (plane / outputs, plane % outputs)
                                    let source = result.baseAddress! + o * columnWidth + n * positions
                                    let target = out.baseAddress! + plane * positions
                                    if prefilled {
                                        for i in 0..<positions { target[i] += source[i] }
                                    } else {
                                        target.initialize(from: source, count: positions)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// 1-D convolution: [N, C, L] with weight [O, C, k].
    public static func conv1d(_ input: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0, dilation: Int = 1) -> Tensor {
        convolution(input, weight: weight, bias: bias, stride: [stride], padding: [padding], dilation: [dilation])
    }

    /// 2-D convolution: [N, C, H, W] with weight [O, C, kh, kw].
    public static func conv2d(
        _ input: Tensor, weight: Tensor, bias: Tensor? = nil, stride: [Int] = [1], padding: [Int] = [0], dilation: [Int] = [1]
    ) -> Tensor {
        precondition(input.rank == 4)
        return convolution(input, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation)
    }

    /// 3-D convolution: [N, C, D, H, W] with weight [O, C, kd, kh, kw].
    public static func conv3d(
        _ input: Tensor, weight: Tensor, bias: Tensor? = nil, stride: [Int] = [1], padding: [Int] = [0], dilation: [Int] = [1]
    ) -> Tensor {
        precondition(input.rank == 5)
        return convolution(input, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation)
    }

    /// 2-D transposed convolution ([N, Cin, H, W], weight [Cin, Cout, kh, kw] as PyTorch stores it).
    ///
    /// One GEMM `Wᵀ · x` gives every input pixel's contribution to a kh×kw window; col2im adds
    /// them into place. Output extent `(in − 1)·s − 2p + d·(k − 1) + outputPadding + 1`.
    public static func convTranspose2d(
        _ input: Tensor, weight: Tensor, bias: Tensor? = nil, stride: [Int] = [1], padding: [Int] = [0],
        outputPadding: [Int] = [0], dilation: [Int] = [1]
    ) -> Tensor {
        precondition(input.rank == 4 && weight.rank == 4 && weight.shape[0] == input.shape[1], "transposed convolution of \(input.shape) with \(weight.shape)")
        func pair(_ v: [Int]) -> [Int] { v.count == 2 ? v : [v[0], v[0]] }
        let s = pair(stride), p = pair(padding), op = pair(outputPadding), d = pair(dilation)
        let batch = input.shape[0], inChannels = input.shape[1], height = input.shape[2], width = input.shape[3]
        let outChannels = weight.shape[1], kh = weight.shape[2], kw = weight.shape[3]
        let outH = (height - 1) * s[0] - 2 * p[0] + d[0] * (kh - 1) + op[0] + 1
        let outW = (width - 1) * s[1] - 2 * p[1] + d[1] * (kw - 1) + op[1] + 1
        let rows = outChannels * kh * kw, positions = height * width
        var columns = [Float](repeating: 0, count: rows * positions)
        let result = Tensor(shape: [batch, outChannels, outH, outW]) { out in
            out.initialize(repeating: 0)
            input.withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { w in
                    columns.withUnsafeMutableBufferPointer { col in
                        for n in 0..<batch {
                            BLAS.sgemmParallel(transposeA: true, transposeB: false, m: rows, n: positions, k: inChannels,
                                       a: w.baseAddress!, lda: rows, b: x.baseAddress! + n * inChannels * positions, ldb: positions,
                                       c: col.baseAddress!, ldc: positions)
                            let image = out.baseAddress! + n * outChannels * outH * outW
                            ComputeThreads.parallelFor(outChannels) { channelRange in
                                for oc in channelRange {
                                    for ky in 0..<kh {
                                        for kx in 0..<kw {
                                            let source = col.baseAddress! + ((oc * kh + ky) * kw + kx) * positions
                                            for iy in 0..<height {
                                                let oy = iy * s[0] - p[0] + ky * d[0]
                                                guard oy >= 0 && oy < outH else { continue }
                                                for ix in 0..<width {
                                                    let ox = ix * s[1] - p[1] + kx * d[1]
                                                    guard ox >= 0 && ox < outW else { continue }
                                                    image[(oc * outH + oy) * outW + ox] += source[iy * width + ix]
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        guard let bias else { return result }
        return result.addingChannelBias(bias)
    }

    /// Adds `bias[c]` to every element of channel `c` of an [N, C, ...] tensor.
    public func addingChannelBias(_ bias: Tensor) -> Tensor {
        let batch = shape[0], channels = shape[1]
        precondition(bias.count == channels, "bias of \(bias.count) for \(channels) channels")
        let spatial = count / max(batch * channels, 1)
        var result = self
        bias.withUnsafeBufferPointer { b in
            result.withUnsafeMutableBufferPointer { values in
                for n in 0..<batch {
                    for c in 0..<channels {
                        let offset = (n * channels + c) * spatial
                        for i in 0..<spatial { values[offset + i] += b[c] }
                    }
                }
            }
        }
        return result
    }
}
