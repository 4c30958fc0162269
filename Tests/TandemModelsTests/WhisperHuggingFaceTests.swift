import Foundation
import Testing
import TandemDSP
import TandemNN
@testable import TandemModels

/// A random Hugging Face Whisper (fixture hf-tiny, made with transformers) against transformers' outputs.
@Suite struct WhisperHuggingFaceTests {
    @Test func encoderAndCachedDecoderMatchTransformers() throws {
        let model = try WhisperModel(huggingFaceDirectory: WhisperFixtures.directory.appendingPathComponent("hf-tiny"))
        let reference = try WhisperFixtures.json("hf_tiny_reference.json")
        let mel = (0..<8000).map { Float(sin(0.37 * Double($0))) }
        let encoded = try model.encode(mel)
        let expectedEncoder = (reference["encoder"] as! [[Double]]).flatMap { $0.map(Float.init) }
        #expect(encoded.states.shape == [1, 50, 16])
        let encoderError = zip(encoded.states.scalars, expectedEncoder).map { abs($0 - $1) }.max()!
        #expect(encoderError < 1e-4, "encoder differs by \(encoderError)")

        // Token by token through the cache, then once more with the rows duplicated as a beam would.
        let tokens = reference["tokens"] as! [Int]
        let expectedLogits = (reference["logits"] as! [[Double]]).map { $0.map(Float.init) }
        var cache = try model.makeCache(for: encoded)
        for (step, token) in tokens.enumerated() {
            if step == 2 { model.selectRows([0, 0], cache: &cache) }
            let rows = step >= 2 ? [[token], [token]] : [[token]]
            let logits = try model.decode(rows, cache: &cache)
            for row in logits {
                let error = zip(row, expectedLogits[step]).map { abs($0 - $1) }.max()!
                #expect(error < 1e-3, "step \(step) differs by \(error)")
            }
        }
        // The whole prompt at once gives the last step's logits too.
        var prefilled = try model.makeCache(for: encoded)
        let last = try model.decode([tokens], cache: &prefilled)[0]
        #expect(zip(last, expectedLogits[tokens.count - 1]).map { abs($0 - $1) }.max()! < 1e-3)
    }

    @Test func missingTensorsAreAllNamed() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hf-broken-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // A config that asks for two encoder layers where the checkpoint has one.
        var config = try WhisperFixtures.json("hf-tiny/config.json")
        config["encoder_layers"] = 2
        try JSONSerialization.data(withJSONObject: config).write(to: directory.appendingPathComponent("config.json"))
        try FileManager.default.copyItem(at: WhisperFixtures.directory.appendingPathComponent("hf-tiny/model.safetensors"),
                                         to: directory.appendingPathComponent("model.safetensors"))
        let error = #expect(throws: WeightsError.self) { try WhisperModel(huggingFaceDirectory: directory) }
        #expect(error?.missing.contains("model.encoder.layers.1.fc1.weight") == true)
    }

    /// openai/whisper's `log_mel_spectrogram` (fixture from openai-whisper) through the DSP front end, to 1e-4.
    @Test func openAILogMelMatches() throws {
        let samples = try WhisperFixtures.wav("clip1.wav")
        let expected = try WhisperFixtures.floats("logmel_openai_clip1.f32")
        let frontEnd = try WhisperLogMel()
        let got = WhisperLogMel.melMajor(frontEnd.features(samples), melCount: 80)
        #expect(got.count == expected.count)
        let worst = zip(got, expected).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-4, "largest difference \(worst)")
    }
}
