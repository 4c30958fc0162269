import Foundation
import Testing
import TandemCore
import TandemMedia
@testable import TandemNodes

/// Test source: emits one segments packet (speech regions), as a voice- or lip-activity node would.
struct SegmentSource: Node {
    static let descriptor = NodeDescriptor(kind: "segment-source", doc: "test source", outputs: [PortSpec("segments", .segments)])
    let segments: [Segment]
    var sent = false

    mutating func produce(output: NodeOutput) throws -> Bool {
        guard !sent else { return false }
        sent = true
        try output.emit(.segments(segments))
        return true
    }
}

/// The `whisper` and `write-transcript` nodes with the real embedded models (Models/whisper-tiny.en and
/// Models/whisper-base, installed by `make models`) on the model tests' first clip: "The quick brown fox jumps over the lazy dog."
@Suite(.serialized) struct WhisperNodeTests {
    static let clip = Bundle.module.url(forResource: "Fixtures/whisper/clip1", withExtension: "wav")!
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let model = packageRoot.appendingPathComponent("Models/whisper-tiny.en").path
    /// faster-whisper's beam-5 transcript of clip1 with tiny.en (Tests/TandemModelsTests/Fixtures/whisper/transcripts.json).
    static let reference = " The quick brown fox jumped over the lazy dog."

    /// Runs `harness` (its `decode` and `whisper` nodes added) on `clip` with `regions` as the whisper node's
    /// segments, and returns the transcript; the harness's folder is removed.
    func transcribe(_ clip: URL, within regions: [Segment], in harness: inout GraphHarness) throws -> [TranscriptSegment] {
        try harness.graph.add("regions", SegmentSource(segments: regions))
        try harness.connect("decode.audio", to: "whisper.audio")
        try harness.connect("regions.segments", to: "whisper.segments")
        let out = try harness.collect("out", from: "whisper.transcript")
        defer { try? FileManager.default.removeItem(at: harness.root) }
        _ = try harness.run(on: clip)
        return transcript(out.packets)
    }

    func transcript(_ packets: [Packet]) -> [TranscriptSegment] {
        packets.flatMap { (packet: Packet) -> [TranscriptSegment] in
            if case .transcript(let segments) = packet { return segments }
            return []
        }
    }

    @Test func transcribePipelineWritesEveryFormat() throws {
        let harness = GraphHarness()
        let pipeline = try Pipeline.load(contentsOf: Self.packageRoot.appendingPathComponent("Pipelines/transcribe.yaml"), catalog: .standard,
                                         overrides: [("model", Self.model)])
        let result = try GraphExecution(try pipeline.makeGraph(catalog: .standard), input: InputFile(url: Self.clip, relativePath: "talk/clip1.wav"),
                                        outputDirectory: harness.root.appendingPathComponent("out")).run()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        let base = "transcripts/talk/clip1"
        #expect(result.outputs.sorted() == ["json", "notes.json", "srt", "txt", "vtt"].map { "\(base).\($0)" })
        let out = harness.root.appendingPathComponent("out")
        let text = try String(contentsOf: out.appendingPathComponent("\(base).txt"), encoding: .utf8)
        #expect(text == Self.reference.trimmingCharacters(in: .whitespaces) + "\n")
        let srt = try String(contentsOf: out.appendingPathComponent("\(base).srt"), encoding: .utf8)
        #expect(srt.hasPrefix("1\n00:00:00,000 --> 00:00:0"))
        let vtt = try String(contentsOf: out.appendingPathComponent("\(base).vtt"), encoding: .utf8)
        #expect(vtt.hasPrefix("WEBVTT\n\n00:00.000 --> 00:0"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("\(base).json"))) as? [String: Any]
        #expect(json?["text"] as? String == Self.reference)
        let segment = (json?["segments"] as? [[String: Any]])?.first
        #expect((segment?["tokens"] as? [Int])?.isEmpty == false)
        #expect((segment?["avg_logprob"] as? Double).map { $0 < 0 && $0 > -1 } == true)
        #expect(segment?["no_speech_prob"] is Double)
        // Words are timed by default: faster-whisper's words for this clip at beam 5 (Fixtures/whisper/words.json).
        let words = segment?["words"] as? [[String: Any]] ?? []
        #expect(words.map { $0["word"] as? String ?? "" }.joined() == Self.reference)
        #expect(words.first?["start"] as? Double == 0 && words.last?["end"] as? Double == segment?["end"] as? Double)
        #expect(words.allSatisfy { ($0["probability"] as? Double).map { (0...1).contains($0) } == true })
    }

