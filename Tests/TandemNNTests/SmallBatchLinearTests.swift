import CTandemKernels
import Foundation
import Testing
@testable import TandemNN

@Suite struct SmallBatchLinearTests {
    /// Weights rounded to fp16, as a checkpoint stored in fp16 gives them.
    private func halfExact(_ tensor: Tensor) -> Tensor {
        Tensor(shape: tensor.shape, values: tensor.scalars.map { Float(Float16($0)) })
    }

    @Test(arguments: [1, 2, 3, 5, 8, 9, 16, 17])
    func matchesTheGEMMLinear(rows: Int) {
        var random = SeededValues(seed: UInt64(20 + rows))
        // 37 outputs: two full blocks of 16 and a partial one.
        let weight = halfExact(random.tensor([37, 24]))
        let bias = random.tensor([37])
        let x = random.tensor([rows, 24])
        let layer = SmallBatchLinear(weight: weight, bias: bias)
        #expect(layer.isHalfPrecision)
        let expected = Tensor.linear(x, weight: weight, bias: bias, activation: .gelu)
        let got = layer(x, activation: .gelu)
        #expect(got.shape == [rows, 37])
        #expect(maxDifference(got.scalars, expected.scalars) < 1e-5)
    }

    @Test func weightsThatAreNotHalfExactStayFloat32() {
        var random = SeededValues(seed: 31)
        let weight = random.tensor([20, 40])
        let x = random.tensor([2, 3, 40])
        let layer = SmallBatchLinear(weight: weight)
        #expect(!layer.isHalfPrecision)
        let got = layer(x)
        #expect(got.shape == [2, 3, 20])
        #expect(maxDifference(got.scalars, Tensor.linear(x, weight: weight).scalars) < 1e-5)
    }

    @Test func halfPackingIsExactForSubnormalsAndExtremes() {
        let values: [Float] = [0, -0.0, 1, -2.5, 65504, -65504, 6.1035156e-05, 5.9604645e-08, -3.0517578e-05, Float(Float16(Float(1) / 3))]
        let weight = Tensor(shape: [values.count, 1], values: values)
        let layer = SmallBatchLinear(weight: weight)
        #expect(layer.isHalfPrecision)
        // x = [1]: the output is the weight column itself (a zero's sign aside: −0 · 1 + 0 is +0).
        let got = layer(Tensor(shape: [1, 1], values: [1])).scalars
        #expect(got == values)
    }

    /// Infinities and values one ulp off fp16 are refused by the packing (the layer keeps fp32).
    @Test func halfPackingRefusesInfinityAndInexactValues() {
        for bad: Float in [.infinity, -.infinity, 1 + Float.ulpOfOne, 65520, 1e-9] {
            var values = [Float](repeating: 0.5, count: 19)
            values[17] = bad
            #expect(!SmallBatchLinear(weight: Tensor(shape: [19, 1], values: values)).isHalfPrecision, "\(bad)")
        }
    }

    /// Every fp16 bit pattern but NaNs widens to what Swift's own conversion gives, from any alignment.
    @Test func halfWideningIsExactForEveryValue() {
        let bits = (0...UInt16.max).filter { !Float16(bitPattern: $0).isNaN }
        let expected = bits.map { Float(Float16(bitPattern: $0)) }
        var bytes = [UInt8](repeating: 0, count: 1 + 2 * bits.count)
        for (i, b) in bits.enumerated() { bytes[1 + 2 * i] = UInt8(b & 0xff); bytes[2 + 2 * i] = UInt8(b >> 8) }
        let got = bytes.withUnsafeBytes { HalfPrecision.widen(littleEndian: $0.baseAddress! + 1, count: bits.count) }
        #expect(got.map { $0.bitPattern } == expected.map { $0.bitPattern })
        #expect(bits.allSatisfy { HalfPrecision.float(fromHalf: $0).bitPattern == Float(Float16(bitPattern: $0)).bitPattern })
    }

