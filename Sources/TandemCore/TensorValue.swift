/// An n-dimensional Float32 array passed between nodes (embeddings, features, masks).
///
/// This is the packet form; `TandemNN.Tensor` is the compute form. Converting between them shares storage.
public struct TensorValue: Sendable, Equatable {
    public var shape: [Int]
    public var data: SharedArray<Float>
    /// Media time the tensor describes, in seconds on the file's clock, when it has one.
    public var startSeconds: Double?
    public var endSeconds: Double?

    public init(shape: [Int], data: SharedArray<Float>, startSeconds: Double? = nil, endSeconds: Double? = nil) {
        precondition(shape.reduce(1, *) == data.count, "tensor shape \(shape) does not match \(data.count) values")
        self.shape = shape
        self.data = data
        self.startSeconds = startSeconds
        self.endSeconds = endSeconds
    }
}
