import Foundation
import Testing
@testable import TandemNN

/// The fused forms a diffusion UNet uses, each against the unfused composition of kernels that the
/// torch-parity tests already cover (convolution, group norm, GELU).
@Suite struct DiffusionKernelTests {
    @Test func convolutionAddsChannelBiasAndResidualInTheGEMM() {
        var random = SeededValues(seed: 41)
        let x = random.tensor([2, 3, 7, 5]), w = random.tensor([4, 3, 3, 3]), b = random.tensor([4])
        let perItem = random.tensor([2, 4]), residual = random.tensor([2, 4, 7, 5])
        let fused = Tensor.convolution(x, weight: w, bias: b, padding: [1], channelBias: perItem, accumulatingOnto: residual)
        let plain = Tensor.convolution(x, weight: w, bias: b, padding: [1]) + perItem.reshaped([2, 4, 1, 1]) + residual
        #expect(fused.shape == [2, 4, 7, 5])
        #expect(maxDifference(fused.scalars, plain.scalars) < 1e-5)
        // The per-item bias must differ between the two items, or a mix-up of items would pass.
        let noBias = Tensor.convolution(x, weight: w, channelBias: perItem)
        let expected = Tensor.convolution(x, weight: w) + perItem.reshaped([2, 4, 1, 1])
        #expect(maxDifference(noBias.scalars, expected.scalars) < 1e-5)
    }

    @Test func pointwiseConvolutionIsALinearLayerPerPosition() {
        var random = SeededValues(seed: 42)
        let x = random.tensor([2, 6, 3, 4]), w = random.tensor([5, 6, 1, 1]), b = random.tensor([5])
        let y = Tensor.convolution(x, weight: w, bias: b)
        let tokens = x.permuted([0, 2, 3, 1]).reshaped([24, 6])
        let expected = Tensor.linear(tokens, weight: w.reshaped([5, 6]), bias: b).reshaped([2, 3, 4, 5]).permuted([0, 3, 1, 2])
        #expect(maxDifference(y.scalars, expected.scalars) < 1e-5)
    }

    @Test(arguments: [(1, 1, 1, 1), (2, 2, 1, 0), (1, 1, 2, 2), (2, 1, 0, 1)])
    func convolutionMatchesNaive(configuration: (strideH: Int, strideW: Int, padH: Int, padW: Int)) {
        // The unit-stride im2col copies runs; strided and padded shapes against a direct sum.
        var random = SeededValues(seed: 43)
        let (n, c, h, wd, o, k) = (2, 3, 6, 5, 2, 3)
        let x = random.tensor([n, c, h, wd]), w = random.tensor([o, c, k, k])
        let s = [configuration.strideH, configuration.strideW], p = [configuration.padH, configuration.padW]
        let y = Tensor.convolution(x, weight: w, stride: s, padding: p)
        let outH = (h + 2 * p[0] - k) / s[0] + 1, outW = (wd + 2 * p[1] - k) / s[1] + 1
        #expect(y.shape == [n, o, outH, outW])
        var expected = [Float](repeating: 0, count: n * o * outH * outW)
        for b in 0..<n { for oc in 0..<o { for oy in 0..<outH { for ox in 0..<outW {
            var sum: Float = 0
            for ic in 0..<c { for ky in 0..<k { for kx in 0..<k {
                let iy = oy * s[0] - p[0] + ky, ix = ox * s[1] - p[1] + kx
                if iy >= 0 && iy < h && ix >= 0 && ix < wd { sum += x[b, ic, iy, ix] * w[oc, ic, ky, kx] }
            } } }
            expected[((b * o + oc) * outH + oy) * outW + ox] = sum
        } } } }
        #expect(maxDifference(y.scalars, expected) < 1e-5)
    }

    @Test func batchedConvolutionEqualsItemByItem() {
        // Small grids run the batch as one merged GEMM, large ones item by item: both against batch-1 calls.
        var random = SeededValues(seed: 46)
        for side in [5, 24] {
            let x = random.tensor([3, 4, side, side]), w = random.tensor([6, 4, 3, 3]), b = random.tensor([6])
            let residual = random.tensor([3, 6, side, side])
            let batched = Tensor.convolution(x, weight: w, bias: b, padding: [1], accumulatingOnto: residual)
            let items = (0..<3).map { item in
                Tensor.convolution(x.slice(axis: 0, item..<item + 1), weight: w, bias: b, padding: [1],
                                   accumulatingOnto: residual.slice(axis: 0, item..<item + 1))
            }
            #expect(maxDifference(batched.scalars, Tensor.concatenate(items, axis: 0).scalars) < 1e-5)
        }
    }

    @Test func groupNormWithFusedActivation() {
        var random = SeededValues(seed: 44)
        let x = random.tensor([2, 8, 3, 5]), gamma = random.tensor([8]), beta = random.tensor([8])
        let fused = x.groupNorm(groups: 4, weight: gamma, bias: beta, eps: 1e-5, activation: .silu)
        let plain = x.groupNorm(groups: 4, weight: gamma, bias: beta, eps: 1e-5).applying(.silu)
        #expect(maxDifference(fused.scalars, plain.scalars) < 1e-6)
    }

    @Test func gatedByGELUIsTheFirstHalfTimesGELUOfTheSecond() {
        var random = SeededValues(seed: 45)
        let x = random.tensor([2, 3, 10], scale: 3)
        let halves = x.chunked(2, axis: 2)
        let expected = halves[0] * halves[1].applying(.gelu)
        let y = x.gatedByGELU()
        #expect(y.shape == [2, 3, 5])
        #expect(maxDifference(y.scalars, expected.scalars) < 1e-6)
    }
}
