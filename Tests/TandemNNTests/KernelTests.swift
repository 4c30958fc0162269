import Foundation
import Testing
@testable import TandemNN
import TandemCore

@Suite struct MatmulTests {
    func naive(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, ta: Bool, tb: Bool) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { for p in 0..<k {
            c[i * n + j] += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j])
        } } }
        return c
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func matmulMatchesNaive(transposes: (Bool, Bool)) {
        var random = SeededValues(seed: 1)
        let (m, n, k) = (5, 7, 3)
        let a = random.tensor(transposes.0 ? [k, m] : [m, k])
        let b = random.tensor(transposes.1 ? [n, k] : [k, n])
        let c = Tensor.matmul(a, b, transposeA: transposes.0, transposeB: transposes.1)
        #expect(c.shape == [m, n])
        #expect(maxDifference(c.scalars, naive(a.scalars, b.scalars, m: m, n: n, k: k, ta: transposes.0, tb: transposes.1)) < 1e-5)
    }

    @Test func batchedMatmul() {
        var random = SeededValues(seed: 2)
        let a = random.tensor([3, 4, 6]), b = random.tensor([3, 6, 2]), shared = random.tensor([6, 2])
        let c = Tensor.matmul(a, b), d = Tensor.matmul(a, shared)
        for item in 0..<3 {
            let ai = Array(a.scalars[item * 24..<(item + 1) * 24])
            let expected = naive(ai, Array(b.scalars[item * 12..<(item + 1) * 12]), m: 4, n: 2, k: 6, ta: false, tb: false)
            #expect(maxDifference(Array(c.scalars[item * 8..<(item + 1) * 8]), expected) < 1e-5)
            let expectedShared = naive(ai, shared.scalars, m: 4, n: 2, k: 6, ta: false, tb: false)
            #expect(maxDifference(Array(d.scalars[item * 8..<(item + 1) * 8]), expectedShared) < 1e-5)
        }
    }

    @Test func linearWithBiasAndFusedGELU() {
        var random = SeededValues(seed: 3)
        let x = random.tensor([2, 3, 5]), w = random.tensor([4, 5]), b = random.tensor([4])
        let y = Tensor.linear(x, weight: w, bias: b, activation: .gelu)
        #expect(y.shape == [2, 3, 4])
        var expected: [Float] = []
        for row in 0..<6 {
            for o in 0..<4 {
                var v = b.scalars[o]
                for i in 0..<5 { v += x.scalars[row * 5 + i] * w.scalars[o * 5 + i] }
                expected.append(0.5 * v * (1 + erf(v / Float(2).squareRoot())))
            }
        }
        #expect(maxDifference(y.scalars, expected) < 1e-5)
    }
}

@Suite struct ActivationTests {
    @Test func geluMatchesErfDefinition() {
        let xs = stride(from: Float(-9), through: 9, by: 0.01).map { $0 }
        let y = Tensor(shape: [xs.count], values: xs).applying(.gelu)
        let expected = xs.map { x in Float(0.5 * Double(x) * (1 + erf(Double(x) / 2.0.squareRoot()))) }
        #expect(maxDifference(y.scalars, expected) < 2e-6)
    }

    @Test func elementwiseActivations() {
        let xs: [Float] = [-3, -0.5, 0, 0.25, 2]
        let t = Tensor(shape: [5], values: xs)
        #expect(maxDifference(t.applying(.relu).scalars, xs.map { max($0, 0) }) == 0)
        #expect(maxDifference(t.applying(.leakyReLU(slope: 0.2)).scalars, xs.map { $0 >= 0 ? $0 : 0.2 * $0 }) < 1e-7)
        #expect(maxDifference(t.applying(.sigmoid).scalars, xs.map { 1 / (1 + exp(-$0)) }) < 1e-7)
        #expect(maxDifference(t.applying(.silu).scalars, xs.map { $0 / (1 + exp(-$0)) }) < 1e-7)
    }

    @Test func softmaxIsStableAndNormalised() {
        let t = Tensor(shape: [2, 3], values: [1000, 1001, 1002, -1, 0, 1])
        let s = t.softmax().scalars
        let e = [exp(-2.0), exp(-1.0), 1].map { Float($0 / (exp(-2.0) + exp(-1.0) + 1)) }
        #expect(maxDifference(Array(s[0..<3]), e) < 1e-6)
        #expect(maxDifference(Array(s[3..<6]), e) < 1e-6)
    }
}

