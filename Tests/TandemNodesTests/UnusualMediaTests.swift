import Foundation
import Testing
import TandemCore
import TandemMedia
@testable import TandemNodes

/// Real media that is not like the samples: a 96 kHz master, a picture one pixel wide, one stream shorter than
/// the other, several audio streams — through `decode` and `Pipelines/separate-instruments.yaml`.
@Suite struct UnusualMediaTests {
    private func separate(_ file: URL, in harness: GraphHarness) throws -> (result: GraphExecution.Result, summary: [String: Any]) {
        let pipeline = try Pipeline.load(contentsOf: SeparateNodeTests.packageRoot.appendingPathComponent("Pipelines/separate-instruments.yaml"),
                                         catalog: .standard)
        let result = try GraphExecution(try pipeline.makeGraph(catalog: .standard), input: InputFile(url: file, relativePath: file.lastPathComponent),
                                        outputDirectory: harness.root.appendingPathComponent("out")).run()
        let stem = file.deletingPathExtension().lastPathComponent
        let data = try Data(contentsOf: harness.root.appendingPathComponent("out/separated/\(stem)/summary.json"))
        return (result, try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any]))
    }

    /// A 96 kHz recording is separated at 48 kHz (half the factorisation's work for nothing audible lost), and the
    /// summary says at which rate the sources are.
    @Test func aNinetySixKilohertzMasterIsSeparatedAtFortyEight() throws {
        let harness = GraphHarness()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        let master = harness.root.appendingPathComponent("in/master.wav")
        try MediaSamples.tone(master, seconds: 1, rate: 96_000)
        let (_, summary) = try separate(master, in: harness)
        #expect(summary["sample_rate"] as? Int == 48_000)
        #expect((summary["notes"] as? [String])?.contains { $0.hasPrefix("the file's 96000 Hz audio was separated at 48000 Hz") } == true, "\(summary)")
        let written = try AudioReader(url: harness.root.appendingPathComponent("out/separated/master/source0.wav")).readAll()
        #expect(written.sampleRate == 48_000 && written.frameCount == 48_000)
    }

    /// A video 2 pixels wide is analysed at a bounded size (not 144 × 6912), and the summary says the picture is
    /// too thin for motion to place players; a picture of ordinary shape gets no such note.
    @Test func aThinPictureIsAnalysedSmallAndNoted() throws {
        var harness = GraphHarness()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        let thin = harness.root.appendingPathComponent("in/thin.mp4")
        try MediaSamples.video(thin, frames: 20, width: 2, height: 96, tone: true)
        try harness.add("decode", "decode", ["layout": .string("gray8"), "resize": .string("shorter-side"), "side": .int(144), "max_side": .int(1008)])
        let box = try harness.collect("f", from: "decode.video")
        _ = try harness.run(on: thin)
        let sizes = Set(box.packets.compactMap { packet -> [Int]? in if case .video(let frame) = packet { [frame.width, frame.height] } else { nil } })
        #expect(sizes == [[21, 1008]], "\(sizes)")

        let (_, summary) = try separate(thin, in: harness)
        #expect((summary["notes"] as? [String])?.contains { $0.hasPrefix("the picture is only 2×96 pixels: too small or thin") } == true, "\(summary)")
        #expect(SeparateNode.inputNotes(videoSize: (64, 48), sampleRate: 22_050, input: nil).isEmpty)
    }

    /// An audio track that ends before the video (an MP4 stating both lengths) is named as the shorter track, with
    /// both times, and not taken for a damaged file; the summary carries the warning.
    @Test func aShorterAudioTrackIsNamedNotTakenForDamage() throws {
        let harness = GraphHarness()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        let clip = harness.root.appendingPathComponent("in/short-audio.mp4")
        try MediaSamples.video(clip, frames: 40, width: 64, height: 48, tone: true, toneSeconds: 1.5)
        let (result, summary) = try separate(clip, in: harness)
        let warning = try #require(result.warnings.first { $0.contains("stops first") }, "\(result.warnings)")
        #expect(warning.hasPrefix("decode: the audio stream ends at 1.5 s, 2.4 s before the video stream (3.9 s)"), "\(warning)")
        #expect(!result.warnings.contains { $0.contains("truncated") }, "\(result.warnings)")
        #expect((summary["warnings"] as? [String]) == result.warnings)
    }

    /// The Matroska muxer states each stream's length only in a `DURATION` tag: read, so that a track shorter than
    /// the file is measured against its own length.
    @Test func matroskaStreamLengthsComeFromTheirTags() throws {
        let harness = GraphHarness()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        let clip = harness.root.appendingPathComponent("in/short-audio.mkv")
        try MediaSamples.video(clip, frames: 40, width: 64, height: 48, tone: true, toneSeconds: 1.5)
        let info = try MediaFile.open(clip).info
        let audio = try #require(info.firstStream(.audio)?.durationSeconds)
        let video = try #require(info.firstStream(.video)?.durationSeconds)
        #expect(abs(audio - 1.5) < 0.1 && abs(video - 4) < 0.15, "\(audio) \(video)")
    }

    /// Two audio streams: the one decoded, and the other, are named in the run's warnings.
    @Test func theChosenAudioStreamIsNamed() throws {
        var harness = GraphHarness()
        defer { try? FileManager.default.removeItem(at: harness.root) }
        let single = harness.root.appendingPathComponent("in/one.mp4"), double = harness.root.appendingPathComponent("in/two.mkv")
        try MediaSamples.video(single, frames: 10, tone: true)
        let writer = try VideoFileWriter(url: double, copyingVideoFrom: single, audio: VideoFileWriter.AudioTrack(), keepSourceAudio: true)
        try writer.write(AudioBuffer(sampleRate: 16_000, channelLayout: "mono", firstSample: 0, channels: [SharedArray((0..<16_000).map { Float($0 % 40) / 80 })]))
        try writer.finish()
        try harness.add("decode", "decode", [:])
        _ = try harness.collect("a", from: "decode.audio")
        let warnings = try harness.run(on: double).warnings
        let choice = try #require(warnings.first { $0.contains("audio streams") }, "\(warnings)")
        #expect(choice.hasPrefix("decode: the file has 2 audio streams: decoded #") && choice.contains("audio_stream picks another"), "\(choice)")
        var one = GraphHarness()
        defer { try? FileManager.default.removeItem(at: one.root) }
        try one.add("decode", "decode", [:])
        _ = try one.collect("a", from: "decode.audio")
        #expect(try !one.run(on: single).warnings.contains { $0.contains("audio streams") })
    }
}

