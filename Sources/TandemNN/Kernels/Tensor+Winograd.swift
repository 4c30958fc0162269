import Foundation
import TandemBLAS

/// 3×3 convolutions of stride 1 by Winograd's minimal filtering, F(2×2, 3×3) (Lavin & Gray, 2016).
///
/// A 2×2 block of outputs needs 36 multiplications as a direct (im2col) convolution and 16 in the
/// Winograd domain: the 4×4 input tile and the 3×3 filter are each transformed into 16 values,
/// multiplied point by point (summed over input channels, so each of the 16 points is one GEMM of
/// [O, C] by [C, tiles]), and the 16 products transformed back into the 2×2 outputs. The
/// transforms are additions and halvings only, so F(2×2, 3×3) loses almost no precision: its
/// results differ from im2col's by rounding (about 1e-6 relative), while larger tiles (F(4×4, 3×3))
/// would amplify rounding by an order of magnitude. Diffusion UNets and VAEs spend most of their
/// time in such convolutions, and 2.25× fewer multiplications is most of their cost.
///
/// The tiles are processed in blocks of whole tile rows of one image, each block by one thread from
/// input transform to output: a block's transformed input and products stay in the core's cache,
/// and the threads share nothing but the transformed filters.
extension Tensor {
    /// Whether `convolution` should take the Winograd path for this shape: a 3×3 kernel, unit stride
    /// and dilation, padding of at most 2 on each axis, and enough tiles that the 16 GEMMs (which read
    /// 16/9 as much filter data as im2col's one) are not starved of columns, as at the bottom of a UNet.
    static func winogradApplies(kernel: [Int], stride: [Int], dilation: [Int], padding: [Int], outSize: [Int], batch: Int) -> Bool {
        guard kernel == [1, 3, 3], stride == [1, 1, 1], dilation == [1, 1, 1], padding[0] == 0,
              padding[1] <= 2, padding[2] <= 2 else { return false }
        let tiles = batch * ((outSize[1] + 1) / 2) * ((outSize[2] + 1) / 2)
        return tiles >= winogradMinimumTiles
    }

    /// Below this many tiles im2col's single GEMM over the merged batch is faster (measured with
    /// `tandem-bench conv3x3` on the shapes of AudioLDM's UNet and VAE). `TANDEM_WINOGRAD_MIN_TILES`
    /// overrides it, for benchmarks that compare the two paths.
    static let winogradMinimumTiles = ProcessInfo.processInfo.environment["TANDEM_WINOGRAD_MIN_TILES"].flatMap(Int.init) ?? 128

