import Foundation
import Testing
import TandemNN
@testable import TandemModels

/// Tensors in memory, for checkpoints rewritten by a test.
struct AudioLDMMemoryWeights: WeightSource {
    var tensors: [String: Tensor]

    /// Every tensor of `directory`.
    init(copying directory: HuggingFaceDirectory) throws {
        tensors = [:]
        for name in directory.tensorNames { tensors[name] = try directory.tensor(named: name) }
    }

    var tensorNames: [String] { tensors.keys.sorted() }
    func shape(of name: String) -> [Int]? { tensors[name]?.shape }
    func tensor(named name: String) throws -> Tensor {
        guard let tensor = tensors[name] else { throw WeightsError(.tensorNotFound, tensor: name, "not in memory") }
        return tensor
    }
}

/// AudioLDM's vocoder against transformers' `SpeechT5HifiGan` (Tools/fixtures/make_audioldm_fixtures.py).
@Suite struct AudioLDMVocoderTests {
    static func fixtureWeights() throws -> (HiFiGANVocoderConfiguration, AudioLDMMemoryWeights) {
        let directory = try AudioLDMFixture.component("vocoder")
        let configuration = try directory.decodeJSON(HiFiGANVocoderConfiguration.self)
        return (configuration, try AudioLDMMemoryWeights(copying: directory))
    }

    @Test func synthesisesAsTransformers() throws {
        let vocoder = try HiFiGANVocoder(directory: AudioLDMFixture.component("vocoder"))
        #expect(vocoder.sampleRate == 16000 && vocoder.melBins == 8 && vocoder.hopLength == 4)
        let waveform = vocoder(try AudioLDMFixture.reference("vocoder.mel"))
        let expected = try AudioLDMFixture.reference("vocoder.waveform")
        #expect(waveform.shape == [1, 128] && expected.shape == [1, 128])
        #expect(Tensor.relativeDifference(waveform, expected) <= 1e-4)
    }

    /// Old checkpoints keep weight norm as a (gain, direction) pair; folded at load, they give the
    /// same network as the plain weight. Each direction here is the weight times a different factor
    /// per output row, so a fold that ignored the norm or the gain would not match.
    @Test(arguments: [("weight_g", "weight_v"), ("parametrizations.weight.original0", "parametrizations.weight.original1")])
    func foldsWeightNormPairs(gainName: String, directionName: String) throws {
        let (configuration, plain) = try Self.fixtureWeights()
        var normed = plain
        for (name, weight) in plain.tensors where name.hasSuffix(".weight") && weight.rank == 3 {
            let stem = String(name.dropLast("weight".count))
            let rows = weight.shape[0], width = weight.count / rows
            var direction = weight.scalars
            var gains = [Float](repeating: 0, count: rows)
            for row in 0..<rows {
                let slice = row * width..<(row + 1) * width
                gains[row] = slice.reduce(Float(0)) { $0 + direction[$1] * direction[$1] }.squareRoot()
                for i in slice { direction[i] *= Float(row + 2) }
            }
            normed.tensors[name] = nil
            normed.tensors[stem + gainName] = Tensor(shape: [rows, 1, 1], values: gains)
            normed.tensors[stem + directionName] = Tensor(shape: weight.shape, values: direction)
        }
        let mel = try AudioLDMFixture.reference("vocoder.mel")
        let reference = try HiFiGANVocoder(configuration: configuration, weights: plain)(mel)
        let folded = try HiFiGANVocoder(configuration: configuration, weights: normed)(mel)
        #expect(Tensor.relativeDifference(folded, reference) <= 1e-5)
        #expect(Tensor.relativeDifference(reference, try AudioLDMFixture.reference("vocoder.waveform")) <= 1e-4)
    }

    /// `normalize_before` standardises the input with the checkpoint's `mean` and `scale`: feeding
    /// `mel · scale + mean` to a vocoder that normalises gives what `mel` gives one that does not.
    @Test func normalizesBeforeWithTheCheckpointStatistics() throws {
        var (configuration, weights) = try Self.fixtureWeights()
        let mean = (0..<8).map { Float($0) * 0.3 - 1 }, scale = (0..<8).map { 0.5 + Float($0) * 0.25 }
        weights.tensors["mean"] = Tensor(shape: [8], values: mean)
        weights.tensors["scale"] = Tensor(shape: [8], values: scale)
        let mel = try AudioLDMFixture.reference("vocoder.mel")
        let expected = try HiFiGANVocoder(configuration: configuration, weights: weights)(mel)
        configuration.normalizeBefore = true
        let shifted = Tensor(shape: mel.shape, values: mel.scalars.enumerated().map { i, x in x * scale[i % 8] + mean[i % 8] })
        let normalising = try HiFiGANVocoder(configuration: configuration, weights: weights)
        #expect(Tensor.relativeDifference(normalising(shifted), expected) <= 1e-5)
        #expect(Tensor.relativeDifference(normalising(mel), expected) > 1e-2)
    }

    /// AudioLDM's published vocoder upsamples by 5 with a kernel of 16: PyTorch's padding (16 − 5) / 2
    /// rounds down and each stage from there on is a little longer than frames · rate.
    @Test func oddKernelMinusRateLengthensTheOutputAsPyTorch() throws {
        var (configuration, weights) = try Self.fixtureWeights()
        configuration.upsampleRates = [3, 2]
        configuration.upsampleKernelSizes = [6, 4]
        weights.tensors["upsampler.0.weight"] = Tensor(repeating: 0.01, shape: [16, 8, 6])
        let vocoder = try HiFiGANVocoder(configuration: configuration, weights: weights)
        let waveform = vocoder(try AudioLDMFixture.reference("vocoder.mel"))
        // Stage 1: (32 − 1)·3 − 2 + 6 = 97; stage 2: (97 − 1)·2 − 2 + 4 = 194.
        #expect(waveform.shape == [1, 194] && configuration.sampleCount(forFrames: 32) == 194)
        var published = HiFiGANVocoderConfiguration()
        (published.upsampleRates, published.upsampleKernelSizes) = ([5, 4, 2, 2, 2], [16, 16, 8, 4, 4])
        #expect(published.sampleCount(forFrames: 500) == 80_032 && published.hopLength == 160)
    }

    @Test func refusesKernelsShorterThanTheStride() throws {
        var (configuration, weights) = try Self.fixtureWeights()
        configuration.upsampleKernelSizes = [1, 4]
        let error = #expect(throws: AudioLDMError.self) { try HiFiGANVocoder(configuration: configuration, weights: weights) }
        #expect(error?.code == .unsupportedConfiguration && error?.message.contains("kernel 1") == true)
        configuration.upsampleKernelSizes = [4, 4]
        weights.tensors["conv_pre.bias"] = nil
        let missing = #expect(throws: WeightsError.self) { try HiFiGANVocoder(configuration: configuration, weights: weights) }
        #expect(missing?.code == .parameterMismatch && missing?.missing == ["conv_pre.bias"])
    }
}
