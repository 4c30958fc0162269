/// Copies that change the order of the axes, cut out parts of a tensor or join tensors: the
/// operations model files use instead of index arithmetic on raw storage.
///
/// Each is one pass over the output, moving contiguous runs with `update(from:count:)` where the
/// layout allows, and split over `ComputeThreads` when the output is large enough to pay for it.
extension Tensor {
    /// Floats below which a copy stays on the calling thread (handing work over costs more).
    static let parallelCopyGrain = 1 << 15

    /// The tensor with its axes reordered: result axis `i` is input axis `axes[i]` (PyTorch `permute`).
    ///
    /// Axes of extent 1 are dropped and input axes that stay adjacent are merged first, so a
    /// permutation that keeps the innermost axis in place copies whole rows at a time, and one
    /// that changes nothing but unit axes copies nothing.
    /// - Complexity: O(count), at most one copy.
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(axes.sorted() == Array(0..<rank), "axes \(axes) are not a permutation of 0..<\(rank)")
        let outShape = axes.map { shape[$0] }
        // Drop unit axes, then merge runs of input axes that remain consecutive in the output.
        let kept = (0..<rank).filter { shape[$0] != 1 }
        let order = axes.filter { shape[$0] != 1 }.map { kept.firstIndex(of: $0)! }
        var groups: [[Int]] = []
        for axis in order {
            if let last = groups.last?.last, axis == last + 1 { groups[groups.count - 1].append(axis) } else { groups.append([axis]) }
        }
        let byInput = groups.sorted { $0[0] < $1[0] }
        let inShape = byInput.map { group in group.map { shape[kept[$0]] }.reduce(1, *) }
        let outOrder = groups.map { group in byInput.firstIndex { $0[0] == group[0] }! }
        if outOrder == Array(outOrder.indices) { return reshaped(outShape) }
        var inStrides = [Int](repeating: 1, count: inShape.count)
        for axis in stride(from: inShape.count - 2, through: 0, by: -1) { inStrides[axis] = inStrides[axis + 1] * inShape[axis + 1] }
        let extents = outOrder.map { inShape[$0] }
        let strides = outOrder.map { inStrides[$0] }
        let last = extents.count - 1
        let inner = extents[last], innerStride = strides[last]
        let rows = count / inner
        return withUnsafeBufferPointer { source in
            Tensor(shape: outShape) { out in
                let from = source.baseAddress!, to = out.baseAddress!
                ComputeThreads.parallelFor(rows, grain: max(1, Self.parallelCopyGrain / inner)) { range in
                    for row in range {
                        var rest = row, base = 0
                        for axis in stride(from: last - 1, through: 0, by: -1) {
                            base += (rest % extents[axis]) * strides[axis]
                            rest /= extents[axis]
                        }
                        let target = to + row * inner
                        if innerStride == 1 {
                            target.update(from: from + base, count: inner)
                        } else {
                            for i in 0..<inner { target[i] = from[base + i * innerStride] }
                        }
                    }
                }
            }
        }
    }

    /// A 2-D transpose of the last two axes.
    public func transposedLastAxes() -> Tensor {
        precondition(rank >= 2)
        var axes = Array(0..<rank)
        axes.swapAt(rank - 1, rank - 2)
        return permuted(axes)
    }

    /// The slice `range` of axis `axis`, copied.
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        precondition(axis >= 0 && axis < rank && range.lowerBound >= 0 && range.upperBound <= shape[axis],
                     "slice \(range) of axis \(axis) is outside \(shape)")
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        var outShape = shape
        outShape[axis] = range.count
        if range.count == shape[axis] { return self }
        let block = range.count * inner, extent = shape[axis]
        return withUnsafeBufferPointer { source in
            Tensor(shape: outShape) { out in
                guard block > 0 else { return }
                let from = source.baseAddress!, to = out.baseAddress!
                ComputeThreads.parallelFor(outer, grain: max(1, Self.parallelCopyGrain / block)) { outers in
                    for o in outers {
                        (to + o * block).update(from: from + (o * extent + range.lowerBound) * inner, count: block)
                    }
                }
            }
        }
    }

    /// The tensor cut along `axis` into consecutive pieces of the given sizes (PyTorch `split`).
    public func split(axis: Int, sizes: [Int]) -> [Tensor] {
        precondition(sizes.reduce(0, +) == shape[axis], "sizes \(sizes) do not add up to axis \(axis) of \(shape)")
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return slice(axis: axis, start..<start + size)
        }
    }

    /// The tensor cut along `axis` into `count` equal pieces (PyTorch `chunk` when the axis divides evenly).
    public func chunked(_ count: Int, axis: Int) -> [Tensor] {
        precondition(count > 0 && shape[axis] % count == 0, "\(shape[axis]) does not split into \(count) equal chunks")
        return split(axis: axis, sizes: [Int](repeating: shape[axis] / count, count: count))
    }

    /// Tensors joined along `axis`; all other extents must agree.
    public static func concatenate(_ tensors: [Tensor], axis: Int) -> Tensor {
        precondition(!tensors.isEmpty)
        let first = tensors[0]
        for tensor in tensors {
            precondition(tensor.rank == first.rank && (0..<first.rank).allSatisfy { $0 == axis || tensor.shape[$0] == first.shape[$0] },
                         "cannot concatenate \(tensor.shape) with \(first.shape) on axis \(axis)")
        }
        let outer = first.shape[..<axis].reduce(1, *)
        let inner = first.shape[(axis + 1)...].reduce(1, *)
        var outShape = first.shape
        outShape[axis] = tensors.reduce(0) { $0 + $1.shape[axis] }
        let outBlock = outShape[axis] * inner
        return Tensor(shape: outShape) { out in
            guard outBlock > 0 else { return }
            let to = out.baseAddress!
            var offset = 0
            for tensor in tensors {
                let block = tensor.shape[axis] * inner
                if block > 0 {
                    tensor.withUnsafeBufferPointer { source in
                        let from = source.baseAddress!
                        ComputeThreads.parallelFor(outer, grain: max(1, Self.parallelCopyGrain / block)) { rows in
                            for o in rows { (to + o * outBlock + offset).update(from: from + o * block, count: block) }
                        }
                    }
                }
                offset += block
            }
        }
    }

    /// Rows `indices` of axis 0, in that order (an embedding lookup, a gather of beams).
    /// - Complexity: O(indices.count · row size).
    public func gatheringRows(_ indices: [Int]) -> Tensor {
        precondition(rank >= 1, "gather from a scalar")
        let row = count / max(shape[0], 1)
        return withUnsafeBufferPointer { source in
            Tensor(shape: [indices.count] + shape.dropFirst()) { out in
                guard row > 0 else { return }
                for (position, index) in indices.enumerated() {
                    precondition(index >= 0 && index < shape[0], "row \(index) outside 0..<\(shape[0])")
                    (out.baseAddress! + position * row).update(from: source.baseAddress! + index * row, count: row)
                }
            }
        }
    }

    /// [B, L, H·d] → [B, H, L, d]: each head's columns as its own sequence (PyTorch `view` + `transpose(1, 2)`).
    public func splittingHeads(_ heads: Int) -> Tensor {
        precondition(rank == 3 && shape[2] % heads == 0, "cannot split \(shape) into \(heads) heads")
        return reshaped([shape[0], shape[1], heads, shape[2] / heads]).permuted([0, 2, 1, 3])
    }

    /// [B, H, L, d] → [B, L, H·d]: the inverse of `splittingHeads`.
    public func mergingHeads() -> Tensor {
        precondition(rank == 4, "merging heads of \(shape)")
        return permuted([0, 2, 1, 3]).reshaped([shape[0], shape[2], shape[1] * shape[3]])
    }

    /// The tensor with `rowVector` (shape = last axis) added to every row.
    public func addingRow(_ rowVector: Tensor) -> Tensor {
        let width = shape.last ?? 0
        precondition(rowVector.count == width, "row of \(rowVector.count) for width \(width)")
        return self + rowVector.reshaped([width])
    }
}