@Suite struct ConvolutionTests {
    /// Direct N-d convolution with 3-D loops (missing axes have extent 1).
    func naive(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride s: [Int], padding p: [Int], dilation d: [Int]) -> [Float] {
        let dims = x.rank - 2
        let inS = [Int](repeating: 1, count: 3 - dims) + Array(x.shape[2...])
        let k = [Int](repeating: 1, count: 3 - dims) + Array(w.shape[2...])
        let s3 = [Int](repeating: 1, count: 3 - dims) + s, p3 = [Int](repeating: 0, count: 3 - dims) + p, d3 = [Int](repeating: 1, count: 3 - dims) + d
        var outS: [Int] = []
        for axis in 0..<3 {
            let span: Int = d3[axis] * (k[axis] - 1) + 1
            outS.append((inS[axis] + 2 * p3[axis] - span) / s3[axis] + 1)
        }
        let (n, c, o) = (x.shape[0], x.shape[1], w.shape[0])
        var out: [Float] = []
        for bi in 0..<n { for oc in 0..<o { for z in 0..<outS[0] { for y in 0..<outS[1] { for xx in 0..<outS[2] {
            var v = b?.scalars[oc] ?? 0
            for ic in 0..<c { for kz in 0..<k[0] { for ky in 0..<k[1] { for kx in 0..<k[2] {
                let iz = z * s3[0] - p3[0] + kz * d3[0], iy = y * s3[1] - p3[1] + ky * d3[1], ix = xx * s3[2] - p3[2] + kx * d3[2]
                guard iz >= 0, iz < inS[0], iy >= 0, iy < inS[1], ix >= 0, ix < inS[2] else { continue }
                v += x.scalars[(((bi * c + ic) * inS[0] + iz) * inS[1] + iy) * inS[2] + ix] * w.scalars[(((oc * c + ic) * k[0] + kz) * k[1] + ky) * k[2] + kx]
            } } } }
            out.append(v)
        } } } } }
        return out
    }

    @Test func conv1d() {
        var random = SeededValues(seed: 4)
        let x = random.tensor([2, 3, 11]), w = random.tensor([4, 3, 3]), b = random.tensor([4])
        let y = Tensor.conv1d(x, weight: w, bias: b, stride: 2, padding: 1, dilation: 2)
        #expect(y.shape == [2, 4, 5])
        #expect(maxDifference(y.scalars, naive(x, w, b, stride: [2], padding: [1], dilation: [2])) < 1e-5)
    }

    @Test func conv2dWithStridePaddingDilation() {
        var random = SeededValues(seed: 5)
        let x = random.tensor([1, 2, 7, 6]), w = random.tensor([3, 2, 3, 2]), b = random.tensor([3])
        let y = Tensor.conv2d(x, weight: w, bias: b, stride: [2, 1], padding: [1, 2], dilation: [1, 2])
        #expect(maxDifference(y.scalars, naive(x, w, b, stride: [2, 1], padding: [1, 2], dilation: [1, 2])) < 1e-5)
        let patches = Tensor.conv2d(x, weight: random.tensor([4, 2, 2, 2]), stride: [2])
        #expect(patches.shape == [1, 4, 3, 3])
    }

    @Test func conv3d() {
        var random = SeededValues(seed: 6)
        let x = random.tensor([1, 2, 4, 5, 5]), w = random.tensor([2, 2, 2, 3, 3])
        let y = Tensor.conv3d(x, weight: w, stride: [1, 2, 2], padding: [1])
        #expect(maxDifference(y.scalars, naive(x, w, nil, stride: [1, 2, 2], padding: [1, 1, 1], dilation: [1, 1, 1])) < 1e-5)
    }

