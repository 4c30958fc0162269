import Foundation
import Testing
import TandemCore
import TandemMedia
@testable import TandemNodes

/// The AudioLDM pipelines on the tiny random-weight checkpoint of Tools/fixtures/make_audioldm_fixtures.py
/// (Tests/TandemModelsTests/Fixtures/audioldm/pipeline, read from the source tree).
@Suite struct GenerateAudioNodeTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-generate-\(UUID().uuidString)")
    static let checkpoint = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("TandemModelsTests/Fixtures/audioldm/pipeline")
    static let pipelines = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Pipelines")

    func run(_ pipeline: String, _ inputs: [URL], overrides: [(String, String)]) throws -> (BatchSummary, URL) {
        let loaded = try Pipeline.load(contentsOf: Self.pipelines.appendingPathComponent(pipeline), catalog: .standard,
                                       overrides: [("model", Self.checkpoint.path)] + overrides)
        let out = root.appendingPathComponent("out-\(UUID().uuidString)")
        let summary = try BatchRunner(pipeline: loaded, catalog: .standard, options: BatchOptions(outputDirectory: out),
                                      progress: BatchProgress(mode: .none, statistics: false))
            .run(inputs.map { InputFile(url: $0, relativePath: $0.lastPathComponent) })
        return (summary, out)
    }

    func clips(_ folder: URL) throws -> [[String: Any]] {
        let data = try Data(contentsOf: folder.appendingPathComponent("generation.json"))
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["clips"] as? [[String: Any]] ?? []
    }

    @Test func everyPromptLineGivesItsCandidatesWithTheirSettings() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let prompts = root.appendingPathComponent("in/prompts.txt")
        try FileManager.default.createDirectory(at: prompts.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "# sounds\na dog barks\n\nrain on a tin roof\n".write(to: prompts, atomically: true, encoding: .utf8)
        let settings = [("duration", "0.02"), ("steps", "2"), ("candidates", "2"), ("seed", "5")]
        let (summary, out) = try run("generate-audio.yaml", [prompts], overrides: settings)
        #expect(summary.ok == 1, "\(summary.text)")
        let folder = out.appendingPathComponent("generated/prompts")
        let entries = try clips(folder)
        #expect(entries.compactMap { $0["audio"] as? String } == ["01-a-dog-barks-c1.wav", "01-a-dog-barks-c2.wav",
                                                                 "02-rain-on-a-tin-roof-c1.wav", "02-rain-on-a-tin-roof-c2.wav"])
        #expect(entries.compactMap { $0["prompt"] as? String } == ["a dog barks", "a dog barks", "rain on a tin roof", "rain on a tin roof"])
        #expect(entries.allSatisfy { ($0["seed"] as? Int) == 5 && ($0["steps"] as? Int) == 2 && ($0["sampler"] as? String) == "ddim" })
        let audio = try AudioReader(url: folder.appendingPathComponent("01-a-dog-barks-c1.wav")).readAll()
        #expect(audio.sampleRate == 16_000 && audio.channels[0].count == 320)
        // The same seed gives the same clips, bit for bit (each graph computes with its own width, which
        // tests running meanwhile cannot change); the candidates differ.
        let (_, again) = try run("generate-audio.yaml", [prompts], overrides: settings)
        func samples(_ url: URL) throws -> [Float] { try AudioReader(url: url).readAll().channels[0].array }
        let first = try samples(folder.appendingPathComponent("01-a-dog-barks-c1.wav"))
        let repeated = try samples(again.appendingPathComponent("generated/prompts/01-a-dog-barks-c1.wav"))
        let other = try samples(folder.appendingPathComponent("01-a-dog-barks-c2.wav"))
        #expect(first == repeated)
        #expect(zip(first, other).contains { abs($0 - $1) > 1e-3 })
    }

    @Test func inpaintingKeepsTheRecordingAroundTheRange() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let take = root.appendingPathComponent("in/take.wav")
        try MediaSamples.tone(take, seconds: 0.1, rate: 16_000)
        let (summary, out) = try run("inpaint-audio.yaml", [take],
                                     overrides: [("start", "0.04"), ("end", "0.06"), ("steps", "2"), ("prompt", "silence")])
        #expect(summary.ok == 1, "\(summary.text)")
        let result = try AudioReader(url: out.appendingPathComponent("inpainted/take/inpainted.wav")).readAll().channels[0].array
        let original = try AudioReader(url: take).readAll().channels[0].array
        #expect(result.count == original.count)
        #expect((0..<400).allSatisfy { abs(result[$0] - original[$0]) < 1e-6 })
        #expect((650..<700).contains { abs(result[$0] - original[$0]) > 1e-3 })
        #expect(try clips(out.appendingPathComponent("inpainted/take")).first?["range"] as? [Double] == [0.04, 0.06])
    }

    @Test func aSilentVideoGetsAGeneratedSoundtrackOnACopyOfItsPicture() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let video = root.appendingPathComponent("in/street.mp4")
        try MediaSamples.video(video, frames: 4, fps: 10)
        let (summary, out) = try run("add-sound.yaml", [video], overrides: [("prompt", "cars passing"), ("steps", "1")])
        #expect(summary.ok == 1, "\(summary.text)")
        let copy = try MediaFile.open(out.appendingPathComponent("with-sound/street.mp4")).info
        let original = try MediaFile.open(video).info
        #expect(copy.firstStream(.video)?.codec == original.firstStream(.video)?.codec)
        let audio = try #require(copy.firstStream(.audio))
        #expect(audio.codec == "aac" && audio.sampleRate == 16_000)
        // The clip is as long as the video (0.4 s at 16 kHz), and listed with its prompt.
        let entry = try #require(try clips(out.appendingPathComponent("with-sound/street")).first)
        #expect(entry["prompt"] as? String == "cars passing")
        #expect(abs((entry["seconds"] as? Double ?? 0) - (original.durationSeconds ?? 0)) < 0.01)
    }

    @Test func aMissingCheckpointStopsValidationAndSaysHowToGetOne() throws {
        #expect {
            _ = try Pipeline.load(contentsOf: Self.pipelines.appendingPathComponent("generate-audio.yaml"), catalog: .standard,
                                  overrides: [("model", "/nonexistent/audioldm")])
        } throws: { error in
            let text = "\(error)"
            return text.contains("/nonexistent/audioldm") && text.contains("cvssp/audioldm-s-full-v2") && text.contains("CC BY-NC-SA")
        }
    }

    @Test func promptsComeFromTheParameterSidecarOrCSV() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let video = folder.appendingPathComponent("street.mp4"), other = folder.appendingPathComponent("beach.mp4")
        try "cars passing, horns\n".write(to: folder.appendingPathComponent("street.prompt.txt"), atomically: true, encoding: .utf8)
        let csv = folder.appendingPathComponent("prompts.csv")
        try "path,prompt\nbeach.mp4,\"waves, gulls\"\n".write(to: csv, atomically: true, encoding: .utf8)
        func node(_ parameters: [String: ParameterValue]) throws -> GenerateAudioNode {
            var all = parameters
            all["model"] = .string(Self.checkpoint.path)
            return try GenerateAudioNode(parameters: NodeParameters(all, for: GenerateAudioNode.descriptor))
        }
        let street = InputFile(url: video, relativePath: "street.mp4"), beach = InputFile(url: other, relativePath: "beach.mp4")
        #expect(try node([:]).prompts(for: street) == ["cars passing, horns"])
        #expect(try node(["prompts": .string(csv.path)]).prompts(for: beach) == ["waves, gulls"])
        #expect(try node(["prompt": .string("wind")]).prompts(for: beach) == ["wind"])
        #expect(throws: NodeError.self) { try node([:]).prompts(for: beach) }
    }
}
