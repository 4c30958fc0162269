import Testing
@testable import TandemNN

/// Winograd F(2×2, 3×3) against a direct sum in double precision: padding on either axis, odd output
/// sides (tiles that hang over the edge), several blocks per image, and the biases and residual that
/// `Tensor.convolution` writes first and the transform then adds onto.
@Suite struct WinogradConvolutionTests {
    /// PyTorch's conv2d (cross-correlation), stride 1, as a plain loop.
    private func directConvolution(_ x: Tensor, _ w: Tensor, padding: (Int, Int)) -> [Float] {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let o = w.shape[0]
        let outH = h + 2 * padding.0 - 2, outW = wd + 2 * padding.1 - 2
        let xs = x.scalars, ws = w.scalars
        var result = [Float](repeating: 0, count: n * o * outH * outW)
        for b in 0..<n { for oc in 0..<o { for oy in 0..<outH { for ox in 0..<outW {
            var sum = 0.0
            for ic in 0..<c { for ky in 0..<3 { for kx in 0..<3 {
                let iy = oy - padding.0 + ky, ix = ox - padding.1 + kx
                guard iy >= 0 && iy < h && ix >= 0 && ix < wd else { continue }
                sum += Double(xs[((b * c + ic) * h + iy) * wd + ix]) * Double(ws[((oc * c + ic) * 3 + ky) * 3 + kx])
            } } }
            result[((b * o + oc) * outH + oy) * outW + ox] = Float(sum)
        } } } }
        return result
    }

    private func winograd(_ x: Tensor, _ w: Tensor, padding: (Int, Int), onto start: [Float]? = nil) -> [Float] {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let o = w.shape[0]
        var out = start ?? [Float](repeating: .nan, count: n * o * (h + 2 * padding.0 - 2) * (wd + 2 * padding.1 - 2))
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                out.withUnsafeMutableBufferPointer { op in
                    Tensor.winogradConvolution3x3(input: xp.baseAddress!, batch: n, channels: c, height: h, width: wd, padding: padding,
                                                  weight: wp.baseAddress!, outputs: o, out: op.baseAddress!, accumulate: start != nil)
                }
            }
        }
        return out
    }

    private func relativeError(_ a: [Float], _ b: [Float]) -> Float {
        maxDifference(a, b) / max(b.map(abs).max() ?? 1, 1e-6)
    }

    @Test(arguments: [
        (2, 3, 7, 5, 4, 1, 1), (1, 2, 6, 9, 3, 0, 0), (2, 3, 8, 8, 2, 2, 1), (1, 2, 5, 4, 3, 0, 2), (1, 1, 3, 3, 1, 0, 0),
    ])
    func matchesTheDirectSum(shape: (n: Int, c: Int, h: Int, w: Int, o: Int, padH: Int, padW: Int)) {
        var random = SeededValues(seed: 61)
        let x = random.tensor([shape.n, shape.c, shape.h, shape.w]), w = random.tensor([shape.o, shape.c, 3, 3])
        let padding = (shape.padH, shape.padW)
        let result = winograd(x, w, padding: padding)
        #expect(result.allSatisfy { $0.isFinite }, "every output written")
        #expect(relativeError(result, directConvolution(x, w, padding: padding)) < 1e-5)
    }

    @Test func wideLayersSpanSeveralBlocksPerImage() {
        // 10 tile columns give blocks of 12 tile rows; 55 rows of input are 28 tile rows, three blocks per image.
        var random = SeededValues(seed: 62)
        let x = random.tensor([2, 520, 55, 19]), w = random.tensor([3, 520, 3, 3])
        let result = winograd(x, w, padding: (1, 1))
        #expect(relativeError(result, directConvolution(x, w, padding: (1, 1))) < 1e-5)
    }

    @Test func accumulatesOntoWhatIsThere() {
        var random = SeededValues(seed: 63)
        let x = random.tensor([1, 4, 6, 7]), w = random.tensor([2, 4, 3, 3])
        let start = random.tensor([1, 2, 6, 7]).scalars
        let result = winograd(x, w, padding: (1, 1), onto: start)
        let expected = zip(directConvolution(x, w, padding: (1, 1)), start).map { $0 + $1 }
        #expect(relativeError(result, expected) < 1e-5)
    }

    @Test func convolutionTakesTheWinogradPathWithBiasesAndResidual() {
        // 2 × 15 × 10 tiles, above `winogradMinimumTiles`: the public entry point with everything fused.
        var random = SeededValues(seed: 64)
        let x = random.tensor([2, 5, 30, 20]), w = random.tensor([6, 5, 3, 3]), b = random.tensor([6])
        let perItem = random.tensor([2, 6]), residual = random.tensor([2, 6, 30, 20])
        #expect(Tensor.winogradApplies(kernel: [1, 3, 3], stride: [1, 1, 1], dilation: [1, 1, 1], padding: [0, 1, 1],
                                       outSize: [1, 30, 20], batch: 2))
        let fused = Tensor.convolution(x, weight: w, bias: b, padding: [1], channelBias: perItem, accumulatingOnto: residual)
        let direct = directConvolution(x, w, padding: (1, 1))
        var expected = residual.scalars
        for plane in 0..<12 {
            for i in 0..<600 { expected[plane * 600 + i] += direct[plane * 600 + i] + b.scalars[plane % 6] + perItem.scalars[plane] }
        }
        #expect(relativeError(fused.scalars, expected) < 1e-5)
    }

    @Test func cachedFiltersGiveTheSameResultCallAfterCall() {
        // The second and third calls read the filters the first one kept; a cache never used is the plain path.
        var random = SeededValues(seed: 65)
        let w = random.tensor([6, 5, 3, 3]), cache = WinogradFilterCache()
        for _ in 0..<3 {
            let x = random.tensor([2, 5, 30, 20])
            let cached = Tensor.convolution(x, weight: w, padding: [1], filterCache: cache)
            let plain = Tensor.convolution(x, weight: w, padding: [1])
            #expect(cached.scalars == plain.scalars)
        }
    }

    @Test func otherShapesKeepIm2col() {
        let base = (kernel: [1, 3, 3], stride: [1, 1, 1], dilation: [1, 1, 1], padding: [0, 1, 1], outSize: [1, 64, 64])
        #expect(Tensor.winogradApplies(kernel: base.kernel, stride: base.stride, dilation: base.dilation, padding: base.padding, outSize: base.outSize, batch: 1))
        #expect(!Tensor.winogradApplies(kernel: base.kernel, stride: [1, 2, 2], dilation: base.dilation, padding: base.padding, outSize: base.outSize, batch: 1))
        #expect(!Tensor.winogradApplies(kernel: base.kernel, stride: base.stride, dilation: [1, 2, 2], padding: base.padding, outSize: base.outSize, batch: 1))
        #expect(!Tensor.winogradApplies(kernel: [1, 5, 5], stride: base.stride, dilation: base.dilation, padding: base.padding, outSize: base.outSize, batch: 1))
        #expect(!Tensor.winogradApplies(kernel: base.kernel, stride: base.stride, dilation: base.dilation, padding: base.padding, outSize: [1, 8, 4], batch: 2))
    }
}