    /// The portable, AVX2 and AVX-512 paths (those this CPU has) against the GEMM, fp16 and fp32.
    @Test(arguments: [1, 3, 5, 8, 11])
    func everyInstructionSetAgrees(rows: Int) {
        var random = SeededValues(seed: UInt64(60 + rows))
        let (out, inFeatures) = (21, 40)
        let weight = halfExact(random.tensor([out, inFeatures]))
        let bias = random.tensor([out]), x = random.tensor([rows, inFeatures])
        let expected = Tensor.linear(x, weight: weight, bias: bias).scalars
        let blocks = (out + 15) / 16
        var half = [UInt16](repeating: 0, count: blocks * 16 * inFeatures)
        var single = [Float](repeating: 0, count: blocks * 16 * inFeatures)
        let w = weight.scalars, xs = x.scalars, b = bias.scalars
        #expect(tandem_pack_linear_f16(w, out, inFeatures, &half) == 1)
        tandem_pack_linear_f32(w, out, inFeatures, &single)
        var ran = 0
        for isa: Int32 in 0...2 {
            var y16 = [Float](repeating: .infinity, count: rows * out), y32 = y16
            guard tandem_linear_f16_isa(isa, xs, rows, inFeatures, half, out, 0, blocks, b, &y16) == 1 else { continue }
            #expect(tandem_linear_f32_isa(isa, xs, rows, inFeatures, single, out, 0, blocks, b, &y32) == 1)
            #expect(maxDifference(y16, expected) < 1e-5, "isa \(isa), fp16")
            #expect(maxDifference(y32, expected) < 1e-5, "isa \(isa), fp32")
            ran += 1
        }
        #expect(ran >= 1)  // the portable path always runs
    }

    /// Many rows over a weight of several cache tiles: the GEMM's result, and each row exactly what it
    /// gives alone (the tiling and the row groups change no sum), for fp16 and fp32 packings.
    @Test(arguments: [true, false])
    func manyRowsOverSeveralTilesMatchOneRowAtATime(half: Bool) {
        var random = SeededValues(seed: half ? 70 : 71)
        // 256 inputs: a tile is 32 blocks of 16 outputs in fp16, 16 in fp32; 700 outputs are 44 blocks.
        let (out, inFeatures, rows) = (700, 256, 40)
        let weight = half ? halfExact(random.tensor([out, inFeatures])) : random.tensor([out, inFeatures])
        let bias = random.tensor([out]), x = random.tensor([rows, inFeatures])
        let layer = SmallBatchLinear(weight: weight, bias: bias)
        #expect(layer.isHalfPrecision == half)
        #expect(SmallBatchLinear.tileBytes / (16 * inFeatures * (half ? 2 : 4)) < (out + 15) / 16)
        let got = layer(x, activation: .relu)
        #expect(got.shape == [rows, out])
        #expect(maxDifference(got.scalars, Tensor.linear(x, weight: weight, bias: bias, activation: .relu).scalars) < 1e-4)
        for row in [0, 15, 16, 39] {
            let alone = layer(x.slice(axis: 0, row..<row + 1), activation: .relu)
            #expect(alone.scalars == got.slice(axis: 0, row..<row + 1).scalars, "row \(row)")
        }
    }

    /// The first outputs only: exactly those columns of the full product, including a partial last block.
    @Test(arguments: [0, 1, 16, 333, 700])
    func firstOutputsAreTheFullProductsFirstColumns(count: Int) {
        var random = SeededValues(seed: UInt64(80 + count))
        let weight = halfExact(random.tensor([700, 64])), bias = random.tensor([700]), x = random.tensor([2, 19, 64])
        let layer = SmallBatchLinear(weight: weight, bias: bias)
        let got = layer.firstOutputs(count, of: x)
        #expect(got.shape == [2, 19, count])
        #expect(got.scalars == layer(x).slice(axis: 2, 0..<count).scalars)
    }

    @Test func theKernelNamesItsInstructionSet() {
        #expect(["avx512", "avx2", "portable"].contains(SmallBatchLinear.instructionSet))
    }
}