    /// Runs `Pipelines/transcribe.yaml` (default model: Whisper base, as a user runs it) on one file;
    /// returns its text and its notes.
    func transcribePipeline(_ file: URL, as name: String, in root: URL, overrides: [(String, String)] = []) throws -> (text: String, json: [String: Any], notes: [String]) {
        let pipeline = try Pipeline.load(contentsOf: Self.packageRoot.appendingPathComponent("Pipelines/transcribe.yaml"), catalog: .standard,
                                         overrides: [("formats", "json,txt")] + overrides)
        _ = try GraphExecution(try pipeline.makeGraph(catalog: .standard), input: InputFile(url: file, relativePath: name),
                               outputDirectory: root.appendingPathComponent("out")).run()
        let out = root.appendingPathComponent("out/transcripts")
        let stem = (name as NSString).deletingPathExtension
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent(stem + ".json"))) as? [String: Any] ?? [:]
        let notes = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent(stem + ".notes.json")))
        func labels(_ value: Any) -> [String] {
            if let list = value as? [Any] { return list.flatMap(labels) }
            if let object = value as? [String: Any] { return (object["label"] as? String).map { [$0] } ?? object.values.flatMap(labels) }
            return []
        }
        return (try String(contentsOf: out.appendingPathComponent(stem + ".txt"), encoding: .utf8), json, labels(notes))
    }

    /// Whisper writes "You" on digital silence and "I..." on music (faster-whisper's defaults do the same):
    /// `transcribe.yaml` writes nothing there, and a note that no speech was found.
    @Test func noTextIsWrittenWhereNobodySpeaks() throws {
        let harness = GraphHarness()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        let silence = harness.root.appendingPathComponent("in/silence.wav")
        try FileManager.default.createDirectory(at: silence.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AudioFileWriter.write(AudioBuffer(sampleRate: 16_000, channelLayout: "mono", firstSample: 0,
                                              channels: [SharedArray([Float](repeating: 0, count: 5 * 16_000))]), to: silence)
        let tone = harness.root.appendingPathComponent("in/tone.wav")
        try MediaSamples.tone(tone, seconds: 3)
        let music = Self.packageRoot.appendingPathComponent("Media/two-instruments.mp4")
        for (file, name) in [(silence, "silence.wav"), (tone, "tone.wav"), (music, "two-instruments.mp4")] {
            let result = try transcribePipeline(file, as: name, in: harness.root)
            #expect(result.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(name): \(result.text)")
            #expect((result.json["segments"] as? [Any])?.isEmpty == true, "\(name)")
            #expect(result.notes.contains { $0.hasPrefix("no speech found") }, "\(name): \(result.notes)")
        }
        // gate: false writes what Whisper wrote, as before.
        let ungated = try transcribePipeline(silence, as: "silence.wav", in: harness.root, overrides: [("gate", "false")])
        #expect(!ungated.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        #expect(!ungated.notes.contains { $0.hasPrefix("no speech found") }, "\(ungated.notes)")
    }

    /// The gate costs no words on speech: speech – 10 s of silence – speech keeps both sentences, unnamed
    /// (audio-only transcription has no speakers to name), with nothing in the gap.
    @Test func theGateKeepsEveryWordOfSpeech() throws {
        let harness = GraphHarness()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        let (file, gap) = try VADNodeTests.speechGapSpeech(in: harness.root)
        let gated = try transcribePipeline(file, as: "gap.wav", in: harness.root, overrides: [("model", Self.model)])
        let open = try transcribePipeline(file, as: "gap-open.wav", in: harness.root, overrides: [("model", Self.model), ("gate", "false")])
        func words(_ json: [String: Any]) -> [(word: String, start: Double)] {
            (json["segments"] as? [[String: Any]] ?? []).flatMap { $0["words"] as? [[String: Any]] ?? [] }
                .map { ($0["word"] as? String ?? "", $0["start"] as? Double ?? -1) }
        }
        func inGap(_ start: Double) -> Bool { start > gap.lowerBound + 0.5 && start < gap.upperBound - 0.5 }
        // Every word Whisper wrote outside the gap is kept, and nothing inside it.
        #expect(words(gated.json).map(\.word) == words(open.json).filter { !inGap($0.start) }.map(\.word), "\(gated.text) | \(open.text)")
        #expect(gated.text.lowercased().components(separatedBy: "lazy").count == 3, "\(gated.text)")
        let segments = gated.json["segments"] as? [[String: Any]] ?? []
        #expect(segments.allSatisfy { $0["speaker"] == nil && ($0["words"] as? [[String: Any]] ?? []).allSatisfy { $0["speaker"] == nil } })
        #expect(!words(gated.json).contains { inGap($0.start) })
        #expect(!gated.notes.contains { $0.hasPrefix("no speech found") }, "\(gated.notes)")
    }

    @Test func speechSegmentsRestrictWhatIsTranscribed() throws {
        var harness = GraphHarness()
        try harness.add("decode", "decode", ["sample_rate": .int(16_000), "channels": .int(1)])
        try harness.add("whisper", "whisper", ["model": .string(Self.model), "beam_size": .int(1)])
        try harness.graph.add("regions", SegmentSource(segments: [Segment(start: 1.2, end: 3.44, label: "speech")]))
        try harness.connect("decode.audio", to: "whisper.audio")
        try harness.connect("regions.segments", to: "whisper.segments")
        let out = try harness.collect("out", from: "whisper.transcript")
        _ = try harness.run(on: Self.clip)
        defer { try? FileManager.default.removeItem(at: harness.root) }
        let segments = transcript(out.packets)
        #expect(!segments.isEmpty)
        #expect(segments.allSatisfy { $0.start >= 1.2 && $0.end <= 3.44 + 0.02 })
        // Times are the 16 kHz samples they name, on whole 10 ms steps from the region's start, not sums of seconds.
        #expect(segments.allSatisfy { [$0.startTime, $0.endTime].allSatisfy { $0.unit == Rational(1, 16_000) && $0.ticks % 160 == 0 } },
                "\(segments.map { ($0.startTime, $0.endTime) })")
        let text = segments.map(\.text).joined()
        #expect(text.contains("lazy dog"))
        #expect(!text.contains("quick"))
    }

    /// `language_from_first_window`: a region holding the whole recording leaves detection to its first
    /// window (same text, tokens and times; the probability from that window, not faster-whisper's copy with
    /// the padding frame), while a region ending before the audio does is detected as without it.
    @Test func languageFromTheFirstWindowChangesOnlyItsProbability() throws {
        let base = Self.packageRoot.appendingPathComponent("Models/whisper-base").path
        func run(_ regions: [Segment], firstWindow: Bool) throws -> [TranscriptSegment] {
            var harness = GraphHarness()
            try harness.add("decode", "decode", ["sample_rate": .int(16_000), "channels": .int(1)])
            try harness.add("whisper", "whisper", ["model": .string(base), "beam_size": .int(1), "word_timestamps": .bool(false),
                                                   "language_from_first_window": .bool(firstWindow)])
            return try transcribe(Self.clip, within: regions, in: &harness)
        }
        let whole = [Segment(start: 0, end: 60, label: "speech")]
        let copy = try run(whole, firstWindow: false), first = try run(whole, firstWindow: true)
        #expect(!copy.isEmpty && copy.map(\.tokens) == first.map(\.tokens) && copy.map(\.start) == first.map(\.start))
        #expect(copy.allSatisfy { $0.language == "en" } && first.allSatisfy { $0.language == "en" })
        let (p0, p1) = (try #require(copy.first?.languageProbability), try #require(first.first?.languageProbability))
        #expect(p0 != p1 && abs(p0 - p1) < 0.05, "\(p0) \(p1)")
        let short = [Segment(start: 0.5, end: 2.5, label: "speech")]  // the clip runs on to 3.44 s
        #expect(try run(short, firstWindow: true).map(\.languageProbability) == (try run(short, firstWindow: false)).map(\.languageProbability))
    }

    /// `av-fusion` hands the whisper node the whole recording as one packet, whose storage the node
    /// shares rather than copies: the transcript within the same segments is the one the decoder's many
    /// small packets give.
    @Test func oneWholePacketTranscribesAsManySmallOnes() throws {
        struct WholeAudio: Node {
            static let descriptor = NodeDescriptor(kind: "whole-audio", doc: "test source", outputs: [PortSpec("audio", .audio)])
            let buffer: AudioBuffer
            var sent = false
            mutating func produce(output: NodeOutput) throws -> Bool {
                guard !sent else { return false }
                sent = true
                try output.emit(.audio(buffer))
                return true
            }
        }
        let regions = [Segment(start: 1.2, end: 3.44, label: "speech")]
        func run(whole: Bool) throws -> [TranscriptSegment] {
            var harness = GraphHarness()
            if whole {
                let audio = try AudioReader(url: Self.clip, options: AudioDecodeOptions(sampleRate: 16_000, channels: 1)).readAll()
                try harness.graph.add("decode", WholeAudio(buffer: audio))
            } else {
                try harness.add("decode", "decode", ["sample_rate": .int(16_000), "channels": .int(1)])
            }
            try harness.add("whisper", "whisper", ["model": .string(Self.model), "beam_size": .int(1)])
            return try transcribe(Self.clip, within: regions, in: &harness)
        }
        let whole = try run(whole: true), pieces = try run(whole: false)
        #expect(!whole.isEmpty)
        #expect(whole.map(\.text) == pieces.map(\.text))
        #expect(whole.map(\.start) == pieces.map(\.start) && whole.map(\.end) == pieces.map(\.end))
    }

    @Test func audioThatIsNot16kMonoIsRefused() throws {
        var harness = GraphHarness()
        try harness.add("decode", "decode", ["channels": .int(2)])
        try harness.add("whisper", "whisper", ["model": .string(Self.model)])
        try harness.connect("decode.audio", to: "whisper.audio")
        _ = try harness.collect("out", from: "whisper.transcript")
        let error = try #require(throws: NodeError.self) { _ = try harness.run(on: Self.clip) }
        #expect(error.description.contains("sample_rate: 16000"))
    }

    @Test func badModelAndFormatsAreValidationErrors() throws {
        let file = Self.packageRoot.appendingPathComponent("Pipelines/transcribe.yaml")
        let error = try #require(throws: PipelineValidationError.self) {
            try Pipeline.load(contentsOf: file, catalog: .standard, overrides: [("model", "/nonexistent/whisper"), ("formats", "json,docx")])
        }
        #expect(error.issues.count == 2)
        #expect(error.description.contains("/nonexistent/whisper does not exist"))
        #expect(error.description.contains("make models"))
        #expect(error.description.contains("formats 'json,docx'"))
    }

    /// The shipped default (Whisper base, language auto) detects English on clip1 and says so in the JSON.
    @Test func defaultModelDetectsTheLanguageIntoTheJSON() throws {
        let harness = GraphHarness()
        let pipeline = try Pipeline.load(contentsOf: Self.packageRoot.appendingPathComponent("Pipelines/transcribe.yaml"), catalog: .standard,
                                         overrides: [("beam_size", "1"), ("word_timestamps", "false"), ("formats", "json")])
        _ = try GraphExecution(try pipeline.makeGraph(catalog: .standard), input: InputFile(url: Self.clip, relativePath: "clip1.wav"),
                               outputDirectory: harness.root.appendingPathComponent("out")).run()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        let file = harness.root.appendingPathComponent("out/transcripts/clip1.json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        #expect(json["language"] as? String == "en")
        #expect((json["language_probability"] as? Double).map { $0 > 0.5 && $0 <= 1 } == true)
        #expect((json["text"] as? String)?.contains("lazy dog") == true)
    }

    /// tiny.en cannot give German or a translation: both are validation errors naming the model, before any input is read.
    @Test func englishOnlyModelRefusesOtherLanguagesAtValidation() throws {
        let file = Self.packageRoot.appendingPathComponent("Pipelines/transcribe.yaml")
        let error = try #require(throws: PipelineValidationError.self) {
            try Pipeline.load(contentsOf: file, catalog: .standard, overrides: [("model", Self.model), ("language", "de"), ("task", "translate")])
        }
        #expect(error.issues.count == 2)
        #expect(error.description.contains("language 'de' needs a multilingual model"))
        #expect(error.description.contains("task translate needs a multilingual model"))
        #expect(error.description.contains("whisper-tiny.en is English-only"))
        let unknown = try #require(throws: PipelineValidationError.self) {
            try Pipeline.load(contentsOf: file, catalog: .standard, overrides: [("language", "klingon")])
        }
        #expect(unknown.description.contains("language 'klingon' is not one of"))
        _ = try Pipeline.load(contentsOf: file, catalog: .standard, overrides: [("model", Self.model), ("language", "en")])
    }

    /// A model that is not installed stops `tandem validate` with exit 2 and the command that installs it.
    @Test func missingModelExitsWithTwoAndSaysHowToInstallIt() throws {
        let process = Process()
        process.executableURL = try CLIBatchTests.tandemBinary()
        process.arguments = ["validate", Self.packageRoot.appendingPathComponent("Pipelines/transcribe.yaml").path,
                             "--set", "model=/nonexistent/Models/whisper-base"]
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 2)
        #expect(text.contains("/nonexistent/Models/whisper-base does not exist") && text.contains("make models"), "\(text)")
    }

    /// The default `Models/whisper-base` is found from another directory through the executable's package root.
    @Test func theDefaultModelIsFoundFromAnyDirectory() throws {
        let elsewhere = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-cwd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        let process = Process()
        process.executableURL = try CLIBatchTests.tandemBinary()
        process.arguments = ["validate", Self.packageRoot.appendingPathComponent("Pipelines/transcribe.yaml").path]
        process.currentDirectoryURL = elsewhere
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @Test func temperaturesAreParsed() {
        #expect(WhisperNode.temperatures("0, 0.5,1") == [0, 0.5, 1])
        #expect(WhisperNode.temperatures("0,hot") == nil)
        #expect(WhisperNode.temperatures("") == nil)
        #expect(WhisperNode.temperatures("3") == nil)
    }
}
