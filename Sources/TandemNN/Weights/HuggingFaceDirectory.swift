import Foundation

/// A model directory as the Hugging Face hub serves it: `config.json` plus either
/// `model.safetensors` or the shards listed in `model.safetensors.index.json` — or, in a diffusers
/// component folder (`unet/`, `vae/`, …), `diffusion_pytorch_model.safetensors` or its index.
public struct HuggingFaceDirectory: WeightSource {
    public let url: URL
    /// Shard file per tensor name.
    private let shardOf: [String: SafetensorsFile]

    /// Opens the directory and validates every safetensors file in it.
    /// - Parameter howToObtain: appended to a missing-file message (e.g. the download command).
    /// - Throws: `WeightsError(.missingFile)` naming the file that is absent, or any error of `SafetensorsFile`.
    public init(url: URL, howToObtain: String = "") throws {
        self.url = url
        let hint = howToObtain.isEmpty ? "" : " " + howToObtain
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw WeightsError(.missingFile, file: url.path, "the model directory does not exist.\(hint)")
        }
        let config = url.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: config.path) else {
            throw WeightsError(.missingFile, file: config.path, "config.json is missing from the model directory.\(hint)")
        }
        // transformers names the weights `model`, diffusers `diffusion_pytorch_model`.
        let stem = ["model", "diffusion_pytorch_model"].first { stem in
            ["safetensors", "safetensors.index.json"].contains { FileManager.default.fileExists(atPath: url.appendingPathComponent("\(stem).\($0)").path) }
        } ?? "model"
        let single = url.appendingPathComponent("\(stem).safetensors")
        let index = url.appendingPathComponent("\(stem).safetensors.index.json")
        var shardOf: [String: SafetensorsFile] = [:]
        if FileManager.default.fileExists(atPath: single.path) {
            let file = try SafetensorsFile(url: single)
            for name in file.names { shardOf[name] = file }
        } else if FileManager.default.fileExists(atPath: index.path) {
            let json: Any
            do {
                json = try JSONSerialization.jsonObject(with: Data(contentsOf: index))
            } catch {
                throw WeightsError(.invalidHeader, file: index.path, "cannot read the shard index", underlying: error as NSError)
            }
            guard let map = (json as? [String: Any])?["weight_map"] as? [String: String] else {
                throw WeightsError(.invalidHeader, file: index.path, "the shard index has no weight_map object")
            }
            var files: [String: SafetensorsFile] = [:]
            for shard in Set(map.values).sorted() {
                guard !shard.contains("/"), !shard.hasPrefix(".") else {
                    throw WeightsError(.invalidHeader, file: index.path, "shard name '\(shard)' leaves the directory")
                }
                files[shard] = try SafetensorsFile(url: url.appendingPathComponent(shard))
            }
            for (name, shard) in map {
                guard let file = files[shard], file.entries[name] != nil else {
                    throw WeightsError(.tensorNotFound, file: url.appendingPathComponent(shard).path, tensor: name,
                                       "the shard index lists the tensor in this shard, which lacks it")
                }
                shardOf[name] = file
            }
        } else {
            throw WeightsError(.missingFile, file: single.path,
                               "neither model.safetensors nor model.safetensors.index.json (nor diffusers' diffusion_pytorch_model.safetensors) is in the model directory (PyTorch .bin checkpoints are not read; convert them to safetensors).\(hint)")
        }
        self.shardOf = shardOf
    }

    /// Convenience for a path.
    public init(path: String, howToObtain: String = "") throws { try self.init(url: URL(fileURLWithPath: path), howToObtain: howToObtain) }

    /// Decodes `config.json` (or another JSON file in the directory) into `type`.
    /// - Throws: `WeightsError(.missingFile)` or `.invalidConfiguration` with the decoder's message.
    public func decodeJSON<T: Decodable>(_ type: T.Type, file name: String = "config.json") throws -> T {
        let file = url.appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw WeightsError(.missingFile, file: file.path, "\(name) is missing from the model directory")
        }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw WeightsError(.invalidConfiguration, file: file.path, "cannot decode \(T.self): \(error)")
        }
    }

    public var tensorNames: [String] { shardOf.keys.sorted() }
    public func shape(of name: String) -> [Int]? { shardOf[name]?.entries[name]?.shape }
    public var sourcePath: String? { url.path }
    /// The shard file that holds `name`.
    public func location(of name: String) -> String? { shardOf[name]?.url.path }

    public func tensor(named name: String) throws -> Tensor {
        guard let file = shardOf[name] else {
            throw WeightsError(.tensorNotFound, file: url.path, tensor: name, "no tensor of that name in the directory")
        }
        return try file.tensor(named: name)
    }
}

