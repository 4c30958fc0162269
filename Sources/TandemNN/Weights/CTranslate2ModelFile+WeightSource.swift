/// A CTranslate2 `model.bin` read through the same checks as every other checkpoint: its variable
/// names (and aliases, such as a tied output projection) are the keys, its f16/bf16/int8 values are
/// widened (int8 dequantised with its `…_scale`) to Float32.
extension CTranslate2ModelFile: WeightSource {
    public var tensorNames: [String] { (variables.map(\.name) + aliases.keys).sorted() }

    public func shape(of name: String) -> [Int]? { try? variable(name).shape }

    public func tensor(named name: String) throws -> Tensor {
        let (shape, values) = try floats(name)
        return Tensor(shape: shape, values: values)
    }

    public var sourcePath: String? { path }
}
