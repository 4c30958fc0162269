/// Copies that change the order of the axes or cut out parts of a tensor.
extension Tensor {
    /// The tensor with its axes reordered: result axis `i` is input axis `axes[i]` (PyTorch `permute`).
    /// - Complexity: O(count), one copy.
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(axes.sorted() == Array(0..<rank), "axes \(axes) are not a permutation of 0..<\(rank)")
        let outShape = axes.map { shape[$0] }
        var inStrides = [Int](repeating: 1, count: rank)
        for axis in stride(from: rank - 2, through: 0, by: -1) { inStrides[axis] = inStrides[axis + 1] * shape[axis + 1] }
        let strides = axes.map { inStrides[$0] }
        return withUnsafeBufferPointer { source in
            Tensor(shape: outShape) { out in
                guard out.count > 0 else { return }
                // Walk the output in order with an odometer over all but the last axis.
                let last = outShape.count - 1
                let innerCount = outShape[last]
                let innerStride = strides[last]
                var index = [Int](repeating: 0, count: outShape.count)
                var outOffset = 0
                while outOffset < out.count {
                    var base = 0
                    for axis in 0..<last { base += index[axis] * strides[axis] }
                    for i in 0..<innerCount { out[outOffset + i] = source[base + i * innerStride] }
                    outOffset += innerCount
                    var axis = last - 1
                    while axis >= 0 {
                        index[axis] += 1
                        if index[axis] < outShape[axis] { break }
                        index[axis] = 0
                        axis -= 1
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
        precondition(axis >= 0 && axis < rank && range.lowerBound >= 0 && range.upperBound <= shape[axis])
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        var outShape = shape
        outShape[axis] = range.count
        return withUnsafeBufferPointer { source in
            Tensor(shape: outShape) { out in
                let block = range.count * inner
                for o in 0..<outer {
                    let from = (o * shape[axis] + range.lowerBound) * inner
                    for i in 0..<block { out[o * block + i] = source[from + i] }
                }
            }
        }
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
            var offset = 0
            for tensor in tensors {
                let block = tensor.shape[axis] * inner
                tensor.withUnsafeBufferPointer { source in
                    for o in 0..<outer {
                        for i in 0..<block { out[o * outBlock + offset + i] = source[o * block + i] }
                    }
                }
                offset += block
            }
        }
    }

    /// Element-wise sum of two tensors of the same shape.
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor {
        precondition(lhs.shape == rhs.shape, "shapes differ: \(lhs.shape) vs \(rhs.shape)")
        return lhs.withUnsafeBufferPointer { a in
            rhs.withUnsafeBufferPointer { b in
                Tensor(shape: lhs.shape) { out in
                    ComputeThreads.parallelFor(out.count, grain: 1 << 14) { range in
                        for i in range { out[i] = a[i] + b[i] }
                    }
                }
            }
        }
    }

    /// The tensor with `rowVector` (shape = last axis) added to every row.
    public func addingRow(_ rowVector: Tensor) -> Tensor {
        let width = shape.last ?? 0
        precondition(rowVector.count == width, "row of \(rowVector.count) for width \(width)")
        var result = self
        rowVector.withUnsafeBufferPointer { row in
            result.withUnsafeMutableBufferPointer { values in
                for r in 0..<(width == 0 ? 0 : values.count / width) {
                    for c in 0..<width { values[r * width + c] += row[c] }
                }
            }
        }
        return result
    }
}
