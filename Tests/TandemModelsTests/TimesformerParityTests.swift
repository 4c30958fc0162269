import Foundation
import Testing
import TandemNN
@testable import TandemModels

func fixtureURL(_ path: String) -> URL {
    Bundle.module.resourceURL!.appendingPathComponent("Fixtures").appendingPathComponent(path)
}

/// Compares against transformers' outputs written by Tools/fixtures/make_timesformer_fixtures.py.
@Suite struct TimesformerParityTests {
    @Test(arguments: [("divided_space_time", "io"), ("divided_space_time", "io-interpolated"), ("space_only", "io"), ("joint_space_time", "io")])
    func matchesTransformers(attentionType: String, io: String) throws {
        let directory = fixtureURL("timesformer-tiny-\(attentionType)")
        let model = try TimesformerModel.load(directory: directory)
        #expect(model.configuration.attentionType.rawValue == attentionType)
        #expect(model.configuration.numFrames == 4 && model.configuration.imageSize == 32)
        let reference = try SafetensorsFile(url: directory.appendingPathComponent("\(io).safetensors"))
        let output = model.forward(pixelValues: try reference.tensor(named: "pixel_values"))
        let hidden = try reference.tensor(named: "last_hidden_state")
        let logits = try reference.tensor(named: "logits")
        #expect(output.lastHiddenState.shape == hidden.shape)
        #expect(Tensor.relativeDifference(output.lastHiddenState, hidden) <= 1e-4)
        #expect(output.logits?.shape == logits.shape)
        if let ours = output.logits { #expect(Tensor.relativeDifference(ours, logits) <= 1e-4) }
    }

    @Test func classifyReturnsLabelsInProbabilityOrder() throws {
        let directory = fixtureURL("timesformer-tiny-divided_space_time")
        let model = try TimesformerModel.load(directory: directory)
        let reference = try SafetensorsFile(url: directory.appendingPathComponent("io.safetensors"))
        let clip = try reference.tensor(named: "pixel_values").reshaped([4, 3, 32, 32])
        let (logits, top) = model.classify(clip: clip, topK: 3)
        let expected = try reference.tensor(named: "logits").scalars
        let best = expected.indices.max { expected[$0] < expected[$1] }!
        #expect(top.count == 3 && top[0].index == best && top[0].label == "class \(best)")
        #expect(top[0].probability >= top[1].probability && top[1].probability >= top[2].probability)
        #expect(logits.shape == [5])
        let embedding = model.embed(clip: clip)
        #expect(embedding.shape == [64])
        let hidden = try reference.tensor(named: "last_hidden_state")
        #expect(maxDifference(embedding.scalars, Array(hidden.scalars[0..<64])) < 1e-4)
        // Averaging two identical views changes nothing.
        let prediction = model.predict(views: [clip, clip], topK: 2)
        #expect(prediction.top.map(\.index) == Array(top.prefix(2)).map(\.index))
        #expect(abs(prediction.top[0].probability - top[0].probability) < 1e-5)
    }

    @Test func missingCheckpointSaysHowToGetOne() {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-no-model-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        do {
            _ = try TimesformerModel.load(directory: empty)
            Issue.record("loading an empty directory succeeded")
        } catch let error as WeightsError {
            #expect(error.code == .missingFile)
            #expect(error.file?.hasSuffix("config.json") == true)
            #expect(error.message.contains("huggingface-cli download facebook/timesformer-base-finetuned-k400"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func wrongCheckpointNamesEveryBadTensor() throws {
        // The divided fixture's weights under a space_only config: the temporal tensors are unexpected.
        let source = fixtureURL("timesformer-tiny-divided_space_time")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-wrong-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: source.appendingPathComponent("model.safetensors"), to: directory.appendingPathComponent("model.safetensors"))
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("config.json"))) as! [String: Any]
        config["attention_type"] = "space_only"
        config["intermediate_size"] = 96
        try JSONSerialization.data(withJSONObject: config).write(to: directory.appendingPathComponent("config.json"))
        do {
            _ = try TimesformerModel.load(directory: directory)
            Issue.record("mismatched checkpoint loaded")
        } catch let error as WeightsError {
            #expect(error.code == .parameterMismatch)
            #expect(error.unexpected.contains("timesformer.encoder.layer.0.temporal_dense.weight"))
            #expect(error.unexpected.contains("timesformer.embeddings.time_embeddings"))
            #expect(error.wrongShape.contains { $0.name == "timesformer.encoder.layer.1.intermediate.dense.weight" && $0.expected == [96, 64] && $0.found == [128, 64] })
        }
    }

    @Test func baseConfigurationShapes() {
        // Full-size base configuration with random weights, on 8 frames of 32² to stay cheap: the 768-wide,
        // 12-head, 12-layer shapes, with the 14×14 position table resized to the 4×4 grid.
        var config = TimesformerConfiguration()
        config.numFrames = 8
        let model = TimesformerModel(randomWeightsFor: config, seed: 1)
        #expect(model.configuration.hiddenSize == 768 && model.weights.layers.count == 12)
        let clip = Tensor(repeating: 0.1, shape: [8, 3, 32, 32])
        let output = model.forward(pixelValues: clip)
        #expect(output.lastHiddenState.shape == [1, 1 + 4 * 8, 768])
        #expect(output.logits?.shape == [1, 2])
        let finite = output.lastHiddenState.scalars.allSatisfy { $0.isFinite }
        #expect(finite)
        let parameters = TimesformerWeights.parameterShapes(config, prefix: "timesformer.", classifier: false).values.reduce(0) { $0 + $1.reduce(1, *) }
        #expect(parameters == 121_258_752)  // torch: sum(p.numel()) of TimesformerModel(TimesformerConfig())
    }
}

func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).map { abs($0 - $1) }.max() ?? 0
}
