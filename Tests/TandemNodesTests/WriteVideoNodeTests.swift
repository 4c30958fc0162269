import Foundation
import Testing
import TandemCore
import TandemMedia
@testable import TandemNodes

/// `write-video` with its audio port: sound muxed beside encoded frames, and beside a stream copy
/// of the input's own video.
@Suite struct WriteVideoNodeTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-write-video-\(UUID().uuidString)")

    private func run(_ yaml: String, on file: URL) throws -> GraphExecution.Result {
        let pipeline = try Pipeline.load(yaml: yaml, file: "test.yaml", catalog: .standard)
        let graph = try pipeline.makeGraph(catalog: .standard)
        return try GraphExecution(graph, input: InputFile(url: file, relativePath: file.lastPathComponent),
                                  outputDirectory: root.appendingPathComponent("out")).run()
    }

    /// A 2 s, 64×48, 10 fps H.264 video with a 440 Hz stereo 44.1 kHz AAC track.
    private func clip() throws -> URL {
        let url = root.appendingPathComponent("in/clip.mp4")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let writer = try VideoFileWriter(url: url, width: 64, height: 48, frameRate: Rational(10, 1), preset: "ultrafast",
                                         audio: VideoFileWriter.AudioTrack())
        let rate = 44_100
        let tone = SharedArray((0..<(2 * rate)).map { Float(0.5 * sin(2 * Double.pi * 440 * Double($0) / Double(rate))) })
        try writer.write(AudioBuffer(sampleRate: rate, channelLayout: "stereo", firstSample: 0, channels: [tone, tone]))
        for index in 0..<20 {
            let pixels = SharedArray([UInt8](repeating: UInt8(index * 12), count: 64 * 48 * 3))
            try writer.write(VideoFrame(layout: .rgb24, width: 64, height: 48, stride: 64 * 3, bytes: pixels, pts: Int64(index),
                                        timeBase: Rational(1, 10), frameIndex: index, seconds: Double(index) / 10))
        }
        try writer.finish()
        return url
    }

    @Test func copyPutsResampledSoundOnTheUnchangedVideo() throws {
        let input = try clip()
        let result = try run("""
            version: 1
            nodes:
              - {id: decode, kind: decode, params: {sample_rate: 16000, channels: 1}}
              - {id: out, kind: write-video, params: {path: "{stem}.mkv", video: copy, audio_bitrate: 64k}, inputs: {audio: decode.audio}}
            """, on: input)
        #expect(result.outputs == ["clip.mkv"] && result.warnings.isEmpty)
        let url = root.appendingPathComponent("out/clip.mkv")
        let info = try MediaFile.open(url).info
        #expect(info.streams.map(\.codec) == ["h264", "aac"])
        #expect(info.streams[1].channels == 1 && info.streams[1].sampleRate == 16_000)
        #expect(abs((info.durationSeconds ?? 0) - 2) < 0.1)
        let audio = try AudioReader(url: url).readAll()
        // Matroska keeps the AAC encoder's padding (up to two frames of 1024); an MP4's edit list trims it.
        #expect(audio.frameCount >= 32_000 && audio.frameCount < 32_000 + 2048, "\(audio.frameCount)")
        let before = try FrameReader(url: input), after = try FrameReader(url: url)
        var count = 0
        while let a = try before.next() {
            let b = try #require(try after.next())
            #expect(a.bytes == b.bytes)
            count += 1
        }
        #expect(count == 20)
        #expect(try after.next() == nil)
        try? FileManager.default.removeItem(at: root)
    }

    @Test func encodeMuxesFramesAndSound() throws {
        let input = try clip()
        let result = try run("""
            version: 1
            nodes:
              - {id: decode, kind: decode}
              - {id: out, kind: write-video, params: {path: "{stem}.mp4", fps: 10}, inputs: {video: decode.video, audio: decode.audio}}
            """, on: input)
        #expect(result.outputs == ["clip.mp4"])
        let info = try MediaFile.open(root.appendingPathComponent("out/clip.mp4")).info
        #expect(info.streams.map(\.codec) == ["h264", "aac"])
        #expect(info.streams[0].frameCount == 20 && info.streams[1].channels == 2 && info.streams[1].sampleRate == 44_100)
        #expect(abs((info.streams[1].durationSeconds ?? 0) - 2) < 0.05)
        try? FileManager.default.removeItem(at: root)
    }

    @Test func keepAudioAddsTheInputsTrackAfterTheNewOne() throws {
        let input = try clip()
        _ = try run("""
            version: 1
            nodes:
              - {id: decode, kind: decode, params: {sample_rate: 22050, channels: 1}}
              - {id: out, kind: write-video, params: {path: "{stem}.mov", video: copy, keep_audio: true}, inputs: {audio: decode.audio}}
            """, on: input)
        let info = try MediaFile.open(root.appendingPathComponent("out/clip.mov")).info
        #expect(info.streams.map(\.codec) == ["h264", "aac", "aac"])
        #expect(info.streams.map(\.channels) == [nil, 1, 2])
        try? FileManager.default.removeItem(at: root)
    }

    @Test func anAudioInputThatGivesNothingLeavesACopyOfTheVideoAndAWarning() throws {
        let silent = root.appendingPathComponent("in/silent.mp4")
        try MediaSamples.video(silent, frames: 10)
        let result = try run("""
            version: 1
            nodes:
              - {id: decode, kind: decode, params: {missing_audio: skip}}
              - {id: out, kind: write-video, params: {path: "{stem}.mp4", video: copy}, inputs: {audio: decode.audio}}
            """, on: silent)
        #expect(result.outputs == ["silent.mp4"])
        #expect(result.warnings.contains("out: the audio input ended without audio; the video has no audio track"), "\(result.warnings)")
        let info = try MediaFile.open(root.appendingPathComponent("out/silent.mp4")).info
        #expect(info.streams.map(\.codec) == ["h264"] && info.streams[0].frameCount == 10)
        try? FileManager.default.removeItem(at: root)
    }

    @Test func copyOfAFileWithoutVideoFailsNamingIt() throws {
        let wav = root.appendingPathComponent("in/tone.wav")
        try MediaSamples.tone(wav, seconds: 0.5)
        let error = try #require(throws: (any Error).self) {
            _ = try run("""
                version: 1
                nodes:
                  - {id: decode, kind: decode}
                  - {id: out, kind: write-video, params: {video: copy}, inputs: {audio: decode.audio}}
                """, on: wav)
        }
        #expect("\(error)".contains(wav.path) && "\(error)".contains("no video stream"), "\(error)")
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("out/tone.wav.out.mp4").path))
        try? FileManager.default.removeItem(at: root)
    }

    @Test func inconsistentParametersAreRefused() throws {
        func make(_ parameters: [String: ParameterValue]) throws -> WriteVideoNode {
            try WriteVideoNode(parameters: NodeParameters(parameters, for: WriteVideoNode.descriptor))
        }
        #expect(WriteVideoNode.bitRate("128k") == 128_000 && WriteVideoNode.bitRate("96000") == 96_000 && WriteVideoNode.bitRate("0.2M") == 200_000)
        #expect(WriteVideoNode.bitRate("loud") == nil)
        #expect(throws: NodeError.self) { try make(["keep_audio": .bool(true)]) }
        #expect(throws: NodeError.self) { try make(["audio_bitrate": .string("2k")]) }
        #expect(throws: NodeError.self) { try make(["path": .string("{stem}.webm")]) }
        _ = try make(["video": .string("copy"), "keep_audio": .bool(true), "path": .string("{stem}.mkv")])
    }
}
