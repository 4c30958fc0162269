import Foundation
import Testing
import TandemCore
import TandemModels
@testable import TandemNodes

/// The `vad` node and `whisper`'s `vad_filter` in graphs, on clip1 – 10 s of silence – clip1 written
/// as a WAV, with the models `make models` installs.
@Suite(.serialized) struct VADNodeTests {
    static let clip = Bundle.module.url(forResource: "Fixtures/whisper/clip1", withExtension: "wav")!
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let whisperModel = packageRoot.appendingPathComponent("Models/whisper-tiny.en").path
    static let vadModel = packageRoot.appendingPathComponent("Models/silero-vad").path

    /// 16-bit PCM samples of a mono WAV (the fixture's layout: one `data` chunk).
    static func pcm(_ url: URL) throws -> [Int16] {
        let bytes = [UInt8](try Data(contentsOf: url))
        var position = 12
        while position + 8 <= bytes.count {
            let id = String(decoding: bytes[position..<position + 4], as: UTF8.self)
            let size = Int(bytes[position + 4]) | Int(bytes[position + 5]) << 8 | Int(bytes[position + 6]) << 16 | Int(bytes[position + 7]) << 24
            if id == "data" {
                return stride(from: position + 8, to: min(bytes.count, position + 8 + size) - 1, by: 2).map {
                    Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8)
                }
            }
            position += 8 + size + (size & 1)
        }
        throw CocoaError(.fileReadCorruptFile)
    }

    /// Writes speech – `gap` s of silence – speech as a 16 kHz mono WAV; returns it and the gap in seconds.
    static func speechGapSpeech(in directory: URL, gap: Double = 10) throws -> (url: URL, gap: ClosedRange<Double>) {
        let speech = try pcm(clip)
        let samples = speech + [Int16](repeating: 0, count: Int(gap * 16_000)) + speech
        var data = Data()
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: Array("RIFF".utf8)); append(UInt32(36 + samples.count * 2))
        data.append(contentsOf: Array("WAVEfmt ".utf8)); append(UInt32(16)); append(UInt16(1)); append(UInt16(1))
        append(UInt32(16_000)); append(UInt32(32_000)); append(UInt16(2)); append(UInt16(16))
        data.append(contentsOf: Array("data".utf8)); append(UInt32(samples.count * 2))
        for sample in samples { append(sample) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent("speech-gap-speech.wav")
        try data.write(to: url)
        let start = Double(speech.count) / 16_000
        return (url, start...(start + gap))
    }

    @Test func vadNodeStreamsProbabilitiesAndFindsTheTwoSpans() throws {
        var harness = GraphHarness()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        let (file, gap) = try Self.speechGapSpeech(in: harness.root)
        try harness.add("decode", "decode", ["sample_rate": .int(16_000), "channels": .int(1)])
        try harness.add("vad", "vad", ["model": .string(Self.vadModel)])
        try harness.connect("decode.audio", to: "vad.audio")
        let speech = try harness.collect("speech", from: "vad.speech")
        let probabilities = try harness.collect("probabilities", from: "vad.probabilities")
        _ = try harness.run(on: file)

        let series = probabilities.packets.compactMap { packet -> TensorValue? in if case .tensor(let t) = packet { t } else { nil } }
        #expect(series.count > 1, "probabilities should stream, one packet per audio packet")
        for (previous, next) in zip(series, series.dropFirst()) {
            #expect(abs(previous.endSeconds! - next.startSeconds!) < 1e-9)
            #expect(abs(next.endSeconds! - next.startSeconds! - Double(next.shape[0]) * 0.032) < 1e-9)
        }
        let values = series.flatMap { $0.data.array }
        let samples = try Self.pcm(file).map { Float($0) / 32768 }
        #expect(values.count == samples.count / 512 + 1)
        // The node's series is the library's, fed whole.
        let direct = try SileroVAD(directory: URL(fileURLWithPath: Self.vadModel)).speechProbabilities(samples)
        #expect(zip(values, direct).allSatisfy { abs($0 - $1) <= 1e-5 })

        #expect(speech.packets.count >= 2, "the first span is decided before the end of the stream")
        let segments = speech.packets.flatMap { packet -> [Segment] in if case .segments(let s) = packet { s } else { [] } }
        let spans = SpeechTimestamps.compute(probabilities: direct, sampleCount: samples.count)
        #expect(segments.count == 2)
        #expect(segments.map { Int(($0.start * 16_000).rounded()) } == spans.map(\.lowerBound))
        #expect(segments.map { Int(($0.end * 16_000).rounded()) } == spans.map(\.upperBound))
        #expect(segments.allSatisfy { $0.label == "speech" && $0.score > 0.5 && $0.score <= 1 })
        #expect(segments[0].end < gap.lowerBound + 1 && segments[1].start > gap.upperBound - 1)
    }

    @Test func vadFilterKeepsTheWordsAndTheirTimesAndNothingInTheGap() throws {
        let harness = GraphHarness()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        let (file, gap) = try Self.speechGapSpeech(in: harness.root)
        let pipeline = try Pipeline.load(contentsOf: Self.packageRoot.appendingPathComponent("Pipelines/transcribe.yaml"), catalog: .standard,
                                         overrides: [("model", Self.whisperModel), ("vad_filter", "true"), ("formats", "json")])
        let result = try GraphExecution(try pipeline.makeGraph(catalog: .standard), input: InputFile(url: file, relativePath: "gap.wav"),
                                        outputDirectory: harness.root.appendingPathComponent("out")).run()
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: harness.root.appendingPathComponent("out").appendingPathComponent(result.outputs[0]))) as! [String: Any]
        let words = (json["segments"] as! [[String: Any]]).flatMap { $0["words"] as! [[String: Any]] }
        let text = words.map { ($0["word"] as! String).lowercased() }.joined()
        // The same sentence twice, once on each side of the gap.
        #expect(text.components(separatedBy: "lazy").count == 3, "\(text)")
        let starts = words.map { $0["start"] as! Double }
        #expect(starts.filter { $0 > gap.lowerBound + 0.5 && $0 < gap.upperBound - 0.5 }.isEmpty, "words inside the silence: \(text)")
        let firstHalf = starts.filter { $0 < gap.lowerBound }.count
        #expect(firstHalf > 0 && firstHalf < words.count)
        #expect(starts.filter { $0 > gap.upperBound - 0.5 }.count == words.count - firstHalf)
    }

    @Test func otherRatesAreRefusedAndAMissingModelIsAValidationError() throws {
        var harness = GraphHarness()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        try harness.add("decode", "decode", ["sample_rate": .int(22_050), "channels": .int(1)])
        try harness.add("vad", "vad", ["model": .string(Self.vadModel)])
        try harness.connect("decode.audio", to: "vad.audio")
        _ = try harness.collect("speech", from: "vad.speech")
        let error = try #require(throws: NodeError.self) { _ = try harness.run(on: Self.clip) }
        #expect(error.description.contains("16000 Hz") && error.description.contains("22050"))

        let descriptor = try #require(NodeCatalog.standard.descriptor("vad"))
        let problems = VADNode.problems(in: try NodeParameters(["model": .string("/nonexistent/silero")], for: descriptor))
        #expect(problems.count == 1 && problems[0].message.contains("make models"))
        let whisper = try #require(NodeCatalog.standard.descriptor("whisper"))
        let off = WhisperNode.problems(in: try NodeParameters(["model": .string(Self.whisperModel), "vad_model": .string("/nonexistent")], for: whisper))
        #expect(off.isEmpty, "the VAD model matters only with vad_filter")
        let on = WhisperNode.problems(in: try NodeParameters(["model": .string(Self.whisperModel), "vad_model": .string("/nonexistent"),
                                                              "vad_filter": .bool(true)], for: whisper))
        #expect(on.map(\.parameter) == ["vad_model"])
    }
}