/// `DecodeNode.lengthWarnings`: each sentence true of the file, for the cases the media above do not make.
@Suite struct StreamLengthWarningTests {
    typealias Length = DecodeNode.StreamLength

    @Test func aStreamShortOfItsOwnStatedLengthIsDamage() {
        let warnings = DecodeNode.lengthWarnings(audio: Length(end: 2, stated: 4), video: nil, fileDuration: 4)
        #expect(warnings == ["the audio stream ends at 2.0 s of the 4.0 s its header states (truncated or damaged?)"])
    }

    @Test func bothStreamsShortOfTheFileIsDamage() {
        let warnings = DecodeNode.lengthWarnings(audio: Length(end: 5, stated: nil), video: Length(end: 5.2, stated: nil), fileDuration: 10)
        #expect(warnings.count == 2 && warnings.allSatisfy { $0.hasSuffix("(truncated or damaged?)") }, "\(warnings)")
    }

    @Test func aVideoShorterThanItsSoundIsTheShorterTrack() {
        let warnings = DecodeNode.lengthWarnings(audio: Length(end: 10, stated: nil), video: Length(end: 5, stated: nil), fileDuration: 10)
        #expect(warnings == ["the video stream ends at 5.0 s, 5.0 s before the audio stream (10.0 s): the file's video track stops first (not a cut-off file)"])
    }

    @Test func oneStreamWithoutAStatedLengthCannotTellWhich() {
        let warnings = DecodeNode.lengthWarnings(audio: Length(end: 5, stated: nil), video: nil, fileDuration: 10)
        #expect(warnings == ["the audio stream ends at 5.0 s of the 10.0 s the file states (shorter than the file's other streams, or truncated or damaged)"])
        // A track as long as its own stated length, read alone, is complete: nothing to say.
        #expect(DecodeNode.lengthWarnings(audio: Length(end: 5, stated: 5), video: nil, fileDuration: 10).isEmpty)
        #expect(DecodeNode.lengthWarnings(audio: Length(end: 9.9, stated: nil), video: Length(end: 9.96, stated: nil), fileDuration: 10).isEmpty)
    }
}