    @Test func transposedConvolutionMatchesScatter() {
        var random = SeededValues(seed: 7)
        let x = random.tensor([1, 2, 3, 4]), w = random.tensor([2, 3, 4, 4]), b = random.tensor([3])
        let y = Tensor.convTranspose2d(x, weight: w, bias: b, stride: [2], padding: [1])
        let (oh, ow) = (6, 8)
        #expect(y.shape == [1, 3, oh, ow])
        var expected = [Float](repeating: 0, count: 3 * oh * ow)
        for oc in 0..<3 { for i in 0..<(oh * ow) { expected[oc * oh * ow + i] = b.scalars[oc] } }
        for ic in 0..<2 { for iy in 0..<3 { for ix in 0..<4 { for oc in 0..<3 { for ky in 0..<4 { for kx in 0..<4 {
            let oy = iy * 2 - 1 + ky, ox = ix * 2 - 1 + kx
            guard oy >= 0, oy < oh, ox >= 0, ox < ow else { continue }
            expected[(oc * oh + oy) * ow + ox] += x.scalars[(ic * 3 + iy) * 4 + ix] * w.scalars[((ic * 3 + oc) * 4 + ky) * 4 + kx]
        } } } } } }
        #expect(maxDifference(y.scalars, expected) < 1e-5)
    }
}

@Suite struct NormalizationTests {
    @Test func layerNorm() {
        var random = SeededValues(seed: 8)
        let x = random.tensor([3, 6], scale: 3), g = random.tensor([6]), b = random.tensor([6])
        let y = x.layerNorm(weight: g, bias: b, eps: 1e-6)
        for r in 0..<3 {
            let row = Array(x.scalars[r * 6..<(r + 1) * 6])
            let mean = row.reduce(0, +) / 6
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 6
            let expected = (0..<6).map { (row[$0] - mean) / (variance + 1e-6).squareRoot() * g.scalars[$0] + b.scalars[$0] }
            #expect(maxDifference(Array(y.scalars[r * 6..<(r + 1) * 6]), expected) < 1e-5)
        }
    }

    @Test func groupNorm() {
        var random = SeededValues(seed: 9)
        let x = random.tensor([2, 4, 3]), g = random.tensor([4]), b = random.tensor([4])
        let y = x.groupNorm(groups: 2, weight: g, bias: b, eps: 1e-5)
        for n in 0..<2 { for group in 0..<2 {
            let start = (n * 4 + group * 2) * 3
            let values = Array(x.scalars[start..<start + 6])
            let mean = values.reduce(0, +) / 6
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 6
            for i in 0..<6 {
                let channel = group * 2 + i / 3
                let expected = (values[i] - mean) / (variance + 1e-5).squareRoot() * g.scalars[channel] + b.scalars[channel]
                #expect(abs(y.scalars[start + i] - expected) < 1e-5)
            }
        } }
    }

    @Test func batchNormFoldsIntoConvolution() {
        var random = SeededValues(seed: 10)
        let x = random.tensor([1, 2, 5, 5]), w = random.tensor([3, 2, 3, 3]), b = random.tensor([3])
        let mean = random.tensor([3]), variance = Tensor(shape: [3], values: [0.5, 1.5, 2]), gamma = random.tensor([3]), beta = random.tensor([3])
        let reference = Tensor.conv2d(x, weight: w, bias: b, padding: [1]).batchNorm(mean: mean, variance: variance, weight: gamma, bias: beta, eps: 1e-5)
        let direct = Tensor.conv2d(x, weight: w, bias: b, padding: [1])
        let spatial = 25
        var expected: [Float] = []
        for c in 0..<3 { for i in 0..<spatial {
            expected.append((direct.scalars[c * spatial + i] - mean.scalars[c]) / (variance.scalars[c] + 1e-5).squareRoot() * gamma.scalars[c] + beta.scalars[c])
        } }
        #expect(maxDifference(reference.scalars, expected) < 1e-5)
        let folded = BatchNormFolding.fold(weight: w, bias: b, mean: mean, variance: variance, gamma: gamma, beta: beta, eps: 1e-5)
        #expect(maxDifference(Tensor.conv2d(x, weight: folded.weight, bias: folded.bias, padding: [1]).scalars, expected) < 1e-4)
    }
}

@Suite struct AttentionTests {
    func naive(q: Tensor, k: Tensor, v: Tensor, heads: Int, causal: Bool) -> [Float] {
        let (batch, lq, width, lk) = (q.shape[0], q.shape[1], q.shape[2], k.shape[1])
        let d = width / heads
        var out = [Float](repeating: 0, count: batch * lq * width)
        for b in 0..<batch { for h in 0..<heads { for i in 0..<lq {
            var scores = (0..<lk).map { j -> Float in
                var dot: Float = 0
                for c in 0..<d { dot += q.scalars[(b * lq + i) * width + h * d + c] * k.scalars[(b * lk + j) * width + h * d + c] }
                return causal && j > i + lk - lq ? -.infinity : dot / Float(d).squareRoot()
            }
            let m = scores.max()!
            scores = scores.map { exp($0 - m) }
            let sum = scores.reduce(0, +)
            for j in 0..<lk { for c in 0..<d { out[(b * lq + i) * width + h * d + c] += scores[j] / sum * v.scalars[(b * lk + j) * width + h * d + c] } }
        } } }
        return out
    }

