import Foundation
import Testing
import TandemCore
import TandemMedia
@testable import TandemNodes

@Suite struct ResampleNodeTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-resample-\(UUID().uuidString)")

    func run(_ yaml: String, on file: URL) throws -> GraphExecution.Result {
        let pipeline = try Pipeline.load(yaml: yaml, file: "test.yaml", catalog: .standard)
        return try GraphExecution(try pipeline.makeGraph(catalog: .standard), input: InputFile(url: file, relativePath: file.lastPathComponent),
                                  outputDirectory: root.appendingPathComponent("out")).run()
    }

    @Test func resampleInAGraphMatchesTheDecoderPath() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let wav = root.appendingPathComponent("in/tone.wav")
        try MediaSamples.tone(wav, seconds: 1.5)
        let result = try run("""
            version: 1
            nodes:
              - {id: decode, kind: decode, params: {chunk_frames: 1000}}
              - {id: resample, kind: resample, params: {sample_rate: 16000, channels: 1}, inputs: {audio: decode.audio}}
              - {id: graph, kind: write-audio, params: {path: "graph.wav", sample_format: float32}, inputs: {audio: resample.audio}}
              - {id: direct, kind: decode, params: {sample_rate: 16000, channels: 1}}
              - {id: decoder, kind: write-audio, params: {path: "decoder.wav", sample_format: float32}, inputs: {audio: direct.audio}}
            """, on: wav)
        #expect(Set(result.outputs) == ["graph.wav", "decoder.wav"])
        let graph = try AudioReader(url: root.appendingPathComponent("out/graph.wav")).readAll()
        let decoder = try AudioReader(url: root.appendingPathComponent("out/decoder.wav")).readAll()
        #expect(graph.sampleRate == 16_000 && graph.channelCount == 1)
        #expect(graph.frameCount == decoder.frameCount)
        #expect(abs(graph.frameCount - 24_000) <= 1)
        let difference = zip(graph.channels[0].array, decoder.channels[0].array).map { abs($0 - $1) }.max() ?? 1
        #expect(difference < 1e-5)
    }

    @Test func audioAlreadyInTheFormatPassesThrough() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let wav = root.appendingPathComponent("in/tone.wav")
        try MediaSamples.tone(wav, seconds: 0.5, rate: 16_000)
        let result = try run("""
            version: 1
            nodes:
              - {id: decode, kind: decode, params: {chunk_frames: 1000}}
              - {id: resample, kind: resample, params: {sample_rate: 16000, channels: 2}, inputs: {audio: decode.audio}}
              - {id: j, kind: write-json, params: {path: "out.json"}, inputs: {in: resample.audio}}
            """, on: wav)
        #expect(result.statistics.map(\.packetsOut) == [8, 8, 0])
    }

    @Test func theShippedAudioPipelineWrites16kMonoFlacThroughTheNode() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let wav = root.appendingPathComponent("in/tone.wav")
        try MediaSamples.tone(wav, seconds: 1.5)
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Pipelines/audio.yaml")
        let pipeline = try Pipeline.load(contentsOf: file, catalog: .standard)
        let result = try GraphExecution(try pipeline.makeGraph(catalog: .standard), input: InputFile(url: wav, relativePath: "tone.wav"),
                                        outputDirectory: root.appendingPathComponent("out")).run()
        #expect(result.statistics.map(\.kind) == ["decode", "resample", "write-audio"])
        let flac = try AudioReader(url: root.appendingPathComponent("out").appendingPathComponent(try #require(result.outputs.first))).readAll()
        #expect(flac.sampleRate == 16_000 && flac.channelCount == 1)
        #expect(abs(flac.frameCount - 24_000) <= 1)
    }
}
