import CTandemKernels

/// Keys and values that many decoding steps attend to — an encoder's output in cross-attention —
/// packed once, per head, for products with a few query rows.
///
/// A decoder step has one query row per beam. Through a GEMM library each step would repack
/// every head's 1500 × 64 keys before multiplying (OpenBLAS spent more time packing than
/// multiplying in Whisper's decoder). Packed here once per encoding, the keys (as a [Lk, d]
/// "weight") and the transposed values (a [d, Lk] "weight") go through the same streaming kernel
/// as `SmallBatchLinear`: scores = q · Kᵀ, softmax, output = p · V, each operand read once.
///
/// The packed copy is the only one kept (the given tensors are not retained): more query rows than
/// `SmallBatchLinear.maxRows` go through the same kernel that many rows at a time, and `keys(head:)`
/// unpacks one head's keys for callers that need the attention weights themselves.
public struct CrossAttentionMemory: Sendable {
    /// Keys (and values) per head.
    public let length: Int
    /// Features of all heads side by side.
    public let width: Int
    public let heads: Int
    /// Per head: K_h [Lk, d] in blocks of 16 keys.
    private let packedKeys: [Float]
    /// Per head: V_hᵀ [d, Lk] in blocks of 16 features.
    private let packedValues: [Float]

    /// Packs `keys` and `values` ([1, Lk, D], heads side by side in D).
    /// - Complexity: O(Lk · D) time and extra memory.
    public init(keys: Tensor, values: Tensor, heads: Int) {
        precondition(keys.rank == 3 && keys.shape[0] == 1 && values.shape == keys.shape, "memory of \(keys.shape), \(values.shape)")
        precondition(heads > 0 && keys.shape[2] % heads == 0, "\(keys.shape[2]) features in \(heads) heads")
        self.heads = heads
        let (length, width) = (keys.shape[1], keys.shape[2])
        self.length = length
        self.width = width
        let headDim = width / heads
        let block = Int(tandem_linear_block)
        let keyHeadSize = Self.roundUp(length, block) * headDim
        let valueHeadSize = Self.roundUp(headDim, block) * length
        var packedKeys = [Float](repeating: 0, count: heads * keyHeadSize)
        var packedValues = [Float](repeating: 0, count: heads * valueHeadSize)
        var scratch = [Float](repeating: 0, count: length * headDim)
        keys.withUnsafeBufferPointer { k in
            values.withUnsafeBufferPointer { v in
                for h in 0..<heads {
                    // K_h, contiguous [Lk, d].
                    for j in 0..<length {
                        for c in 0..<headDim { scratch[j * headDim + c] = k[j * width + h * headDim + c] }
                    }
                    packedKeys.withUnsafeMutableBufferPointer {
                        tandem_pack_linear_f32(scratch, length, headDim, $0.baseAddress! + h * keyHeadSize)
                    }
                    // V_hᵀ, contiguous [d, Lk].
                    for j in 0..<length {
                        for c in 0..<headDim { scratch[c * length + j] = v[j * width + h * headDim + c] }
                    }
                    packedValues.withUnsafeMutableBufferPointer {
                        tandem_pack_linear_f32(scratch, headDim, length, $0.baseAddress! + h * valueHeadSize)
                    }
                }
            }
        }
        self.packedKeys = packedKeys
        self.packedValues = packedValues
    }

    private static func roundUp(_ n: Int, _ multiple: Int) -> Int { (n + multiple - 1) / multiple * multiple }

    /// Head `head`'s keys, [length, width / heads], unpacked.
    public func keys(head: Int) -> Tensor {
        precondition(head >= 0 && head < heads, "head \(head) of \(heads)")
        let headDim = width / heads, block = Int(tandem_linear_block)
        let base = head * Self.roundUp(length, block) * headDim
        return packedKeys.withUnsafeBufferPointer { packed in
            Tensor(shape: [length, headDim]) { out in
                // Key j, feature c sits at ((j / 16) · d + c) · 16 + j % 16 within the head.
                for j in 0..<length {
                    for c in 0..<headDim { out[j * headDim + c] = packed[base + ((j / block) * headDim + c) * block + j % block] }
                }
            }
        }
    }

    /// softmax(q · K_hᵀ · scale) · V_h for each head, `rows` query rows of `width` floats, into
    /// `output` ([rows, width], heads side by side).
    func attend(_ query: UnsafePointer<Float>, rows: Int, scale: Float, output: UnsafeMutablePointer<Float>) {
        let (length, width) = (self.length, self.width)
        let headDim = width / heads
        let block = Int(tandem_linear_block)
        let keyHeadSize = Self.roundUp(length, block) * headDim
        let valueHeadSize = Self.roundUp(headDim, block) * length
        packedKeys.withUnsafeBufferPointer { packedK in
            packedValues.withUnsafeBufferPointer { packedV in
                ComputeThreads.parallelFor(heads) { range in
                    var q = [Float](repeating: 0, count: rows * headDim)
                    var scores = [Float](repeating: 0, count: rows * length)
                    var out = [Float](repeating: 0, count: rows * headDim)
                    for h in range {
                        for r in 0..<rows {
                            for c in 0..<headDim { q[r * headDim + c] = query[r * width + h * headDim + c] }
                        }
                        scores.withUnsafeMutableBufferPointer { s in
                            tandem_linear_f32(q, rows, headDim, packedK.baseAddress! + h * keyHeadSize, length,
                                              0, (length + block - 1) / block, nil, s.baseAddress!)
                            // The scale after the dot products, as a GEMM's alpha applies it.
                            for i in 0..<s.count { s[i] *= scale }
                            tandem_softmax_rows(s.baseAddress!, rows, length, length, -1)
                        }
                        tandem_linear_f32(scores, rows, length, packedV.baseAddress! + h * valueHeadSize, headDim,
                                          0, (headDim + block - 1) / block, nil, &out)
                        for r in 0..<rows {
                            for c in 0..<headDim { output[r * width + h * headDim + c] = out[r * headDim + c] }
                        }
                    }
                }
            }
        }
    }
}

extension Attention {
    /// Every query row [B, Lq, D] attending to the same memory (no mask): cross-attention of a
    /// decoder's rows to one encoder output.
    ///
    /// The query rows go through the packed memory `SmallBatchLinear.maxRows` rows at a time.
    /// - Returns: [B, Lq, D].
    public static func multiHead(query: Tensor, memory: CrossAttentionMemory, scale: Float? = nil) -> Tensor {
        precondition(query.rank == 3 && query.shape[2] == memory.width, "query \(query.shape) for a memory of width \(memory.width)")
        let rows = query.shape[0] * query.shape[1], width = memory.width
        let alpha = scale ?? 1 / Float(memory.width / memory.heads).squareRoot()
        return query.withUnsafeBufferPointer { q in
            Tensor(shape: query.shape) { out in
                for first in stride(from: 0, to: rows, by: SmallBatchLinear.maxRows) {
                    memory.attend(q.baseAddress! + first * width, rows: min(SmallBatchLinear.maxRows, rows - first), scale: alpha,
                                  output: out.baseAddress! + first * width)
                }
            }
        }
    }
}