@Suite struct KVCacheTests {
    @Test func fusedAppendAndBeamReorderKeepEachRowsHistory() {
        var random = SeededValues(seed: 40)
        var cache = KVCache(batch: 1, width: 4, capacity: 2)
        let first = random.tensor([1, 3, 12])  // three positions of one row, [q | k | v]
        cache.append(fusedQKV: first)
        #expect(cache.length == 3 && cache.capacity >= 3)
        #expect(cache.keys.scalars == first.slice(axis: 2, 4..<8).scalars)
        #expect(cache.values.scalars == first.slice(axis: 2, 8..<12).scalars)
        // The one row fans out to three beams, which then swap.
        cache.selectRows([0, 0, 0])
        let step = random.tensor([3, 1, 12])
        cache.append(fusedQKV: step)
        cache.selectRows([2, 0, 2])
        cache.selectRows([1, 0, 2])
        let keys = cache.keys
        #expect(keys.shape == [3, 4, 4])
        let expectedRows = [0, 2, 2]  // row i now holds the history of the original beam expectedRows[i]
        for (i, beam) in expectedRows.enumerated() {
            let history = Tensor.concatenate([first.slice(axis: 2, 4..<8), step.slice(axis: 0, beam..<beam + 1).slice(axis: 2, 4..<8)], axis: 1)
            #expect(keys.slice(axis: 0, i..<i + 1).scalars == history.scalars)
        }
    }

    @Test func attentionOnTheCacheEqualsAttentionOnItsCopy() {
        var random = SeededValues(seed: 41)
        var cache = KVCache(batch: 2, width: 8)
        cache.append(keys: random.tensor([2, 5, 8]), values: random.tensor([2, 5, 8]))
        let q = random.tensor([2, 2, 8])
        let inPlace = Attention.multiHead(query: q, cache: cache, heads: 2)
        let copied = Attention.multiHead(query: q, key: cache.keys, value: cache.values, heads: 2, causal: true)
        #expect(maxDifference(inPlace.scalars, copied.scalars) < 1e-6)
    }
}

@Suite struct VectorReductionsTests {
    @Test func logSumExpMatchesDouble() {
        var random = SeededValues(seed: 50)
        var values = (0..<1003).map { _ in random.next() * 30 }
        values[7] = -.infinity
        let reference = log(values.reduce(0.0) { $0 + exp(Double($1)) })
        #expect(abs(Double(VectorReductions.logSumExp(values)) - reference) < 1e-5)
        #expect(abs(Double(VectorReductions.logSumExp(values[10..<13])) - log(values[10..<13].reduce(0.0) { $0 + exp(Double($1)) })) < 1e-5)
        #expect(VectorReductions.logSumExp([-.infinity, -.infinity]) == -.infinity)
        #expect(VectorReductions.logSumExp([Float]()) == -.infinity)
    }

    @Test func logSumExpOfEachRowMatchesDouble() {
        var random = SeededValues(seed: 51)
        var values = (0..<(3 * 1003)).map { _ in random.next() * 30 }
        values[1003 + 5] = -.infinity
        for i in 2006..<3009 { values[i] = -.infinity }
        let got = Tensor(shape: [3, 1003], values: values).logSumExp()
        #expect(got.shape == [3])
        for row in 0..<2 {
            let reference = log(values[row * 1003..<(row + 1) * 1003].reduce(0.0) { $0 + exp(Double($1)) })
            #expect(abs(Double(got[row]) - reference) < 1e-5, "row \(row)")
        }
        #expect(got[2] == -.infinity)
        // Rows of no values: log 0.
        #expect(Tensor(shape: [2, 0], values: []).logSumExp().scalars == [-.infinity, -.infinity])
    }
}

@Suite struct ParallelMapTests {
    @Test(arguments: [0, 1, 7, 1000])
    func resultsAreInItemOrder(count: Int) {
        let squares = ComputeThreads.parallelMap(count, grain: 3) { [String(repeating: "x", count: $0 % 5), String($0 * $0)] }
        #expect(squares == (0..<count).map { [String(repeating: "x", count: $0 % 5), String($0 * $0)] })
    }
}