    @Test(arguments: [false, true])
    func separateProjections(causal: Bool) {
        var random = SeededValues(seed: 11)
        // Long enough that the per-head GEMM path is taken as well as the small loop path.
        for (lq, lk, width) in [(3, 5, 8), (40, 48, 128)] {  // 40·48·32 ≥ 32768: the GEMM path
            let q = random.tensor([2, lq, width]), k = random.tensor([2, lk, width]), v = random.tensor([2, lk, width])
            let y = Attention.multiHead(query: q, key: k, value: v, heads: 4, causal: causal)
            #expect(maxDifference(y.scalars, naive(q: q, k: k, v: v, heads: 4, causal: causal)) < 1e-5)
        }
    }

    @Test func fusedQKVMatchesSeparate() {
        var random = SeededValues(seed: 12)
        let qkv = random.tensor([2, 6, 24])
        let q = qkv.slice(axis: 2, 0..<8), k = qkv.slice(axis: 2, 8..<16), v = qkv.slice(axis: 2, 16..<24)
        let fused = Attention.multiHead(fusedQKV: qkv, heads: 2)
        #expect(maxDifference(fused.scalars, naive(q: q, k: k, v: v, heads: 2, causal: false)) < 1e-5)
    }

    @Test func kvCacheStepsEqualFullCausalAttention() {
        var random = SeededValues(seed: 13)
        let q = random.tensor([1, 5, 8]), k = random.tensor([1, 5, 8]), v = random.tensor([1, 5, 8])
        let full = Attention.multiHead(query: q, key: k, value: v, heads: 2, causal: true)
        var cache = KVCache(batch: 1, width: 8)
        var steps: [Tensor] = []
        steps.append(Attention.multiHead(query: q.slice(axis: 1, 0..<2), newKey: k.slice(axis: 1, 0..<2), newValue: v.slice(axis: 1, 0..<2), cache: &cache, heads: 2))
        for t in 2..<5 {
            steps.append(Attention.multiHead(query: q.slice(axis: 1, t..<t + 1), newKey: k.slice(axis: 1, t..<t + 1), newValue: v.slice(axis: 1, t..<t + 1), cache: &cache, heads: 2))
        }
        #expect(cache.length == 5)
        #expect(maxDifference(Tensor.concatenate(steps, axis: 1).scalars, full.scalars) < 1e-6)
    }
}

@Suite struct ResamplingTests {
    @Test func pooling() {
        let x = Tensor(shape: [1, 1, 4, 4], values: (0..<16).map(Float.init))
        #expect(x.pool2d(.max, kernel: [2]).scalars == [5, 7, 13, 15])
        #expect(x.pool2d(.average, kernel: [2]).scalars == [2.5, 4.5, 10.5, 12.5])
        // Padding counts as zeros in the average (PyTorch count_include_pad=True).
        #expect(x.pool2d(.average, kernel: [3], stride: [2], padding: [1]).scalars[0] == Float(0 + 1 + 4 + 5) / 9)
        #expect(x.pool2d(.max, kernel: [3], stride: [2], padding: [1]).scalars == [5, 7, 13, 15])
    }

    @Test func interpolationMatchesPyTorchValues() {
        let x = Tensor(shape: [1, 1, 2, 2], values: [1, 2, 3, 4])
        // torch.nn.functional.interpolate(x, size=(4, 4), mode="bilinear", align_corners=False)[0, 0, 0]
        let plain = x.interpolated(size: [4, 4], mode: .linear(alignCorners: false))
        #expect(maxDifference(Array(plain.scalars[0..<4]), [1, 1.25, 1.75, 2]) < 1e-6)
        #expect(maxDifference(Array(plain.scalars[4..<8]), [1.5, 1.75, 2.25, 2.5]) < 1e-6)
        let aligned = x.interpolated(size: [3, 3], mode: .linear(alignCorners: true))
        #expect(maxDifference(aligned.scalars, [1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4]) < 1e-6)
        // nearest 2 → 3 takes floor(i · 2/3) = 0, 0, 1; 3 → 2 takes 0, 1.
        let line = Tensor(shape: [1, 1, 2], values: [7, 9])
        #expect(line.interpolated(size: [3], mode: .nearest).scalars == [7, 7, 9])
        #expect(Tensor(shape: [1, 1, 3], values: [1, 2, 3]).interpolated(size: [2], mode: .nearest).scalars == [1, 2])
        #expect(x.interpolated(size: [3, 3], mode: .nearest).scalars == [1, 1, 2, 1, 1, 2, 3, 3, 4])
    }
}

