/// An n-dimensional Float32 array passed between nodes (embeddings, features, masks).
///
/// This is the packet form; `TandemNN.Tensor` is the compute form. Converting between them shares storage.
public struct TensorValue: Sendable, Equatable {
    public var shape: [Int]
    public var data: SharedArray<Float>
    /// The span of media the tensor describes on the file's clock, exactly, when it has one (a clip's
    /// first and last frame, the samples a run of probabilities covers).
    public var startTime: MediaTime?
    public var endTime: MediaTime?

    /// A tensor over the exact span `start…end` (nil: no media time).
    public init(shape: [Int], data: SharedArray<Float>, start: MediaTime?, end: MediaTime?) {
        precondition(shape.reduce(1, *) == data.count, "tensor shape \(shape) does not match \(data.count) values")
        self.shape = shape
        self.data = data
        startTime = start
        endTime = end
    }

    /// A tensor over a span computed in seconds; each `Double` is kept exactly (`MediaTime(seconds:)`).
    public init(shape: [Int], data: SharedArray<Float>, startSeconds: Double? = nil, endSeconds: Double? = nil) {
        self.init(shape: shape, data: data, start: startSeconds.map(MediaTime.init(seconds:)), end: endSeconds.map(MediaTime.init(seconds:)))
    }

    /// Seconds on the file's clock, derived from `startTime`; setting it stores the `Double` exactly.
    public var startSeconds: Double? {
        get { startTime?.seconds }
        set { startTime = newValue.map(MediaTime.init(seconds:)) }
    }

    /// Seconds on the file's clock, derived from `endTime`; setting it stores the `Double` exactly.
    public var endSeconds: Double? {
        get { endTime?.seconds }
        set { endTime = newValue.map(MediaTime.init(seconds:)) }
    }
}