    /// `out = conv3x3(input, weight)` (or `out += …` when `accumulate`), PyTorch's cross-correlation,
    /// stride 1, zero padding `padding` = (top/bottom, left/right).
    /// - Parameters:
    ///   - input: [batch, channels, height, width].
    ///   - weight: [outputs, channels, 3, 3].
    ///   - out: [batch, outputs, outHeight, outWidth], `outHeight = height + 2·padding.0 − 2`.
    static func winogradConvolution3x3(
        input: UnsafePointer<Float>, batch: Int, channels: Int, height: Int, width: Int, padding: (Int, Int),
        weight: UnsafePointer<Float>, outputs: Int, out: UnsafeMutablePointer<Float>, accumulate: Bool,
        filterCache: WinogradFilterCache? = nil
    ) {
        let outHeight = height + 2 * padding.0 - 2, outWidth = width + 2 * padding.1 - 2
        let tileRows = (outHeight + 1) / 2, tileColumns = (outWidth + 1) / 2
        // Filters transformed once per call: U[ξ][o][c], ξ = 4·row + column of the 4×4 transform, and
        // where Tandem's own GEMM runs, packed once for it rather than once per block.
        let packedCount = BLAS.packedOperandCount(m: outputs, k: channels)
        let transform = { winogradFilters(weight, outputs: outputs, channels: channels, packedCount: packedCount) }
        let filters = filterCache?.filters(outputs: outputs, channels: channels, packedCount: packedCount, transform) ?? transform()
        // A block is whole tile rows of one image, about 128 tiles: its 16 GEMMs each get 128 columns, which
        // pays for packing the filters once per block, and its transformed input and products stay in
        // the core's L2 cache (measured with `tandem-bench conv3x3`: 64 tiles cost 10 % more CPU time,
        // 256 no less than 128).
        let rowsPerBlock = max(1, min(tileRows, 128 / tileColumns))
        let blocksPerImage = (tileRows + rowsPerBlock - 1) / rowsPerBlock
        let maxTiles = rowsPerBlock * tileColumns
        let inPlane = height * width, outPlane = outHeight * outWidth
        filters.withUnsafeBufferPointer { u in
            ComputeThreads.withSingleThreadedBLAS {
                ComputeThreads.parallelFor(batch * blocksPerImage) { blocks in
                    // This thread's buffers: transformed inputs V[ξ][c][t], products M[ξ][o][t], padded input rows.
                    let transformed = UnsafeMutablePointer<Float>.allocate(capacity: 16 * channels * maxTiles)
                    let products = UnsafeMutablePointer<Float>.allocate(capacity: 16 * outputs * maxTiles)
                    let paddedWidth = 2 * tileColumns + 2
                    let rows = UnsafeMutablePointer<Float>.allocate(capacity: 4 * paddedWidth)
                    let zeros = UnsafeMutablePointer<Float>.allocate(capacity: width)
                    zeros.initialize(repeating: 0, count: width)
                    defer { transformed.deallocate(); products.deallocate(); rows.deallocate(); zeros.deallocate() }
                    for block in blocks {
                        let image = block / blocksPerImage
                        let firstRow = (block % blocksPerImage) * rowsPerBlock
                        let rowCount = min(rowsPerBlock, tileRows - firstRow)
                        let tiles = rowCount * tileColumns
                        for c in 0..<channels {
                            transformInputTiles(
                                plane: input + (image * channels + c) * inPlane, height: height, width: width, padding: padding,
                                firstRow: firstRow, rowCount: rowCount, tileColumns: tileColumns, rows: rows, paddedWidth: paddedWidth, zeros: zeros,
                                target: transformed + c * tiles, pointStride: channels * tiles)
                        }
                        for point in 0..<16 {
                            if packedCount > 0 {
                                BLAS.sgemm(packedA: u.baseAddress! + point * packedCount, m: outputs, n: tiles, k: channels,
                                           b: transformed + point * channels * tiles, ldb: tiles,
                                           c: products + point * outputs * tiles, ldc: tiles)
                            } else {
                                BLAS.sgemm(transposeA: false, transposeB: false, m: outputs, n: tiles, k: channels,
                                           a: u.baseAddress! + point * outputs * channels, lda: channels,
                                           b: transformed + point * channels * tiles, ldb: tiles,
                                           c: products + point * outputs * tiles, ldc: tiles)
                            }
                        }
                        for o in 0..<outputs {
                            transformOutputTiles(
                                source: products + o * tiles, pointStride: outputs * tiles,
                                plane: out + (image * outputs + o) * outPlane, outHeight: outHeight, outWidth: outWidth,
                                firstRow: firstRow, rowCount: rowCount, tileColumns: tileColumns, accumulate: accumulate)
                        }
                    }
                }
            }
        }
    }

