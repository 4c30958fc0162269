import Foundation

/// A diffusers pipeline folder: `model_index.json` at the top naming the components, each in its
/// own subfolder (`unet/`, `vae/`, `text_encoder/`, …) with its `config.json` and safetensors.
///
/// AudioLDM and other diffusers checkpoints ship this way; each component opens as a
/// `HuggingFaceDirectory`, so its tensors go through the same checks as any other checkpoint.
public struct DiffusersPipeline: Sendable {
    public let url: URL
    /// Component name → (library, class) as `model_index.json` lists them, e.g. `unet` → (`diffusers`, `UNet2DConditionModel`).
    public let components: [String: [String]]

    /// Reads `model_index.json`.
    /// - Throws: `WeightsError(.missingFile)` naming `model_index.json` (with `howToObtain` appended),
    ///   `.invalidHeader` when it is not a JSON object.
    public init(url: URL, howToObtain: String = "") throws {
        self.url = url
        let index = url.appendingPathComponent("model_index.json")
        guard let data = FileManager.default.contents(atPath: index.path) else {
            throw WeightsError(.missingFile, file: index.path,
                               "model_index.json is missing: not a diffusers pipeline folder.\(howToObtain.isEmpty ? "" : " " + howToObtain)")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw WeightsError(.invalidHeader, file: index.path, "model_index.json is not a JSON object")
        }
        // Components are the entries whose value is [library, class]; the rest (`_class_name`, …) describe the pipeline.
        var components: [String: [String]] = [:]
        for (name, value) in object where !name.hasPrefix("_") {
            if let pair = value as? [Any], pair.count == 2, let library = pair[0] as? String, let type = pair[1] as? String {
                components[name] = [library, type]
            }
        }
        self.components = components
    }

    /// Opens the component `name` (its subfolder).
    /// - Throws: `WeightsError(.missingFile)` when `model_index.json` does not list it or its folder lacks
    ///   `config.json` or weights, naming the path.
    public func component(_ name: String) throws -> HuggingFaceDirectory {
        guard components[name] != nil else {
            throw WeightsError(.missingFile, file: url.appendingPathComponent("model_index.json").path,
                               "the pipeline has no component '\(name)' (it lists \(components.keys.sorted().joined(separator: ", ")))")
        }
        return try HuggingFaceDirectory(url: url.appendingPathComponent(name))
    }
}
