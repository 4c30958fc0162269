import CTandemKernels

/// A linear layer `y = x · Wᵀ + b` (weight [out, in], PyTorch's layout) tuned for few input rows:
/// one token per beam in an autoregressive decoder.
///
/// With 1–16 rows the product is bound by reading W, not by arithmetic. A GEMM library first packs
/// W into panels on every call (OpenBLAS takes about twice the time of one read of W for the
/// 51864 × 384 Whisper vocabulary projection at 5 rows), so this layer packs W once, at
/// construction, into blocks of 16 outputs × `in` inputs and streams them with a vector kernel
/// (AVX-512 or AVX2+FMA, chosen at run time; portable C elsewhere) that keeps the rows' 16
/// outputs in registers. Blocks are split over `ComputeThreads`.
///
/// When every weight is exactly representable in fp16 (checkpoints stored in fp16, such as
/// CTranslate2's Whisper models) the packed copy is fp16 and converted to fp32 in registers:
/// the same fp32 weights and fp32 arithmetic, half the bytes to read. Otherwise it is fp32.
///
/// The packed copy is the only one kept: more rows than `maxRows` (a prompt, a whole sequence)
/// run through the same kernel `maxRows` rows at a time over cache-sized tiles of W (W read from
/// memory once), and `weight` or `rows(_:)` unpack on demand.
public struct SmallBatchLinear: Sendable {
    /// [out] or nil.
    public let bias: Tensor?
    public let outFeatures: Int
    public let inFeatures: Int
    private let packed: Packed

    private enum Packed: Sendable {
        case half([UInt16])
        case single([Float])
    }

    /// Rows the kernel multiplies per pass over a tile of the packed weight.
    public static let maxRows = 16

    /// Packs `weight` ([out, in]) once; O(out · in). The caller's tensor is not retained.
    public init(weight: Tensor, bias: Tensor? = nil) {
        precondition(weight.rank == 2, "linear weight must be [out, in], got \(weight.shape)")
        precondition(bias == nil || bias!.count == weight.shape[0], "bias of \(bias!.count) for \(weight.shape[0]) outputs")
        self.bias = bias
        let out = weight.shape[0], inFeatures = weight.shape[1]
        self.outFeatures = out
        self.inFeatures = inFeatures
        let size = (out + Int(tandem_linear_block) - 1) / Int(tandem_linear_block) * Int(tandem_linear_block) * inFeatures
        var half = [UInt16](repeating: 0, count: size)
        let exact = weight.withUnsafeBufferPointer { w in
            half.withUnsafeMutableBufferPointer { tandem_pack_linear_f16(w.baseAddress, out, inFeatures, $0.baseAddress) != 0 }
        }
        if exact || size == 0 {
            packed = .half(half)
        } else {
            half = []
            var single = [Float](repeating: 0, count: size)
            weight.withUnsafeBufferPointer { w in
                single.withUnsafeMutableBufferPointer { tandem_pack_linear_f32(w.baseAddress, out, inFeatures, $0.baseAddress) }
            }
            packed = .single(single)
        }
    }

    /// Whether the packed copy is fp16 (every weight exactly representable).
    public var isHalfPrecision: Bool {
        if case .half = packed { return true }
        return false
    }

    /// The vector instructions the kernel uses on this CPU ("avx512", "avx2" or "portable").
    public static var instructionSet: String { String(cString: tandem_kernels_isa()) }

    /// The fp32 weight [out, in], unpacked (a new tensor each call).
    public var weight: Tensor { rows(Array(0..<outFeatures)) }

    /// Rows `indices` of the weight, [indices.count, in]: an embedding lookup in a table that is
    /// also a tied output projection.
    /// - Complexity: O(indices.count · in).
    public func rows(_ indices: [Int]) -> Tensor {
        let (out, inFeatures) = (outFeatures, self.inFeatures)
        let block = Int(tandem_linear_block)
        return Tensor(shape: [indices.count, inFeatures]) { target in
            for (position, index) in indices.enumerated() {
                precondition(index >= 0 && index < out, "row \(index) outside 0..<\(out)")
                // Weight (o, i) sits at ((o / 16) · in + i) · 16 + o % 16.
                let start = (index / block) * inFeatures * block + index % block
                switch packed {
                case .half(let values):
                    for i in 0..<inFeatures { target[position * inFeatures + i] = Float(Float16(bitPattern: values[start + i * block])) }
                case .single(let values):
                    for i in 0..<inFeatures { target[position * inFeatures + i] = values[start + i * block] }
                }
            }
        }
    }

