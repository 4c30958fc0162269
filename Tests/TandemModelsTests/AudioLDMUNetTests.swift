import Foundation
import Testing
import TandemNN
@testable import TandemModels

/// The AudioLDM UNet against diffusers' `UNet2DConditionModel` on the tiny fixture pipeline.
@Suite struct AudioLDMUNetTests {
    static func loadUNet() throws -> AudioLDMUNet {
        try AudioLDMUNet(directory: AudioLDMFixture.component("unet"))
    }

    @Test func matchesDiffusersAtTimestep801() throws {
        let unet = try Self.loadUNet()
        #expect(unet.inChannels == 4 && unet.outChannels == 4 && unet.classEmbeddingDimension == 8)
        let timestep = Int(try AudioLDMFixture.reference("unet.timestep").scalars[0])
        #expect(timestep == 801)
        let output = unet(try AudioLDMFixture.reference("unet.sample"), timestep: timestep,
                          classLabels: try AudioLDMFixture.reference("unet.class_labels"))
        let expected = try AudioLDMFixture.reference("unet.output")
        #expect(output.shape == expected.shape)
        #expect(Tensor.relativeDifference(output, expected) <= 1e-4)
    }

    @Test func matchesDiffusersAtTimestep0() throws {
        let unet = try Self.loadUNet()
        let output = unet(try AudioLDMFixture.reference("unet.sample"), timestep: 0,
                          classLabels: try AudioLDMFixture.reference("unet.class_labels"))
        let expected = try AudioLDMFixture.reference("unet.output_t0")
        #expect(Tensor.relativeDifference(output, expected) <= 1e-4)
        // The two timesteps must give different predictions, or the time embedding is not wired in.
        #expect(Tensor.relativeDifference(output, try AudioLDMFixture.reference("unet.output")) > 1e-2)
    }

    /// Odd latent sides (13 × 5, as 5 s of audio gives 125 rows): the up path must resize to each skip's size.
    @Test func matchesDiffusersOnOddSides() throws {
        let unet = try Self.loadUNet()
        let file = try SafetensorsFile(url: AudioLDMFixture.url("unet_odd.safetensors"))
        let output = unet(try file.tensor(named: "sample"), timestep: 500, classLabels: try file.tensor(named: "class_labels"))
        let expected = try file.tensor(named: "output")
        #expect(output.shape == [2, 4, 13, 5])
        #expect(Tensor.relativeDifference(output, expected) <= 1e-4)
    }

    @Test func timestepEmbeddingMatchesDiffusersLayout() {
        // flip_sin_to_cos: cosines first. At t = 0 every cosine is 1 and every sine 0.
        let zero = AudioLDMUNet.timestepEmbedding(0, width: 8, flipSinToCos: true, shift: 0).scalars
        #expect(zero == [1, 1, 1, 1, 0, 0, 0, 0])
        // Frequency i is exp(−ln(10000)·i/4): the first is 1, so t = 1 gives cos 1 and sin 1 there.
        let one = AudioLDMUNet.timestepEmbedding(1, width: 8, flipSinToCos: false, shift: 0).scalars
        #expect(abs(one[0] - Float(sin(1.0))) < 1e-6 && abs(one[4] - Float(cos(1.0))) < 1e-6)
        #expect(abs(one[1] - Float(sin(pow(10000.0, -0.25)))) < 1e-6)
    }

    // MARK: - Refusals

    /// A copy of the fixture's `unet/` with `edit` applied to its config.json.
    static func editedUNetFolder(_ edit: (inout [String: Any]) -> Void) throws -> URL {
        try AudioLDMFixture.editedComponent("unet", edit)
    }

    /// Each field with a value (as JSON) this implementation does not build.
    @Test(arguments: [
        ("resnet_time_scale_shift", "\"scale_shift\""),
        ("time_embedding_type", "\"fourier\""),
        ("addition_embed_type", "\"text\""),
        ("encoder_hid_dim", "16"),
        ("mid_block_type", "\"UNetMidBlock2DSimpleCrossAttn\""),
        ("only_cross_attention", "true"),
        ("dual_cross_attention", "true"),
        ("class_embed_type", "\"timestep\""),
        ("down_block_types", "[\"DownBlock2D\", \"AttnDownBlock2D\", \"CrossAttnDownBlock2D\"]"),
        ("cross_attention_dim", "768"),
    ])
    func refusesUnsupportedConfiguration(field: String, json: String) throws {
        let value = try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed)
        let folder = try Self.editedUNetFolder { $0[field] = value }
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            _ = try AudioLDMUNet(directory: HuggingFaceDirectory(url: folder))
            Issue.record("a UNet with \(field) = \(value) loaded")
        } catch let error as AudioLDMError {
            #expect(error.code == .unsupportedConfiguration)
            #expect(error.file?.hasSuffix("config.json") == true)
            #expect(error.description.contains("'\(field)'"))
        }
    }

    @Test func addedClassEmbeddingIsBuiltAtTheSingleWidth() throws {
        // class_embeddings_concat false: every time_emb_proj reads the 32-wide sum, not 64, so the
        // fixture's 64-wide projections are all misshapen — and nothing else is.
        let folder = try Self.editedUNetFolder { $0["class_embeddings_concat"] = false }
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            _ = try AudioLDMUNet(directory: HuggingFaceDirectory(url: folder))
            Issue.record("64-wide time projections loaded as 32-wide")
        } catch let error as WeightsError {
            #expect(error.code == .parameterMismatch)
            #expect(error.missing.isEmpty && error.unexpected.isEmpty)
            #expect(!error.wrongShape.isEmpty && error.wrongShape.allSatisfy { $0.name.hasSuffix("time_emb_proj.weight") && $0.expected[1] == 32 && $0.found[1] == 64 })
        }
    }

    @Test func missingTensorIsNamedByTheLoader() throws {
        // Rename one tensor in the safetensors header (same length, so every offset stays valid).
        let folder = try Self.editedUNetFolder { _ in }
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("diffusion_pytorch_model.safetensors")
        var bytes = try Data(contentsOf: file)
        let key = Data("\"mid_block.attentions.0.transformer_blocks.0.attn2.to_v.weight\"".utf8)
        let renamed = Data("\"mid_block.attentions.0.transformer_blocks.0.attn2.to_v.weighx\"".utf8)
        let range = try #require(bytes.range(of: key))
        bytes.replaceSubrange(range, with: renamed)
        try bytes.write(to: file)
        do {
            _ = try AudioLDMUNet(directory: HuggingFaceDirectory(url: folder))
            Issue.record("a UNet with a missing tensor loaded")
        } catch let error as WeightsError {
            #expect(error.code == .parameterMismatch)
            #expect(error.missing == ["mid_block.attentions.0.transformer_blocks.0.attn2.to_v.weight"])
            #expect(error.unexpected == ["mid_block.attentions.0.transformer_blocks.0.attn2.to_v.weighx"])
        }
    }
}
