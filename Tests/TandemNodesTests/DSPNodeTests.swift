import Foundation
import Testing
import TandemCore
@testable import TandemDSP
import TandemMedia
@testable import TandemNodes

/// The DSP nodes in graphs: streamed results must equal the one-shot library transforms of the whole input.
@Suite struct DSPNodeTests {
    /// A 0.6 s, 8 kHz tone decoded in odd-sized chunks (so frames straddle packet boundaries), and the whole signal.
    func tone(_ harness: GraphHarness, rate: Int = 8000) throws -> (url: URL, samples: [Float]) {
        let url = harness.root.appendingPathComponent("in/tone.wav")
        try MediaSamples.tone(url, seconds: 0.6, rate: rate)
        let all = try AudioReader(url: url, options: AudioDecodeOptions(channels: 1)).readAll()
        return (url, all.channels[0].array)
    }

    func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    @Test func stftStreamsTheOneShotFramesAndIstftRebuildsTheSignal() throws {
        var harness = GraphHarness()
        let (url, samples) = try tone(harness)
        try harness.add("decode", "decode", ["channels": .int(1), "chunk_frames": .int(999)])
        try harness.add("stft", "stft", ["n_fft": .int(256), "hop": .int(64), "output": .string("complex")])
        try harness.add("istft", "istft")
        try harness.connect("decode.audio", to: "stft.audio")
        try harness.connect("stft.spectrogram", to: "istft.spectrogram")
        let spectra = try harness.collect("spectra", from: "stft.spectrogram")
        let rebuilt = try harness.collect("rebuilt", from: "istft.audio")
        _ = try harness.run(on: url)
        defer { try? FileManager.default.removeItem(at: harness.root) }

        let packets = spectra.packets.spectrograms
        #expect(packets.count > 2)
        #expect(packets.map(\.firstFrame) == packets.indices.map { i in Int64(packets[..<i].reduce(0) { $0 + $1.frameCount }) })
        let oneShot = try STFT(STFTConfiguration(fftSize: 256, hop: 64))(samples)
        let streamed = packets.flatMap(\.data.array)
        #expect(streamed.count == oneShot.count)
        #expect(maxDifference(streamed, oneShot) < 1e-5)

        let audio = rebuilt.packets.audio
        #expect(audio.first?.firstSample == 0)
        let signal = audio.flatMap(\.channels[0].array)
        #expect(signal.count == samples.count)
        #expect(maxDifference(signal, samples) < 1e-4)
    }

    @Test func melOfPowerFramesMatchesTheFilterbank() throws {
        var harness = GraphHarness()
        let (url, samples) = try tone(harness)
        try harness.add("decode", "decode", ["channels": .int(1), "chunk_frames": .int(1000)])
        try harness.add("stft", "stft", ["n_fft": .int(512), "hop": .int(128), "output": .string("power"), "window": .string("hamming")])
        try harness.add("mel", "mel", ["mels": .int(40), "fmax": .double(3500), "scale": .string("htk")])
        try harness.connect("decode.audio", to: "stft.audio")
        try harness.connect("stft.spectrogram", to: "mel.spectrogram")
        let mel = try harness.collect("out", from: "mel.spectrogram")
        _ = try harness.run(on: url)
        defer { try? FileManager.default.removeItem(at: harness.root) }

        let packets = mel.packets.spectrograms
        #expect(packets.allSatisfy { $0.values == .mel && $0.binCount == 40 })
        let power = try STFT(STFTConfiguration(fftSize: 512, hop: 128, window: .hamming(), output: .power))(samples)
        let filters = try MelFilterbank(sampleRate: 8000, fftSize: 512, melCount: 40, maxFrequency: 3500, scale: .htk)
        let reference = try filters(power)
        let streamed = packets.flatMap(\.data.array)
        #expect(streamed.count == reference.count)
        #expect(maxDifference(streamed, reference) <= 1e-4 * (reference.max() ?? 1))
    }

