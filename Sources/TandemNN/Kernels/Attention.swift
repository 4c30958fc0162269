import TandemBLAS
import CTandemKernels

/// Multi-head scaled dot-product attention over token-major tensors.
///
/// Queries, keys and values are [B, L, D] with the heads side by side in the last axis (head h
/// owns columns h·d ..< (h+1)·d, as PyTorch's `reshape(B, L, H, d)`), so a fused QKV projection
/// is attended in place: every head's Q, K and V are strided views into it and each head's
/// output is written straight into its columns of the result. No head is transposed or copied.
public enum Attention {
    /// Attention with separate query, key and value tensors.
    /// - Parameters:
    ///   - query: [B, Lq, D].
    ///   - key: [B, Lk, D].
    ///   - value: [B, Lk, D].
    ///   - heads: number of heads; D must divide evenly.
    ///   - scale: multiplies the logits; nil means `1/sqrt(D/heads)`.
    ///   - causal: query i (at absolute position Lk − Lq + i) sees keys 0...Lk − Lq + i.
    /// - Returns: [B, Lq, D], the heads' outputs side by side (before any output projection).
    public static func multiHead(query: Tensor, key: Tensor, value: Tensor, heads: Int, scale: Float? = nil, causal: Bool = false) -> Tensor {
        precondition(query.rank == 3 && key.rank == 3 && value.shape == key.shape && query.shape[0] == key.shape[0] && query.shape[2] == key.shape[2],
                     "attention shapes \(query.shape), \(key.shape), \(value.shape)")
        let (batch, lq, width) = (query.shape[0], query.shape[1], query.shape[2])
        let lk = key.shape[1]
        return query.withUnsafeBufferPointer { q in
            key.withUnsafeBufferPointer { k in
                value.withUnsafeBufferPointer { v in
                    Tensor(shape: [batch, lq, width]) { out in
                        attend(query: q.baseAddress!, key: k.baseAddress!, value: v.baseAddress!,
                               queryRow: width, keyRow: width, queryBatch: lq * width, keyBatch: lk * width,
                               batch: batch, queryLength: lq, keyLength: lk, width: width, heads: heads,
                               scale: scale, causal: causal, output: out.baseAddress!)
                    }
                }
            }
        }
    }

    /// Self-attention on a fused projection [B, L, 3D] laid out [q | k | v] along the last axis.
    public static func multiHead(fusedQKV qkv: Tensor, heads: Int, scale: Float? = nil, causal: Bool = false) -> Tensor {
        precondition(qkv.rank == 3 && qkv.shape[2] % 3 == 0, "fused QKV must be [B, L, 3D], got \(qkv.shape)")
        let (batch, length, width) = (qkv.shape[0], qkv.shape[1], qkv.shape[2] / 3)
        return qkv.withUnsafeBufferPointer { x in
            Tensor(shape: [batch, length, width]) { out in
                let base = x.baseAddress!
                attend(query: base, key: base + width, value: base + 2 * width,
                       queryRow: 3 * width, keyRow: 3 * width, queryBatch: length * 3 * width, keyBatch: length * 3 * width,
                       batch: batch, queryLength: length, keyLength: length, width: width, heads: heads,
                       scale: scale, causal: causal, output: out.baseAddress!)
            }
        }
    }

    /// Attention for one decoding step (or a chunk) against a growing cache: the new keys and
    /// values are appended first, then the queries attend to everything cached (causally).
    public static func multiHead(query: Tensor, newKey: Tensor, newValue: Tensor, cache: inout KVCache, heads: Int, scale: Float? = nil) -> Tensor {
        cache.append(keys: newKey, values: newValue)
        return multiHead(query: query, cache: cache, heads: heads, scale: scale)
    }

