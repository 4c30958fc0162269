import Foundation
import Testing
@testable import TandemNN

/// The one loader: layers read by checkpoint key through `WeightReader` from every source format,
/// and every problem named with its key, shapes and file.
@Suite struct WeightReaderTests {
    /// fp16 bits of small exact values.
    func half(_ values: [Float]) -> Data {
        values.map { Float16($0).bitPattern.littleEndian }.withUnsafeBufferPointer { Data(buffer: $0) }
    }

    /// bf16 bits: the high half of the fp32 pattern (exact for these values).
    func bfloat(_ values: [Float]) -> Data {
        values.map { UInt16($0.bitPattern >> 16).littleEndian }.withUnsafeBufferPointer { Data(buffer: $0) }
    }

    /// A two-shard checkpoint of a Linear(2 → 2) under `model.proj`, with the weight in f16 and the bias in bf16.
    func shardedCheckpoint(extra: Bool = false, biasShape: [Int] = [2]) -> URL {
        let directory = temporaryDirectory()
        _ = write(Data("{}".utf8), "config.json", in: directory)
        var first = SafetensorsBuilder()
        first.add("model.proj.weight", dtype: "F16", shape: [2, 2], bytes: half([1, -2, 0.5, 4]))
        if extra { first.add("model.unused", shape: [1], floats: [0]) }
        var second = SafetensorsBuilder()
        second.add("model.proj.bias", dtype: "BF16", shape: biasShape, bytes: bfloat([0.25, -8, 3].prefix(biasShape.reduce(1, *)).map { $0 }))
        _ = write(first.data(), "model-00001-of-00002.safetensors", in: directory)
        _ = write(second.data(), "model-00002-of-00002.safetensors", in: directory)
        var map = ["model.proj.weight": "model-00001-of-00002.safetensors", "model.proj.bias": "model-00002-of-00002.safetensors"]
        if extra { map["model.unused"] = "model-00001-of-00002.safetensors" }
        let index = try! JSONSerialization.data(withJSONObject: ["metadata": [:], "weight_map": map])
        _ = write(index, "model.safetensors.index.json", in: directory)
        return directory
    }

    @Test func shardedHalfAndBFloatCheckpointLoadsUnderAPrefix() throws {
        let directory = shardedCheckpoint()
        let weights = WeightReader(try HuggingFaceDirectory(url: directory), prefix: "model")
        let layer = Linear(weights, "proj", inFeatures: 2, outFeatures: 2)
        try weights.finish()
        #expect(layer.weight.scalars == [1, -2, 0.5, 4])
        #expect(layer.bias?.scalars == [0.25, -8])
        let expected: [Float] = [-0.75, -3.5]  // [1 − 2 + 0.25, 0.5 + 4 − 8]
        #expect(layer(Tensor(shape: [1, 2], values: [1, 1])).scalars == expected)
    }

    @Test func missingKeyIsNamedWithTheSource() throws {
        let directory = shardedCheckpoint()
        let weights = WeightReader(try HuggingFaceDirectory(url: directory), prefix: "model")
        _ = Linear(weights, "proj", inFeatures: 2, outFeatures: 2)
        _ = LayerNorm(weights, "norm", size: 2)
        let error = #expect(throws: WeightsError.self) { try weights.finish() }
        #expect(error?.code == .parameterMismatch)
        #expect(error?.missing == ["model.norm.bias", "model.norm.weight"])
        #expect(error?.file == directory.path)
        #expect(error?.description.contains("missing: model.norm.bias, model.norm.weight") == true)
        #expect(error?.description.contains(directory.path) == true)
    }

    @Test func wrongShapeNamesKeyShapesAndShard() throws {
        let directory = shardedCheckpoint(biasShape: [3])
        let weights = WeightReader(try HuggingFaceDirectory(url: directory), prefix: "model")
        let layer = Linear(weights, "proj", inFeatures: 2, outFeatures: 2)
        #expect(layer.bias?.shape == [2])  // a zero stand-in until finish() throws
        let error = #expect(throws: WeightsError.self) { try weights.finish() }
        let shard = directory.appendingPathComponent("model-00002-of-00002.safetensors").path
        #expect(error?.wrongShape.first?.name == "model.proj.bias")
        #expect(error?.wrongShape.first?.expected == [2])
        #expect(error?.wrongShape.first?.found == [3])
        #expect(error?.wrongShape.first?.file == shard)
        #expect(error?.description.contains("wrong shape: model.proj.bias expected [2], found [3] in \(shard)") == true)
    }