    /// U = G·g·Gᵀ for every filter, G = [[1, 0, 0], [½, ½, ½], [½, −½, ½], [0, 0, 1]]; laid out [16][O][C]
    /// so each point's filters are one GEMM operand, or, with `packedCount` > 0, as 16 operands of that
    /// many floats packed by `BLAS.pack`.
    private static func winogradFilters(_ weight: UnsafePointer<Float>, outputs: Int, channels: Int, packedCount: Int) -> [Float] {
        let plain = transformedFilters(weight, outputs: outputs, channels: channels)
        guard packedCount > 0 else { return plain }
        return [Float](unsafeUninitializedCapacity: 16 * packedCount) { packed, count in
            plain.withUnsafeBufferPointer { u in
                ComputeThreads.parallelFor(16) { points in
                    for point in points {
                        BLAS.pack(transposeA: false, m: outputs, k: channels, a: u.baseAddress! + point * outputs * channels,
                                  lda: channels, into: packed.baseAddress! + point * packedCount)
                    }
                }
            }
            count = 16 * packedCount
        }
    }

    private static func transformedFilters(_ weight: UnsafePointer<Float>, outputs: Int, channels: Int) -> [Float] {
        let pairs = outputs * channels
        return [Float](unsafeUninitializedCapacity: 16 * pairs) { u, count in
            ComputeThreads.parallelFor(pairs, grain: 4096) { range in
                for pair in range {
                    let g = weight + pair * 9
                    // G·g (4 rows of 3), then each row times Gᵀ (4 values), written to U's 16 planes.
                    let (g0, g1, g2, g3, g4, g5, g6, g7, g8) = (g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8])
                    @inline(__always) func store(row: Int, _ r0: Float, _ r1: Float, _ r2: Float) {
                        u[(4 * row) * pairs + pair] = r0
                        u[(4 * row + 1) * pairs + pair] = 0.5 * (r0 + r1 + r2)
                        u[(4 * row + 2) * pairs + pair] = 0.5 * (r0 - r1 + r2)
                        u[(4 * row + 3) * pairs + pair] = r2
                    }
                    store(row: 0, g0, g1, g2)
                    store(row: 1, 0.5 * (g0 + g3 + g6), 0.5 * (g1 + g4 + g7), 0.5 * (g2 + g5 + g8))
                    store(row: 2, 0.5 * (g0 - g3 + g6), 0.5 * (g1 - g4 + g7), 0.5 * (g2 - g5 + g8))
                    store(row: 3, g6, g7, g8)
                }
            }
            count = 16 * pairs
        }
    }

    /// V = Bᵀ·d·B for the tiles of `rowCount` tile rows of one channel, Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0],
    /// [0, −1, 1, 0], [0, 1, 0, −1]]. Tile (ty, tx) reads input rows 2·ty − pad… + 3 and columns
    /// 2·tx − pad… + 3; point ξ of tile t goes to `target[ξ · pointStride + t]`.
    ///
    /// The vertical half of the transform runs along whole (zero-padded) input rows, the horizontal
    /// half then picks each tile's four columns from them. Rows above or below the input read `zeros`.
    @inline(__always)
    private static func transformInputTiles(
        plane: UnsafePointer<Float>, height: Int, width: Int, padding: (Int, Int), firstRow: Int, rowCount: Int,
        tileColumns: Int, rows: UnsafeMutablePointer<Float>, paddedWidth: Int, zeros: UnsafePointer<Float>, target: UnsafeMutablePointer<Float>, pointStride: Int
    ) {
        let (r0, r1, r2, r3) = (rows, rows + paddedWidth, rows + 2 * paddedWidth, rows + 3 * paddedWidth)
        // Columns outside the input stay zero; only [pad, pad + width) is rewritten per tile row.
        rows.initialize(repeating: 0, count: 4 * paddedWidth)
        let copied = min(width, paddedWidth - padding.1)
        for localRow in 0..<rowCount {
            let top = 2 * (firstRow + localRow) - padding.0
            @inline(__always) func line(_ k: Int) -> UnsafePointer<Float> {
                let y = top + k
                return y >= 0 && y < height ? plane + y * width : zeros
            }
            let (d0, d1, d2, d3) = (line(0), line(1), line(2), line(3))
            for x in 0..<copied {
                let (a, b, c, d) = (d0[x], d1[x], d2[x], d3[x])
                let column = x + padding.1
                r0[column] = a - c
                r1[column] = b + c
                r2[column] = c - b
                r3[column] = b - d
            }
            let base = localRow * tileColumns
            for rowIndex in 0..<4 {
                let row = rows + rowIndex * paddedWidth
                let out0 = target + (4 * rowIndex) * pointStride + base
                let out1 = out0 + pointStride, out2 = out1 + pointStride, out3 = out2 + pointStride
                for tx in 0..<tileColumns {
                    let x = 2 * tx
                    let (a, b, c, d) = (row[x], row[x + 1], row[x + 2], row[x + 3])
                    out0[tx] = a - c
                    out1[tx] = b + c
                    out2[tx] = c - b
                    out3[tx] = b - d
                }
            }
        }
    }

    /// Y = Aᵀ·m·A for one output channel's tiles, Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]]: point ξ of tile t
    /// is `source[ξ · pointStride + t]`; the 2×2 results are written (or added) where they fall inside
    /// the output plane.
    @inline(__always)
    private static func transformOutputTiles(
        source: UnsafePointer<Float>, pointStride: Int, plane: UnsafeMutablePointer<Float>, outHeight: Int, outWidth: Int,
        firstRow: Int, rowCount: Int, tileColumns: Int, accumulate: Bool
    ) {
        for localRow in 0..<rowCount {
            let y = 2 * (firstRow + localRow)
            let base = localRow * tileColumns
            let top = plane + y * outWidth
            let bottom: UnsafeMutablePointer<Float>? = y + 1 < outHeight ? top + outWidth : nil
            for tx in 0..<tileColumns {
                @inline(__always) func m(_ point: Int) -> Float { source[point * pointStride + base + tx] }
                // Aᵀ·m: two rows of four.
                let s0 = m(0) + m(4) + m(8), s1 = m(1) + m(5) + m(9), s2 = m(2) + m(6) + m(10), s3 = m(3) + m(7) + m(11)
                let t0 = m(4) - m(8) - m(12), t1 = m(5) - m(9) - m(13), t2 = m(6) - m(10) - m(14), t3 = m(7) - m(11) - m(15)
                let x = 2 * tx
                let hasRight = x + 1 < outWidth
                let (y00, y01) = (s0 + s1 + s2, s1 - s2 - s3)
                let (y10, y11) = (t0 + t1 + t2, t1 - t2 - t3)
                if accumulate {
                    top[x] += y00
                    if hasRight { top[x + 1] += y01 }
                    if let bottom {
                        bottom[x] += y10
                        if hasRight { bottom[x + 1] += y11 }
                    }
                } else {
                    top[x] = y00
                    if hasRight { top[x + 1] = y01 }
                    if let bottom {
                        bottom[x] = y10
                        if hasRight { bottom[x + 1] = y11 }
                    }
                }
            }
        }
    }
}

/// The transformed (and, for Tandem's GEMM, packed) filters of one convolution weight, kept after its
/// first Winograd call: a layer that runs many times with the same weight (a diffusion UNet's ResNet
/// convolutions, twice per step under guidance) then skips the transform, about 4 % of a UNet step.
/// A cache belongs to one weight; the layer that owns both passes it with that weight only.
public final class WinogradFilterCache: @unchecked Sendable {
    // Safe: `stored` is read and written only under `lock`.
    private let lock = NSLock()
    private var stored: (outputs: Int, channels: Int, packedCount: Int, values: [Float])?

    public init() {}

    func filters(outputs: Int, channels: Int, packedCount: Int, _ transform: () -> [Float]) -> [Float] {
        lock.lock()
        defer { lock.unlock() }
        if let stored, stored.outputs == outputs, stored.channels == channels, stored.packedCount == packedCount {
            return stored.values
        }
        let values = transform()
        stored = (outputs, channels, packedCount, values)
        return values
    }
}
