import Foundation
import Testing
import TandemCore
import TandemMedia
@testable import TandemNodes

/// `decode`'s `audio_stream` and `video_stream` pick a stream by the number `tandem probe` prints.
@Suite struct DecodeStreamChoiceTests {
    /// An MP3 whose stream 1 is its cover art (Tests/TandemMediaTests/Fixtures, made by Tools/fixtures/make_media_fixtures.sh).
    static let coverArt = SeparateNodeTests.packageRoot.appendingPathComponent("Tests/TandemMediaTests/Fixtures/cover_art.mp3")

    private func frames(_ parameters: [String: ParameterValue]) throws -> (frames: [VideoFrame], warnings: [String]) {
        var harness = GraphHarness()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        try harness.add("decode", "decode", parameters)
        let box = try harness.collect("f", from: "decode.video")
        let result = try harness.run(on: Self.coverArt)
        let frames = box.packets.compactMap { packet -> VideoFrame? in if case .video(let frame) = packet { frame } else { nil } }
        return (frames, result.warnings)
    }

    @Test func coverArtIsReadOnlyByNumber() throws {
        let skipped = try frames(["missing_video": .string("skip")])
        #expect(skipped.frames.isEmpty && skipped.warnings.contains { $0.hasPrefix("decode: no video stream") }, "\(skipped.warnings)")
        // Asked for by number, the picture is read even where a missing stream would be skipped.
        let picture = try frames(["video_stream": .int(1), "missing_video": .string("skip")])
        #expect(picture.frames.count == 1 && picture.frames.first?.width == 32)
    }

    @Test func aStreamOfTheWrongKindNamesTheFile() throws {
        var harness = GraphHarness()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        try harness.add("decode", "decode", ["audio_stream": .int(1)])
        _ = try harness.collect("a", from: "decode.audio")
        do {
            _ = try harness.run(on: Self.coverArt)
            Issue.record("stream 1 (a picture) was decoded as audio")
        } catch {
            #expect("\(error)".contains("cover_art.mp3") && "\(error)".contains("stream 1 is not an audio stream"), "\(error)")
        }
    }

    /// A file cut before its first picture: the decode succeeds with no frame, and says so.
    @Test func aVideoStreamWithoutAPictureIsReported() throws {
        let whole = SeparateNodeTests.packageRoot.appendingPathComponent("Tests/TandemMediaTests/Fixtures/vp9.webm")
        var harness = GraphHarness()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        let cut = harness.root.appendingPathComponent("cut.webm")
        try FileManager.default.createDirectory(at: harness.root, withIntermediateDirectories: true)
        try Data(contentsOf: whole).prefix(1814).write(to: cut)
        try harness.add("decode", "decode", [:])
        let box = try harness.collect("f", from: "decode.video")
        let result = try harness.run(on: cut)
        #expect(box.packets.isEmpty)
        #expect(result.warnings.contains { $0.hasPrefix("decode: the video stream gave no picture") }, "\(result.warnings)")
        var intact = GraphHarness()
        defer { try? FileManager.default.removeItem(at: intact.root) }
        try intact.add("decode", "decode", [:])
        _ = try intact.collect("f", from: "decode.video")
        #expect(try !intact.run(on: whole).warnings.contains { $0.contains("gave no picture") })
    }
}