    @Test func logMelWhisperStyleIsWhispersFrontEnd() throws {
        var harness = GraphHarness()
        let (url, _) = try tone(harness, rate: 44_100)
        try harness.add("decode", "decode", ["sample_rate": .int(16_000), "channels": .int(1), "chunk_frames": .int(1234)])
        try harness.add("logmel", "log-mel")
        try harness.connect("decode.audio", to: "logmel.audio")
        let out = try harness.collect("out", from: "logmel.spectrogram")
        _ = try harness.run(on: url)
        defer { try? FileManager.default.removeItem(at: harness.root) }

        let resampled = try AudioReader(url: url, options: AudioDecodeOptions(sampleRate: 16_000, channels: 1)).readAll()
        let reference = try WhisperLogMel()(resampled)
        let packets = out.packets.spectrograms
        #expect(packets.count == 1)
        #expect(packets.first == reference)
        #expect(packets.first?.frameCount == resampled.frameCount / 160)
    }

    @Test func logMelPlainStreamsDecibelsOfTheMelPower() throws {
        var harness = GraphHarness()
        let (url, samples) = try tone(harness)
        try harness.add("decode", "decode", ["channels": .int(1), "chunk_frames": .int(777)])
        try harness.add("logmel", "log-mel", ["style": .string("plain"), "mels": .int(32), "n_fft": .int(256), "hop": .int(80)])
        try harness.connect("decode.audio", to: "logmel.audio")
        let out = try harness.collect("out", from: "logmel.spectrogram")
        _ = try harness.run(on: url)
        defer { try? FileManager.default.removeItem(at: harness.root) }

        let power = try STFT(STFTConfiguration(fftSize: 256, hop: 80, output: .power))(samples)
        let mel = try MelFilterbank(sampleRate: 8000, fftSize: 256, melCount: 32)(power)
        let reference = mel.map { 10 * log10f(max($0, 1e-10)) }
        let packets = out.packets.spectrograms
        #expect(packets.count > 1)
        #expect(packets.allSatisfy { $0.values == .logMel })
        let streamed = packets.flatMap(\.data.array)
        #expect(streamed.count == reference.count)
        // Bins more than 80 dB below the loudest hold only the FFT's rounding noise, which a different
        // FFTW algorithm changes by a few hundredths of a dB; the stream must match everywhere else.
        let audible = reference.indices.filter { reference[$0] > reference.max()! - 80 }
        #expect(audible.count > reference.count / 4)
        #expect(maxDifference(audible.map { streamed[$0] }, audible.map { reference[$0] }) < 1e-3)
    }

    @Test func whisperStyleRefusesAudioThatIsNot16k() throws {
        var harness = GraphHarness()
        let (url, _) = try tone(harness)
        try harness.add("decode", "decode", ["channels": .int(1)])
        try harness.add("logmel", "log-mel")
        try harness.connect("decode.audio", to: "logmel.audio")
        _ = try harness.collect("out", from: "logmel.spectrogram")
        defer { try? FileManager.default.removeItem(at: harness.root) }
        let error = try #require(throws: NodeError.self) { _ = try harness.run(on: url) }
        #expect(error.description.contains("16000"))
    }

    /// Pipelines/spectrograms.yaml as shipped: a tensor and a picture per input.
    @Test func spectrogramsPipelineWritesATensorAndAPicture() throws {
        let harness = GraphHarness()
        let (url, _) = try tone(harness, rate: 22_050)
        let pipelineFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Pipelines/spectrograms.yaml")
        let pipeline = try Pipeline.load(contentsOf: pipelineFile, catalog: .standard)
        let result = try GraphExecution(try pipeline.makeGraph(catalog: .standard),
                                        input: InputFile(url: url, relativePath: "in/tone.wav"),
                                        outputDirectory: harness.root.appendingPathComponent("out")).run()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        #expect(result.outputs.sorted() == ["spectrograms/in/tone.logmel.npy", "spectrograms/in/tone.logmel.png"])
        let tensor = try readNpy(harness.root.appendingPathComponent("out/spectrograms/in/tone.logmel.npy"))
        #expect(tensor.shape == [9600 / 160, 80])
        #expect(tensor.values.count == 60 * 80)
        let picture = try #require(try FrameReader(url: harness.root.appendingPathComponent("out/spectrograms/in/tone.logmel.png")).next())
        #expect(picture.width == SpectrogramImage.marginLeft + 800 + SpectrogramImage.marginRight)
        #expect(picture.height == SpectrogramImage.marginTop + 240 + SpectrogramImage.marginBottom)
    }
}