    @Test func unusedKeysAreListed() throws {
        let directory = shardedCheckpoint(extra: true)
        let weights = WeightReader(try HuggingFaceDirectory(url: directory))
        _ = Linear(weights, "model.proj", inFeatures: 2, outFeatures: 2)
        #expect(weights.unusedKeys == ["model.unused"])
        let error = #expect(throws: WeightsError.self) { try weights.finish() }
        #expect(error?.unexpected == ["model.unused"])
        #expect(error?.description.contains("unexpected: model.unused") == true)
        try weights.finish(ignoring: { $0 == "model.unused" })
    }

    @Test func diffusersPipelineComponentsOpenFromTheirSubfolders() throws {
        let root = temporaryDirectory()
        let index = #"{"_class_name": "AudioLDMPipeline", "_diffusers_version": "0.30.0", "unet": ["diffusers", "UNet2DConditionModel"], "vae": ["diffusers", "AutoencoderKL"], "scheduler": ["diffusers", "DDIMScheduler"]}"#
        _ = write(Data(index.utf8), "model_index.json", in: root)
        for (component, channels) in [("unet", 3), ("vae", 2)] {
            let folder = root.appendingPathComponent(component)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            _ = write(Data(#"{"norm_num_groups": 1}"#.utf8), "config.json", in: folder)
            var file = SafetensorsBuilder()
            file.add("conv_in.weight", shape: [channels, 1, 1, 1], floats: (0..<channels).map(Float.init))
            file.add("conv_in.bias", shape: [channels], floats: [Float](repeating: 1, count: channels))
            _ = write(file.data(), "diffusion_pytorch_model.safetensors", in: folder)
        }
        let pipeline = try DiffusersPipeline(url: root)
        #expect(pipeline.components["unet"] == ["diffusers", "UNet2DConditionModel"])
        let unet = WeightReader(try pipeline.component("unet"))
        let conv = Conv2d(unet, "conv_in", inChannels: 1, outChannels: 3, kernelSize: 1)
        try unet.finish()
        #expect(conv(Tensor(repeating: 2, shape: [1, 1, 1, 1])).scalars == [1, 3, 5])
        // The VAE's conv_in has 2 channels: asking for 3 names the component's file.
        let vae = WeightReader(try pipeline.component("vae"))
        _ = Conv2d(vae, "conv_in", inChannels: 1, outChannels: 3, kernelSize: 1)
        let error = #expect(throws: WeightsError.self) { try vae.finish() }
        let file = root.appendingPathComponent("vae/diffusion_pytorch_model.safetensors").path
        #expect(error?.description.contains("wrong shape: conv_in.weight expected [3, 1, 1, 1], found [2, 1, 1, 1] in \(file)") == true)
        // A component the index does not list.
        let missing = #expect(throws: WeightsError.self) { _ = try pipeline.component("text_encoder") }
        #expect(missing?.code == .missingFile)
        #expect(missing?.description.contains("text_encoder") == true && missing?.description.contains("model_index.json") == true)
    }

    @Test func generatingReaderListsParameters() {
        let weights = WeightReader(generating: { _, shape in Tensor(zeros: shape) })
        _ = MultiHeadAttention(weights, "attn", kind: .selfAttention, width: 4, heads: 2, keyBias: false)
        #expect(weights.requested == ["attn.q_proj.weight": [4, 4], "attn.q_proj.bias": [4], "attn.k_proj.weight": [4, 4],
                                      "attn.v_proj.weight": [4, 4], "attn.v_proj.bias": [4], "attn.out_proj.weight": [4, 4],
                                      "attn.out_proj.bias": [4]])
    }
}
