import Foundation
import TandemNN

/// The fixture of Tools/fixtures/make_audioldm_fixtures.py: a tiny random-weight AudioLDM saved as the
/// diffusers folder users download (`pipeline/`), and the reference inputs and outputs diffusers and
/// transformers computed from it (`reference.safetensors`, every tensor float32; settings in `reference.json`).
enum AudioLDMFixture {
    static func url(_ name: String) throws -> URL {
        guard let base = Bundle.module.resourceURL else { throw CocoaError(.fileNoSuchFile) }
        return base.appendingPathComponent("Fixtures/audioldm/\(name)")
    }

    /// The diffusers pipeline folder (model_index.json, unet/, vae/, text_encoder/, tokenizer/, vocoder/, scheduler/).
    static func pipelineURL() throws -> URL { try url("pipeline") }

    static func component(_ name: String) throws -> HuggingFaceDirectory {
        try DiffusersPipeline(url: pipelineURL()).component(name)
    }

    static func reference(_ key: String) throws -> Tensor {
        try SafetensorsFile(url: url("reference.safetensors")).tensor(named: key)
    }

    /// `reference.json`: the prompts and settings behind the references.
    static func settings() throws -> [String: Any] {
        let data = try Data(contentsOf: url("reference.json"))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    /// A copy of the fixture's component folder `name` (its config.json and `weights` file) with `edit`
    /// applied to the config, for refusal tests.
    static func editedComponent(_ name: String, weights: String = "diffusion_pytorch_model.safetensors",
                                _ edit: (inout [String: Any]) -> Void) throws -> URL {
        let source = try pipelineURL().appendingPathComponent(name)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source.appendingPathComponent(weights), to: folder.appendingPathComponent(weights))
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("config.json"))) as? [String: Any] ?? [:]
        edit(&config)
        try JSONSerialization.data(withJSONObject: config).write(to: folder.appendingPathComponent("config.json"))
        return folder
    }
}
