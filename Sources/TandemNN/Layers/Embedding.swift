/// A lookup table (PyTorch `nn.Embedding`), keyed `<key>.weight` [count, dimension]: token and
/// position embeddings.
public struct Embedding: Sendable {
    /// [count, dimension].
    public let weight: Tensor

    public init(weight: Tensor) {
        precondition(weight.rank == 2, "embedding table must be [count, dimension], got \(weight.shape)")
        self.weight = weight
    }

    /// Reads a table of `count` rows of `dimension` values.
    public init(_ weights: WeightReader, _ key: String, count: Int, dimension: Int) {
        self.init(weight: weights.scoped(key).tensor("weight", shape: [count, dimension]))
    }

    public var count: Int { weight.shape[0] }
    public var dimension: Int { weight.shape[1] }

    /// The rows of `ids`, [ids.count, dimension].
    public func callAsFunction(_ ids: [Int]) -> Tensor { weight.gatheringRows(ids) }

    /// The rows of a batch of equally long id sequences, [B, L, dimension].
    public func callAsFunction(_ ids: [[Int]]) -> Tensor {
        let length = ids.first?.count ?? 0
        precondition(ids.allSatisfy { $0.count == length }, "id rows of different lengths")
        return weight.gatheringRows(ids.flatMap { $0 }).reshaped([ids.count, length, dimension])
    }
}
