import Foundation

/// Something that holds named tensors: one safetensors file, a directory of shards, a
/// diffusers component, a CTranslate2 `model.bin`.
///
/// Every source widens f16 and bf16 to Float32 as it reads, since the kernels compute in fp32
/// (layers that stream weights, `SmallBatchLinear`, narrow them back to fp16 where that is exact).
public protocol WeightSource: Sendable {
    /// Every tensor name, sorted.
    var tensorNames: [String] { get }
    /// The shape of `name`, or nil when absent (no data is read).
    func shape(of name: String) -> [Int]?
    /// Reads `name` as Float32.
    func tensor(named name: String) throws -> Tensor
    /// The file or directory the source reads, for messages.
    var sourcePath: String? { get }
    /// The file that holds `name` (a shard of a sharded checkpoint), for messages.
    func location(of name: String) -> String?
}

extension WeightSource {
    public var sourcePath: String? { nil }
    public func location(of name: String) -> String? { shape(of: name) == nil ? nil : sourcePath }
}

extension SafetensorsFile: WeightSource {
    public var tensorNames: [String] { names }
    public func shape(of name: String) -> [Int]? { entries[name]?.shape }
    public var sourcePath: String? { url.path }
}

