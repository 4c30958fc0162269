import TandemBLAS

/// 1-D convolutions of stride 1 as one GEMM per kernel tap.
///
/// `Tensor.convolution` unfolds the input into a [C·k, L] column matrix before its one GEMM: for
/// HiFi-GAN's long, wide, dilated residual convolutions (512 channels × 11 taps × 2,500 frames up to
/// 32 × 11 × 80,000) that matrix is k copies of the signal in fresh memory, and filling it (page
/// faults, zeroing, the strided copy) cost about a quarter of the vocoder. With stride 1 every tap
/// reads the same padded signal shifted by `j · dilation`, so tap j is a GEMM straight from that
/// signal, accumulated into the output: the input is copied once (with its padding), never k times.
extension Tensor {
    /// `y = b + Σ_j W[:, :, j] · x[:, t + j·dilation − padding]`: PyTorch `conv1d` with stride 1, one group.
    /// - Parameters:
    ///   - input: [N, C, L].
    ///   - weight: [O, C, k].
    ///   - bias: [O] or nil.
    /// - Returns: [N, O, L + 2·padding − dilation·(k − 1)].
    /// - Complexity: O(N · k · O · C · Lout) in k GEMMs per item; O(C · (L + 2·padding)) extra memory.
    public static func conv1dByTaps(_ input: Tensor, weight: Tensor, bias: Tensor? = nil, padding: Int = 0, dilation: Int = 1) -> Tensor {
        precondition(input.rank == 3 && weight.rank == 3 && weight.shape[1] == input.shape[1] && padding >= 0 && dilation >= 1,
                     "conv1d by taps of \(input.shape) with \(weight.shape)")
        let (batch, channels, length) = (input.shape[0], input.shape[1], input.shape[2])
        let (outputs, kernel) = (weight.shape[0], weight.shape[2])
        let padded = length + 2 * padding
        let outLength = padded - dilation * (kernel - 1)
        precondition(outLength > 0, "conv1d output would be empty: \(length) samples, kernel \(kernel), dilation \(dilation), padding \(padding)")
        precondition(bias == nil || bias!.count == outputs, "bias of \(bias!.count) for \(outputs) outputs")
        let signal: Tensor
        if padding == 0 {
            signal = input
        } else {
            signal = input.withUnsafeBufferPointer { x in
                Tensor(shape: [batch, channels, padded]) { out in
                    out.initialize(repeating: 0)
                    for row in 0..<batch * channels {
                        (out.baseAddress! + row * padded + padding).update(from: x.baseAddress! + row * length, count: length)
                    }
                }
            }
        }
        if BLAS.implicitConvolutionAvailable {
            return implicitConv1d(signal, weight: weight, bias: bias, padded: padded, outLength: outLength, dilation: dilation)
        }
        // [k, O, C]: each tap's matrix contiguous.
        let taps = weight.permuted([2, 0, 1])
        return taps.withUnsafeBufferPointer { w in
            signal.withUnsafeBufferPointer { x in
                Tensor(shape: [batch, outputs, outLength]) { out in
                    initialize(out, withBias: bias, outputs: outputs, length: outLength)
                    for n in 0..<batch {
                        for j in 0..<kernel {
                            BLAS.sgemmParallel(transposeA: false, transposeB: false, m: outputs, n: outLength, k: channels,
                                               a: w.baseAddress! + j * outputs * channels, lda: channels,
                                               b: x.baseAddress! + n * channels * padded + j * dilation, ldb: padded,
                                               beta: 1, c: out.baseAddress! + n * outputs * outLength, ldc: outLength)
                        }
                    }
                }
            }
        }
    }

    /// The same convolution as one GEMM per item whose K runs over (channel, tap) pairs, with Tandem's
    /// kernel packing each tap's shifted rows of the padded signal straight into its operand: one pass
    /// over the output (the taps path makes k) and a deep K even for HiFi-GAN's narrow last layers.
    /// Threads split the output's time axis.
    private static func implicitConv1d(_ signal: Tensor, weight: Tensor, bias: Tensor?, padded: Int, outLength: Int, dilation: Int) -> Tensor {
        let (batch, channels) = (signal.shape[0], signal.shape[1])
        let (outputs, kernel) = (weight.shape[0], weight.shape[2])
        // The weight packed once, shared by every thread and item (the kernel would otherwise pack it
        // again for every 512 output columns).
        let depth = channels * kernel
        let packedCount = BLAS.packedOperandCount(m: outputs, k: depth)
        let packed = weight.withUnsafeBufferPointer { w in
            [Float](unsafeUninitializedCapacity: packedCount) { p, count in
                BLAS.pack(transposeA: false, m: outputs, k: depth, a: w.baseAddress!, lda: depth, into: p.baseAddress!)
                count = packedCount
            }
        }
        return weight.withUnsafeBufferPointer { w in
            signal.withUnsafeBufferPointer { x in
                packed.withUnsafeBufferPointer { packedWeight in
                    Tensor(shape: [batch, outputs, outLength]) { out in
                        initialize(out, withBias: bias, outputs: outputs, length: outLength)
                        for n in 0..<batch {
                            ComputeThreads.parallelFor(outLength, grain: 256) { columns in
                                let done = BLAS.convolution1d(
                                    outputs: outputs, n: columns.count, channels: channels, taps: kernel, dilation: dilation,
                                    weight: w.baseAddress!, packedWeight: packedWeight.baseAddress!,
                                    signal: x.baseAddress! + n * channels * padded + columns.lowerBound, ldSignal: padded,
                                    accumulate: true, c: out.baseAddress! + n * outputs * outLength + columns.lowerBound, ldc: outLength)
                                precondition(done, "implicitConvolutionAvailable was true")
                            }
                        }
                    }
                }
            }
        }
    }

    /// Each output row starts at its bias (or 0), for the GEMMs to accumulate onto.
    private static func initialize(_ out: UnsafeMutableBufferPointer<Float>, withBias bias: Tensor?, outputs: Int, length: Int) {
        guard let bias else {
            out.initialize(repeating: 0)
            return
        }
        bias.withUnsafeBufferPointer { b in
            for row in 0..<out.count / length {
                (out.baseAddress! + row * length).initialize(repeating: b[row % outputs], count: length)
            }
        }
    }
}
