import TandemNN

/// A linear layer for the decoder's few rows (one token per beam): `y = x · Wᵀ + b`.
///
/// With 1–10 rows a GEMM is bound by reading W, and OpenBLAS first copies (packs) all of W into
/// panels on every call, which triples the memory traffic of the 51864 × 384 output projection.
/// This kernel reads each weight row once, straight from the weight tensor, and takes its dot products
/// with up to four input rows at a time (the input rows stay in L1), split over output features across
/// `ComputeThreads`.
enum WhisperSmallBatch {
    /// Rows up to which the kernel beats OpenBLAS.
    static let maxRows = 16

    /// - Parameters:
    ///   - x: [rows, in] (any leading shape whose product is `rows`).
    ///   - weight: [out, in].
    ///   - bias: [out] or nil.
    ///   - activation: applied after the bias.
    /// - Returns: x's leading shape + [out].
    /// - Complexity: O(rows · out · in), reading W once.
    static func linear(_ x: Tensor, weight: Tensor, bias: Tensor?, activation: Activation? = nil) -> Tensor {
        let inFeatures = weight.shape[1], outFeatures = weight.shape[0]
        let rows = x.count / inFeatures
        precondition(x.shape.last == inFeatures, "input \(x.shape) does not end in \(inFeatures)")
        let emptyBias = Tensor(shape: [0], values: [])
        return x.withUnsafeBufferPointer { input in
            weight.withUnsafeBufferPointer { w in
                (bias ?? emptyBias).withUnsafeBufferPointer { b in
                    Tensor(shape: Array(x.shape.dropLast()) + [outFeatures]) { out in
                        let xs = input.baseAddress!, ws = w.baseAddress!, ys = out.baseAddress!
                        let biasBase = bias == nil ? nil : b.baseAddress
                        ComputeThreads.parallelFor(outFeatures, grain: 128) { range in
                            for o in range {
                                let row = ws + o * inFeatures
                                let offset = biasBase?[o] ?? 0
                                var r = 0
                                while r < rows {
                                    let n = min(4, rows - r)
                                    let dots = dot4(row, xs + r * inFeatures, count: inFeatures, rows: n)
                                    for k in 0..<n { ys[(r + k) * outFeatures + o] = dots[k] + offset }
                                    r += n
                                }
                            }
                            if let activation {
                                for r in 0..<rows {
                                    activation.apply(UnsafeMutableBufferPointer(start: ys + r * outFeatures + range.lowerBound, count: range.count))
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Dot products of one weight row with `rows` (≤ 4) consecutive input rows of `count` floats.
    @inline(__always)
    private static func dot4(_ w: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count: Int, rows: Int) -> SIMD4<Float> {
        var a0 = SIMD16<Float>(), a1 = SIMD16<Float>(), a2 = SIMD16<Float>(), a3 = SIMD16<Float>()
        let wr = UnsafeRawPointer(w)
        let x0 = UnsafeRawPointer(x), x1 = UnsafeRawPointer(x + count), x2 = UnsafeRawPointer(x + 2 * count), x3 = UnsafeRawPointer(x + 3 * count)
        var i = 0
        let vectorEnd = count & ~15
        switch rows {
        case 4:
            while i < vectorEnd {
                let wv = wr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
                a0 += wv * x0.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
                a1 += wv * x1.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
                a2 += wv * x2.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
                a3 += wv * x3.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
                i += 16
            }
        case 3:
            while i < vectorEnd {
                let wv = wr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
                a0 += wv * x0.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
                a1 += wv * x1.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
                a2 += wv * x2.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
                i += 16
            }
        case 2:
            while i < vectorEnd {
                let wv = wr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
                a0 += wv * x0.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
                a1 += wv * x1.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
                i += 16
            }
        default:
            while i < vectorEnd {
                let wv = wr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
                a0 += wv * x0.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
                i += 16
            }
        }
        var result = SIMD4<Float>(a0.sum(), a1.sum(), a2.sum(), a3.sum())
        while i < count {
            for k in 0..<rows { result[k] += w[i] * x[k * count + i] }
            i += 1
        }
        return result
    }
}