    /// `x · Wᵀ + b`, then `activation`.
    /// - Parameter x: [..., in].
    /// - Returns: [..., out].
    /// - Complexity: O(rows · out · in), reading the packed W from memory once (see ``firstOutputs(_:of:activation:)``).
    public func callAsFunction(_ x: Tensor, activation: Activation? = nil) -> Tensor {
        firstOutputs(outFeatures, of: x, activation: activation)
    }

    /// The first `count` outputs of `x · Wᵀ + b`, then `activation`: a tied output projection scored over
    /// part of its vocabulary (Whisper's text tokens, below the special ones) computes only those rows of W.
    ///
    /// More rows than ``maxRows`` (a prompt, a whole sequence to align) are taken `maxRows` at a time over
    /// one tile of W (about 256 KB, which stays in the core's L2 cache), then the next tile: W comes from
    /// memory once whatever the row count, where a pass over all of W per group of rows would re-read it
    /// from memory once per group (the 40 MB fp16 Whisper vocabulary 7 times for a 98-token sequence).
    /// Each output is the same sum in the same order as with one group: the results do not depend on tiling.
    /// - Parameters:
    ///   - count: outputs to compute, 0...out.
    ///   - x: [..., in].
    /// - Returns: [..., count].
    /// - Complexity: O(rows · count · in).
    public func firstOutputs(_ count: Int, of x: Tensor, activation: Activation? = nil) -> Tensor {
        precondition(x.shape.last == inFeatures, "input \(x.shape) does not end in \(inFeatures)")
        precondition(count >= 0 && count <= outFeatures, "\(count) outputs of \(outFeatures)")
        let rows = x.count / max(inFeatures, 1)
        let out = count, inFeatures = inFeatures
        let blockSize = Int(tandem_linear_block)
        let blocks = (out + blockSize - 1) / blockSize
        // A chunk of at least 32 K weights pays for handing it to another thread.
        let grain = max(1, 32_768 / max(blockSize * inFeatures, 1))
        let bytesPerWeight = isHalfPrecision ? 2 : 4
        // One group of rows reads W once whatever the tiling: its tile is the whole range.
        let tileBlocks = rows <= Self.maxRows ? max(blocks, 1) : max(1, Self.tileBytes / max(blockSize * inFeatures * bytesPerWeight, 1))
        let empty = Tensor(shape: [0], values: [])
        return x.withUnsafeBufferPointer { input in
            (bias ?? empty).withUnsafeBufferPointer { b in
                Tensor(shape: Array(x.shape.dropLast()) + [out]) { output in
                    guard rows > 0, out > 0 else { return }
                    let biasBase = bias == nil ? nil : b.baseAddress
                    let xs = input.baseAddress!, ys = output.baseAddress!
                    // `kernel(first row, row count, blocks)` writes those rows' outputs of those blocks, `out` apart.
                    func run(_ kernel: (Int, Int, Range<Int>) -> Void) {
                        ComputeThreads.parallelFor(blocks, grain: grain) { range in
                            for tileStart in stride(from: range.lowerBound, to: range.upperBound, by: tileBlocks) {
                                let tile = tileStart..<min(range.upperBound, tileStart + tileBlocks)
                                for first in stride(from: 0, to: rows, by: Self.maxRows) {
                                    let group = min(Self.maxRows, rows - first)
                                    kernel(first, group, tile)
                                    guard let activation else { continue }
                                    let low = tile.lowerBound * blockSize, high = min(out, tile.upperBound * blockSize)
                                    for r in first..<first + group {
                                        activation.apply(UnsafeMutableBufferPointer(start: ys + r * out + low, count: high - low))
                                    }
                                }
                            }
                        }
                    }
                    switch packed {
                    case .half(let weights):
                        weights.withUnsafeBufferPointer { w in
                            run { first, group, tile in
                                tandem_linear_f16(xs + first * inFeatures, group, inFeatures, w.baseAddress, out,
                                                  tile.lowerBound, tile.upperBound, biasBase, ys + first * out)
                            }
                        }
                    case .single(let weights):
                        weights.withUnsafeBufferPointer { w in
                            run { first, group, tile in
                                tandem_linear_f32(xs + first * inFeatures, group, inFeatures, w.baseAddress, out,
                                                  tile.lowerBound, tile.upperBound, biasBase, ys + first * out)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Bytes of packed W multiplied by every row before the next tile: a quarter of a 1 MB L2 cache,
    /// leaving room for the input rows and the outputs.
    static let tileBytes = 262_144
}