@Suite struct LayoutTests {
    @Test func permuteSliceConcatenate() {
        let x = Tensor(shape: [2, 3, 4], values: (0..<24).map(Float.init))
        let p = x.permuted([2, 0, 1])
        #expect(p.shape == [4, 2, 3])
        #expect(p[3, 1, 2] == x[1, 2, 3])
        let s = x.slice(axis: 1, 1..<3)
        #expect(s.shape == [2, 2, 4] && s[1, 0, 2] == x[1, 1, 2])
        let c = Tensor.concatenate([x.slice(axis: 1, 0..<1), s], axis: 1)
        #expect(c == x)
        #expect(x.reshaped([6, -1]).shape == [6, 4])
    }

    @Test func parallelForCoversEveryIndexOnce() {
        var hits = [Int](repeating: 0, count: 1000)
        ComputeContext(threads: 2).run {
            hits.withUnsafeMutableBufferPointer { buffer in
                let base = buffer.baseAddress!
                ComputeThreads.parallelFor(1000) { range in for i in range { base[i] += 1 } }
            }
            #expect(ComputeThreads.count == 2)
        }
        #expect(hits.allSatisfy { $0 == 1 })
    }
}

@Suite struct LinearFusionTests {
    @Test func residualAndBiasAreAdded() {
        var random = SeededValues(seed: 14)
        let x = random.tensor([4, 3]), w = random.tensor([5, 3]), b = random.tensor([5]), r = random.tensor([4, 5])
        let fused = Tensor.linear(x, weight: w, bias: b, residual: r)
        let plain = Tensor.linear(x, weight: w, bias: b) + r
        #expect(maxDifference(fused.scalars, plain.scalars) < 1e-6)
        let noBias = Tensor.linear(x, weight: w, residual: r)
        #expect(maxDifference(noBias.scalars, (Tensor.matmul(x, w, transposeB: true) + r).scalars) < 1e-6)
    }
}

@Suite struct VectorMathTests {
    @Test func fastExpIsAccurate() {
        var worst: Double = 0
        for x in stride(from: Float(-87), through: 88, by: 0.037) {
            let ours = Double(VectorMath.exp(x)), reference = exp(Double(x))
            worst = max(worst, abs(ours - reference) / reference)
        }
        #expect(worst < 5e-7)
        #expect(VectorMath.exp(0) == 1)
    }

    @Test func fastErfIsAccurate() {
        let worst = stride(from: Float(-6), through: 6, by: 0.001).map { abs(Double(Activation.erf($0)) - erf(Double($0))) }.max()!
        #expect(worst < 1e-6)
    }
}

@Suite struct GEMMThreadingTests {
    /// Row (and column) bands give one call's result to rounding, and the same bits whichever number of
    /// threads runs them: the bands follow the partitions, not the width.
    @Test func rowBandsMatchOneCall() {
        var random = SeededValues(seed: 15)
        let x = random.tensor([150, 40]), w = random.tensor([30, 40]), b = random.tensor([30])
        let xt = random.tensor([40, 150])
        func compute() -> (Tensor, Tensor) {
            (Tensor.linear(x, weight: w, bias: b), Tensor.matmul(xt, w, transposeA: true, transposeB: true))
        }
        let (whole, wholeT) = ComputeContext(threads: 1, partitions: 1).run(compute)
        let (banded, bandedT) = ComputeContext(threads: 2, partitions: 2).run(compute)
        let (bandedAlone, bandedAloneT) = ComputeContext(threads: 1, partitions: 2).run(compute)
        #expect(maxDifference(whole.scalars, banded.scalars) < 1e-5)
        #expect(maxDifference(wholeT.scalars, bandedT.scalars) < 1e-5)
        #expect(banded.scalars == bandedAlone.scalars && bandedT.scalars == bandedAloneT.scalars)
    }
}
