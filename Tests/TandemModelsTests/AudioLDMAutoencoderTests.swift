import Foundation
import Testing
import TandemNN
@testable import TandemModels

/// AudioLDM's VAE against diffusers' `AutoencoderKL` (references from Tools/fixtures/make_audioldm_fixtures.py).
@Suite struct AudioLDMAutoencoderTests {
    @Test func decodesAsDiffusers() throws {
        let vae = try AudioLDMAutoencoder(directory: AudioLDMFixture.component("vae"))
        #expect(vae.latentChannels == 4 && vae.downsamplingFactor == 2)
        #expect(vae.scalingFactor == 0.9227914214134216)
        let decoded = vae.decode(try AudioLDMFixture.reference("vae.latent"))
        let expected = try AudioLDMFixture.reference("vae.decoded")
        #expect(decoded.shape == expected.shape)
        #expect(Tensor.relativeDifference(decoded, expected) <= 1e-4)
    }

    @Test func encodesAsDiffusers() throws {
        let vae = try AudioLDMAutoencoder(directory: AudioLDMFixture.component("vae"))
        let (mean, logVariance) = vae.encode(try AudioLDMFixture.reference("vae.mel"))
        let expectedMean = try AudioLDMFixture.reference("vae.encoded_mean")
        let expectedLogVariance = try AudioLDMFixture.reference("vae.encoded_logvar")
        #expect(mean.shape == expectedMean.shape && logVariance.shape == expectedLogVariance.shape)
        #expect(Tensor.relativeDifference(mean, expectedMean) <= 1e-4)
        #expect(Tensor.relativeDifference(logVariance, expectedLogVariance) <= 1e-4)
    }

    @Test func batchesDecodeEachItemAlone() throws {
        let vae = try AudioLDMAutoencoder(directory: AudioLDMFixture.component("vae"))
        let latent = try AudioLDMFixture.reference("vae.latent")
        let other = latent.scaled(by: -0.5)
        let both = vae.decode(Tensor.concatenate([latent, other], axis: 0))
        #expect(both.shape == [2, 1, 32, 8])
        #expect(Tensor.relativeDifference(both.slice(axis: 0, 0..<1), try AudioLDMFixture.reference("vae.decoded")) <= 1e-4)
        #expect(Tensor.relativeDifference(both.slice(axis: 0, 1..<2), vae.decode(other)) <= 1e-5)
    }

    /// diffusers before 0.14 saved the mid-block attention as `query`/`key`/`value`/`proj_attn`;
    /// such a checkpoint loads to the same model.
    @Test func readsLegacyAttentionNames() throws {
        let directory = try AudioLDMFixture.component("vae")
        let configuration = try directory.decodeJSON(AudioLDMAutoencoderConfiguration.self)
        var weights = try AudioLDMMemoryWeights(copying: directory)
        let renames = ["to_q": "query", "to_k": "key", "to_v": "value", "to_out.0": "proj_attn"]
        for name in weights.tensorNames where name.contains("attentions.0.") {
            for (new, old) in renames where name.contains(".\(new).") {
                weights.tensors[name.replacingOccurrences(of: ".\(new).", with: ".\(old).")] = weights.tensors.removeValue(forKey: name)
            }
        }
        #expect(weights.tensors["decoder.mid_block.attentions.0.proj_attn.weight"] != nil && weights.tensors["decoder.mid_block.attentions.0.to_q.weight"] == nil)
        let vae = try AudioLDMAutoencoder(configuration: configuration, weights: weights)
        let decoded = vae.decode(try AudioLDMFixture.reference("vae.latent"))
        #expect(Tensor.relativeDifference(decoded, try AudioLDMFixture.reference("vae.decoded")) <= 1e-4)
    }

    /// A copy of the fixture's `vae/` whose config.json has `edit` applied.
    static func editedVAE(_ edit: (inout [String: Any]) -> Void) throws -> URL {
        try AudioLDMFixture.editedComponent("vae", edit)
    }

    @Test func refusesOtherBlockTypesNamingTheConfig() throws {
        let folder = try Self.editedVAE { $0["down_block_types"] = ["DownEncoderBlock2D", "AttnDownEncoderBlock2D"] }
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: AudioLDMError.self) { try AudioLDMAutoencoder(directory: HuggingFaceDirectory(url: folder)) }
        #expect(error?.code == .unsupportedConfiguration)
        #expect(error?.file?.hasSuffix("config.json") == true)
        #expect(error?.message.contains("AttnDownEncoderBlock2D") == true)
    }

    @Test func refusesAnotherActivation() throws {
        let folder = try Self.editedVAE { $0["act_fn"] = "gelu" }
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: AudioLDMError.self) { try AudioLDMAutoencoder(directory: HuggingFaceDirectory(url: folder)) }
        #expect(error?.code == .unsupportedConfiguration && error?.message.contains("gelu") == true)
    }

    /// With `use_quant_conv` / `use_post_quant_conv` false the model has no such layers, so the
    /// fixture's tensors for them are unexpected; likewise the attentions without `mid_block_add_attention`.
    @Test func honoursOptionalLayerSwitches() throws {
        let folder = try Self.editedVAE {
            $0["use_quant_conv"] = false
            $0["use_post_quant_conv"] = false
            $0["mid_block_add_attention"] = false
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: WeightsError.self) { try AudioLDMAutoencoder(directory: HuggingFaceDirectory(url: folder)) }
        #expect(error?.code == .parameterMismatch && error?.missing == [])
        let unexpected = Set(error?.unexpected ?? [])
        #expect(unexpected.contains("quant_conv.weight") && unexpected.contains("post_quant_conv.bias"))
        #expect(unexpected.contains("encoder.mid_block.attentions.0.to_q.weight"))
        #expect(unexpected.contains("decoder.mid_block.attentions.0.group_norm.weight"))
        #expect(unexpected.allSatisfy { $0.contains("quant_conv") || $0.contains("attentions.0") })
    }
}
