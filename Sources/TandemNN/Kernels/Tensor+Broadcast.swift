/// Element-wise arithmetic with NumPy/PyTorch broadcasting, and reductions along one axis.
///
/// Model files add position tables to token grids, average a token over frames, or repeat a
/// class token for every frame; these spell such steps the way the reference code does
/// (`x + pos`, `x.mean(1)`, `cls.expand(...)`) instead of as loops over storage.
extension Tensor {
    /// The shape two shapes broadcast to (trailing axes aligned; an extent of 1 stretches).
    public static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int] {
        let rank = max(a.count, b.count)
        let left = [Int](repeating: 1, count: rank - a.count) + a
        let right = [Int](repeating: 1, count: rank - b.count) + b
        return (0..<rank).map { axis in
            precondition(left[axis] == right[axis] || left[axis] == 1 || right[axis] == 1, "shapes \(a) and \(b) do not broadcast")
            return left[axis] == 1 ? right[axis] : left[axis]
        }
    }

    /// Strides of `shape` read as `target` (rank-aligned on the right; stretched axes get stride 0).
    static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let padded = [Int](repeating: 1, count: target.count - shape.count) + shape
        var strides = [Int](repeating: 0, count: target.count)
        var step = 1
        for axis in stride(from: target.count - 1, through: 0, by: -1) {
            strides[axis] = padded[axis] == 1 && target[axis] != 1 ? 0 : step
            step *= padded[axis]
        }
        return strides
    }

    /// `op(lhs, rhs)` element by element after broadcasting both to a common shape.
    /// - Complexity: O(output count); rows of the last axis run as plain loops, split over threads.
    public static func broadcasting(_ lhs: Tensor, _ rhs: Tensor, _ op: @escaping @Sendable (Float, Float) -> Float) -> Tensor {
        broadcasting(lhs, rhs, to: broadcastShape(lhs.shape, rhs.shape), op)
    }

    /// `broadcasting` into a given output shape that both operands broadcast to.
    static func broadcasting(_ lhs: Tensor, _ rhs: Tensor, to outShape: [Int], _ op: @escaping @Sendable (Float, Float) -> Float) -> Tensor {
        let leftStrides = broadcastStrides(lhs.shape, to: outShape)
        let rightStrides = broadcastStrides(rhs.shape, to: outShape)
        let last = outShape.count - 1
        let inner = last >= 0 ? outShape[last] : 1
        let total = outShape.reduce(1, *)
        let rows = inner == 0 ? 0 : total / inner
        let leftInner = last >= 0 ? leftStrides[last] : 0, rightInner = last >= 0 ? rightStrides[last] : 0
        return lhs.withUnsafeBufferPointer { a in
            rhs.withUnsafeBufferPointer { b in
                Tensor(shape: outShape) { out in
                    guard total > 0 else { return }
                    let x = a.baseAddress!, y = b.baseAddress!, z = out.baseAddress!
                    ComputeThreads.parallelFor(rows, grain: max(1, Self.parallelCopyGrain / max(inner, 1))) { range in
                        for row in range {
                            var rest = row, left = 0, right = 0
                            for axis in stride(from: last - 1, through: 0, by: -1) {
                                let index = rest % outShape[axis]
                                rest /= outShape[axis]
                                left += index * leftStrides[axis]
                                right += index * rightStrides[axis]
                            }
                            let target = z + row * inner
                            for i in 0..<inner { target[i] = op(x[left + i * leftInner], y[right + i * rightInner]) }
                        }
                    }
                }
            }
        }
    }

    /// Element-wise sum, broadcasting as PyTorch does.
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor {
        guard lhs.shape == rhs.shape else { return broadcasting(lhs, rhs, +) }
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

    /// Element-wise difference, broadcasting.
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { broadcasting(lhs, rhs, -) }

    /// Element-wise product, broadcasting.
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { broadcasting(lhs, rhs, *) }

    /// Every element times `factor`.
    public func scaled(by factor: Float) -> Tensor {
        var result = self
        result.withUnsafeMutableBufferPointer { values in for i in values.indices { values[i] *= factor } }
        return result
    }

    /// The tensor repeated along its unit axes to `shape` (PyTorch `expand`, materialised).
    public func expanded(to target: [Int]) -> Tensor {
        precondition(Tensor.broadcastShape(shape, target) == target, "cannot expand \(shape) to \(target)")
        return Tensor.broadcasting(self, Tensor(zeros: [1]), to: target) { value, _ in value }
    }

    /// The sum over `axis`, which is removed from the shape.
    public func sum(axis: Int) -> Tensor {
        precondition(axis >= 0 && axis < rank, "axis \(axis) of \(shape)")
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *), extent = shape[axis]
        var outShape = shape
        outShape.remove(at: axis)
        return withUnsafeBufferPointer { source in
            Tensor(shape: outShape) { out in
                for o in 0..<outer {
                    for i in 0..<inner { out[o * inner + i] = 0 }
                    for e in 0..<extent {
                        let from = (o * extent + e) * inner
                        for i in 0..<inner { out[o * inner + i] += source[from + i] }
                    }
                }
            }
        }
    }

    /// The maximum over `axis`, which is removed from the shape (PyTorch `amax(dim)`).
    public func maximum(axis: Int) -> Tensor {
        precondition(axis >= 0 && axis < rank && shape[axis] > 0, "max over axis \(axis) of \(shape)")
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *), extent = shape[axis]
        var outShape = shape
        outShape.remove(at: axis)
        return withUnsafeBufferPointer { source in
            Tensor(shape: outShape) { out in
                for o in 0..<outer {
                    for i in 0..<inner { out[o * inner + i] = source[o * extent * inner + i] }
                    for e in 1..<extent {
                        let from = (o * extent + e) * inner
                        for i in 0..<inner { out[o * inner + i] = Swift.max(out[o * inner + i], source[from + i]) }
                    }
                }
            }
        }
    }

    /// The mean over `axis`, which is removed from the shape (PyTorch `mean(dim)`).
    public func mean(axis: Int) -> Tensor {
        sum(axis: axis).scaled(by: 1 / Float(max(shape[axis], 1)))
    }
}
