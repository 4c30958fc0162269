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
}
