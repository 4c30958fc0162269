import Foundation
import Testing

/// `tandem transcribe-talking-head` is a front end to the bundled pipeline: its flags become
/// parameters, its output is the pipeline's transcript with the notes, and a missing model exits 2.
@Suite(.serialized) struct TalkingHeadCommandTests {
    func run(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        try CLIBatchTests.runCapturing(arguments)
    }

    @Test func printsThePipelinesTranscriptWithNotes() throws {
        let result = try run(["transcribe-talking-head", TalkingHeadNodeTests.clip.path, "--model", TalkingHeadNodeTests.model,
                              "--beam-size", "1", "--set", "language=en"])
        #expect(result.status == 0, "\(result.errors)")
        let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        let text = (object?["text"] as? String ?? "").lowercased()
        #expect(text.contains("lazy dog"), "\(result.output)")
        #expect((object?["notes"] as? [String] ?? []).contains { $0.contains("off-screen") }, "\(result.output)")
        let segments = object?["segments"] as? [[String: Any]] ?? []
        #expect(!segments.isEmpty && segments.allSatisfy { $0["speaker"] as? String == "off-screen" })
    }

    @Test func writesABatchWithOut() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-th-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try run(["transcribe-talking-head", TalkingHeadNodeTests.clip.path, "--model", TalkingHeadNodeTests.model,
                              "--beam-size", "1", "--audio-only", "--out", folder.path, "--set", "language=en"])
        #expect(result.status == 0, "\(result.errors)")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("manifest.jsonl").path))
        let notes = try String(contentsOf: folder.appendingPathComponent("talking-head/clip1.notes.json"), encoding: .utf8)
        #expect(notes.contains("use_picture: false"), "\(notes)")
    }

    @Test func aMissingModelExitsWithTwoAndSaysHowToInstallIt() throws {
        let result = try run(["transcribe-talking-head", TalkingHeadNodeTests.clip.path, "--model", "Models/no-such-model"])
        #expect(result.status == 2)
        #expect(result.errors.contains("make models"), "\(result.errors)")
    }
}
