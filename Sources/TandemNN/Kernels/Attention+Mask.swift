import TandemBLAS

extension Attention {
    /// Attention with a mask: [B, Lq, D] queries, [B, Lk, D] keys and values, heads side by side.
    /// - Returns: [B, Lq, D], before any output projection.
    public static func multiHead(query: Tensor, key: Tensor, value: Tensor, heads: Int, scale: Float? = nil, mask: AttentionMask?) -> Tensor {
        switch mask {
        case nil:
            return multiHead(query: query, key: key, value: value, heads: heads, scale: scale)
        case .causal:
            return multiHead(query: query, key: key, value: value, heads: heads, scale: scale, causal: true)
        case .keyLengths(let lengths):
            return multiHead(query: query, key: key, value: value, heads: heads, scale: scale, keyLengths: lengths)
        case .additive(let bias):
            return multiHead(query: query, key: key, value: value, heads: heads, scale: scale, additive: bias)
        }
    }

    /// Each batch item attends to its own first `keyLengths[b]` keys: the shared kernel on a shorter key range.
    static func multiHead(query: Tensor, key: Tensor, value: Tensor, heads: Int, scale: Float?, keyLengths: [Int]) -> Tensor {
        precondition(query.rank == 3 && key.rank == 3 && value.shape == key.shape && query.shape[0] == key.shape[0] && query.shape[2] == key.shape[2],
                     "attention shapes \(query.shape), \(key.shape), \(value.shape)")
        let (batch, lq, width) = (query.shape[0], query.shape[1], query.shape[2])
        let lk = key.shape[1]
        precondition(keyLengths.count == batch && keyLengths.allSatisfy { $0 >= 1 && $0 <= lk },
                     "key lengths \(keyLengths) for \(batch) sequences of \(lk) keys")
        return query.withUnsafeBufferPointer { q in
            key.withUnsafeBufferPointer { k in
                value.withUnsafeBufferPointer { v in
                    Tensor(shape: [batch, lq, width]) { out in
                        for b in 0..<batch {
                            attend(query: q.baseAddress! + b * lq * width, key: k.baseAddress! + b * lk * width,
                                   value: v.baseAddress! + b * lk * width,
                                   queryRow: width, keyRow: width, queryBatch: lq * width, keyBatch: lk * width,
                                   batch: 1, queryLength: lq, keyLength: keyLengths[b], width: width, heads: heads,
                                   scale: scale, causal: false, output: out.baseAddress! + b * lq * width)
                        }
                    }
                }
            }
        }
    }

    /// softmax(q·kᵀ·scale + mask)·v per (batch, head), with GEMMs for the two products.
    static func multiHead(query: Tensor, key: Tensor, value: Tensor, heads: Int, scale: Float?, additive mask: Tensor) -> Tensor {
        precondition(query.rank == 3 && key.rank == 3 && value.shape == key.shape && query.shape[0] == key.shape[0] && query.shape[2] == key.shape[2],
                     "attention shapes \(query.shape), \(key.shape), \(value.shape)")
        let (batch, lq, width) = (query.shape[0], query.shape[1], query.shape[2])
        let lk = key.shape[1]
        precondition(heads > 0 && width % heads == 0, "\(width) features in \(heads) heads")
        precondition(mask.rank == 3 && (mask.shape[0] == 1 || mask.shape[0] == batch) && (mask.shape[1] == 1 || mask.shape[1] == lq)
                     && mask.shape[2] == lk, "mask \(mask.shape) for attention of \(lq) queries on \(lk) keys in \(batch) sequences")
        let headDim = width / heads
        let alpha = scale ?? 1 / Float(headDim).squareRoot()
        let maskBatch = mask.shape[0] == 1 ? 0 : mask.shape[1] * lk
        let maskRow = mask.shape[1] == 1 ? 0 : lk
        return query.withUnsafeBufferPointer { q in
            key.withUnsafeBufferPointer { k in
                value.withUnsafeBufferPointer { v in
                    mask.withUnsafeBufferPointer { m in
                        Tensor(shape: [batch, lq, width]) { out in
                            let qs = q.baseAddress!, ks = k.baseAddress!, vs = v.baseAddress!, ms = m.baseAddress!, os = out.baseAddress!
                            ComputeThreads.withSingleThreadedBLAS {
                                ComputeThreads.parallelFor(batch * heads) { range in
                                    var scores = [Float](repeating: 0, count: lq * lk)
                                    scores.withUnsafeMutableBufferPointer { buffer in
                                        let s = buffer.baseAddress!
                                        for item in range {
                                            let b = item / heads, h = item % heads
                                            BLAS.sgemm(transposeA: false, transposeB: true, m: lq, n: lk, k: headDim, alpha: alpha,
                                                       a: qs + b * lq * width + h * headDim, lda: width,
                                                       b: ks + b * lk * width + h * headDim, ldb: width, c: s, ldc: lk)
                                            for i in 0..<lq {
                                                let row = s + i * lk, bias = ms + b * maskBatch + i * maskRow
                                                var maximum = -Float.infinity
                                                for j in 0..<lk {
                                                    row[j] += bias[j]
                                                    maximum = Swift.max(maximum, row[j])
                                                }
                                                var sum: Float = 0
                                                for j in 0..<lk {
                                                    let e = maximum == -Float.infinity ? 0 : VectorMath.exp(row[j] - maximum)
                                                    row[j] = e
                                                    sum += e
                                                }
                                                let inverse = sum > 0 ? 1 / sum : 0
                                                for j in 0..<lk { row[j] *= inverse }
                                            }
                                            BLAS.sgemm(transposeA: false, transposeB: false, m: lq, n: headDim, k: lk,
                                                       a: s, lda: lk, b: vs + b * lk * width + h * headDim, ldb: width,
                                                       c: os + b * lq * width + h * headDim, ldc: width)
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