    /// The queries [B, Lq, D] attending causally to everything in `cache` (whose last Lq
    /// positions are the queries' own), read in place from the cache's storage.
    public static func multiHead(query: Tensor, cache: KVCache, heads: Int, scale: Float? = nil) -> Tensor {
        precondition(query.rank == 3 && query.shape[0] == cache.batch && query.shape[2] == cache.width && query.shape[1] <= cache.length,
                     "attention of \(query.shape) on a cache of \(cache.batch) × \(cache.length) × \(cache.width)")
        let (batch, lq, width) = (query.shape[0], query.shape[1], query.shape[2])
        return query.withUnsafeBufferPointer { q in
            cache.withUnsafeStorage { k, v, capacity in
                Tensor(shape: [batch, lq, width]) { out in
                    attend(query: q.baseAddress!, key: k, value: v,
                           queryRow: width, keyRow: width, queryBatch: lq * width, keyBatch: capacity * width,
                           batch: batch, queryLength: lq, keyLength: cache.length, width: width, heads: heads,
                           scale: scale, causal: true, output: out.baseAddress!)
                }
            }
        }
    }

    /// The shared kernel on raw pointers. Rows are `queryRow`/`keyRow` floats apart (so Q, K and
    /// V may interleave in a fused buffer); the output is dense [batch, queryLength, width].
    ///
    /// Work items are (batch, head, block of query rows); they run in parallel with OpenBLAS held
    /// to one thread. A block's scores (`queryBlock` × Lk) stay in the L2 cache between the two
    /// products and the softmax, where one head's full Lq × Lk scores (9 MB for Whisper's 1500
    /// positions) would go to memory and back three times. The products are GEMMs on strided views
    /// when they are big enough to pay for a BLAS call, and plain loops for short sequences.
    static func attend(
        query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
        queryRow: Int, keyRow: Int, queryBatch: Int, keyBatch: Int,
        batch: Int, queryLength lq: Int, keyLength lk: Int, width: Int, heads: Int,
        scale: Float?, causal: Bool, output: UnsafeMutablePointer<Float>
    ) {
        precondition(heads > 0 && width % heads == 0, "\(width) features in \(heads) heads")
        let headDim = width / heads
        let alpha = scale ?? 1 / Float(headDim).squareRoot()
        // About 512 KB of scores per block.
        let queryBlock = max(16, min(lq, 131_072 / max(lk, 1)))
        let blocks = (lq + queryBlock - 1) / queryBlock
        let items = batch * heads * blocks
        let offset = lk - lq
        ComputeThreads.withSingleThreadedBLAS {
            ComputeThreads.parallelFor(items) { range in
                var scores = [Float](repeating: 0, count: min(queryBlock, lq) * lk)
                scores.withUnsafeMutableBufferPointer { scoreBuffer in
                    let s = scoreBuffer.baseAddress!
                    for item in range {
                        let pair = item / blocks, block = item % blocks
                        let b = pair / heads, h = pair % heads
                        let first = block * queryBlock
                        let rows = min(queryBlock, lq - first)
                        let q = query + b * queryBatch + first * queryRow + h * headDim
                        let k = key + b * keyBatch + h * headDim
                        let v = value + b * keyBatch + h * headDim
                        let o = output + (b * lq + first) * width + h * headDim
                        guard rows * lk * headDim >= 32_768 else {
                            // Short sequences: dot products and sums in registers, no GEMM call.
                            tandem_attention_head(q, queryRow, k, v, keyRow, rows, lk, headDim, alpha,
                                                  causal ? offset + first : -1, s, o, width)
                            continue
                        }
                        BLAS.sgemm(transposeA: false, transposeB: true, m: rows, n: lk, k: headDim, alpha: alpha,
                                   a: q, lda: queryRow, b: k, ldb: keyRow, c: s, ldc: lk)
                        // Query row first + i sees keys 0 ... offset + first + i when causal.
                        tandem_softmax_rows(s, rows, lk, lk, causal ? offset + first + 1 : -1)
                        BLAS.sgemm(transposeA: false, transposeB: false, m: rows, n: headDim, k: lk,
                                   a: s, lda: lk, b: v, ldb: keyRow, c: o, ldc: width)
                    }
                }
            }
        }
    }
}
