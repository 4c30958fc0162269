import TandemCore

/// A contiguous, row-major Float32 array with a shape: the compute form of `TensorValue`.
///
/// The values live in Core's copy-on-write `SharedArray`, so copying a tensor, reshaping it or
/// turning it into a `TensorValue` packet copies a reference, never the values. Every kernel
/// reads its inputs through `withUnsafeBufferPointer` and writes a fresh output, so tensors
/// behave as values.
public struct Tensor: Sendable, Equatable {
    /// The extent of each axis, outermost first.
    public private(set) var shape: [Int]
    /// The values in row-major order.
    public private(set) var storage: SharedArray<Float>

    /// A tensor over `values`, which must hold exactly `shape`'s product of elements.
    public init(shape: [Int], values: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative extent in shape \(shape)")
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not match \(values.count) values")
        self.shape = shape
        self.storage = SharedArray(values)
    }

    /// A tensor sharing `storage`, which must hold exactly `shape`'s product of elements.
    public init(shape: [Int], storage: SharedArray<Float>) {
        precondition(shape.reduce(1, *) == storage.count, "shape \(shape) does not match \(storage.count) values")
        self.shape = shape
        self.storage = storage
    }

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        self.init(shape: shape, storage: SharedArray(repeating: 0, count: shape.reduce(1, *)))
    }

    /// A tensor of `value` everywhere.
    public init(repeating value: Float, shape: [Int]) {
        self.init(shape: shape, storage: SharedArray(repeating: value, count: shape.reduce(1, *)))
    }

    /// A tensor whose values `body` writes into uninitialised memory; `body` must set every element.
    ///
    /// Kernels use this to avoid zero-filling outputs they overwrite anyway.
    @inlinable
    public init(shape: [Int], unsafeUninitialized body: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows {
        let count = shape.reduce(1, *)
        let storage = try SharedArray<Float>(unsafeUninitializedCount: count) { buffer in try body(buffer) }
        self.init(shape: shape, storage: storage)
    }

    /// The packet form of a tensor shares its storage.
    public init(_ value: TensorValue) { self.init(shape: value.shape, storage: value.data) }

    /// The packet form, sharing storage.
    public var tensorValue: TensorValue { TensorValue(shape: shape, data: storage) }

    /// Number of elements.
    public var count: Int { storage.count }
    /// Number of axes.
    public var rank: Int { shape.count }
    /// The values as a Swift array (shares storage until either side mutates).
    public var scalars: [Float] { storage.array }

    /// The element at a multi-dimensional index (slow; for tests and small reads).
    public subscript(_ index: Int...) -> Float {
        precondition(index.count == shape.count, "index \(index) does not match rank \(shape.count)")
        var offset = 0
        for (axis, i) in index.enumerated() {
            precondition(i >= 0 && i < shape[axis], "index \(index) out of range for shape \(shape)")
            offset = offset * shape[axis] + i
        }
        return storage[offset]
    }

    /// The same values under another shape; one extent may be `-1` and is inferred. Copies nothing.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != inferred }.reduce(1) { $0 * $1.element }
            precondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            resolved[inferred] = count / known
        }
        return Tensor(shape: resolved, storage: storage)
    }

    /// Reads the values in place.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer(body)
    }

    /// Mutates the values in place, copying them first if another tensor shares them.
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try storage.withUnsafeMutableBufferPointer { buffer in try body(buffer) }
    }

    /// Element-wise approximate equality: `max|a − b| ≤ tolerance · max(1, max|b|)`.
    public func isClose(to other: Tensor, tolerance: Float) -> Bool {
        shape == other.shape && Tensor.relativeDifference(self, other) <= tolerance
    }

    /// `max|a − b| / max(max|b|, tiny)`: the relative error used by the parity tests.
    public static func relativeDifference(_ a: Tensor, _ b: Tensor) -> Float {
        precondition(a.count == b.count, "sizes differ: \(a.shape) vs \(b.shape)")
        var maxDifference: Float = 0
        var maxMagnitude: Float = 0
        a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in
                for i in 0..<x.count {
                    maxDifference = max(maxDifference, abs(x[i] - y[i]))
                    maxMagnitude = max(maxMagnitude, abs(y[i]))
                }
            }
        }
        return maxDifference / max(maxMagnitude, .leastNormalMagnitude)
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = scalars.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor(\(shape): [\(preview)\(count > 8 ? ", …" : "")])"
    }
}
