/// Loads the parameters a model declares from a checkpoint, checking every key.
///
/// The dictionary form of `WeightReader`, for code that lists its parameters up front: every
/// missing, unexpected and wrongly shaped tensor is named at once in one `WeightsError(.parameterMismatch)`,
/// so fixing a converter is one pass.
public enum WeightLoader {
    /// - Parameters:
    ///   - parameters: checkpoint key → expected shape.
    ///   - source: where to read.
    ///   - ignoring: checkpoint keys that are allowed to be present without a parameter.
    /// - Returns: checkpoint key → tensor.
    public static func load(
        _ parameters: [String: [Int]], from source: any WeightSource, ignoring: (String) -> Bool = { _ in false }
    ) throws -> [String: Tensor] {
        let reader = WeightReader(source)
        var tensors: [String: Tensor] = [:]
        for (name, shape) in parameters.sorted(by: { $0.key < $1.key }) { tensors[name] = reader.tensor(name, shape: shape) }
        try reader.finish(ignoring: ignoring)
        return tensors
    }
}
