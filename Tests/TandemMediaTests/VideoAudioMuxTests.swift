import Foundation
import Testing
import TandemCore
@testable import TandemMedia

/// `VideoFileWriter` with an audio track: encoded frames plus AAC, and stream copies of a file's
/// video with new sound.
@Suite struct VideoAudioMuxTests {
    /// `seconds` of a sine at `frequency` Hz, the same in every channel, starting at `firstSample`.
    private func sine(_ frequency: Double, seconds: Double, rate: Int, channels: Int, firstSample: Int64 = 0) -> AudioBuffer {
        let count = Int(seconds * Double(rate))
        let samples = SharedArray((0..<count).map { Float(0.5 * sin(2 * Double.pi * frequency * Double($0) / Double(rate))) })
        return AudioBuffer(sampleRate: rate, channelLayout: channels == 1 ? "mono" : "stereo", firstSample: firstSample,
                           channels: Array(repeating: samples, count: channels))
    }

    /// The buffer cut into chunks of `size` samples, positioned one after another.
    private func chunks(_ buffer: AudioBuffer, size: Int) -> [AudioBuffer] {
        stride(from: 0, to: buffer.frameCount, by: size).map { start in
            let end = min(start + size, buffer.frameCount)
            return AudioBuffer(sampleRate: buffer.sampleRate, channelLayout: buffer.channelLayout, firstSample: buffer.firstSample + Int64(start),
                               channels: buffer.channels.map { SharedArray(Array($0.array[start..<end])) })
        }
    }

    /// Power of `samples` at `frequency` (Goertzel), per sample.
    private func power(_ samples: [Float], at frequency: Double, rate: Int) -> Double {
        let coefficient = 2 * cos(2 * Double.pi * frequency / Double(rate))
        var s1 = 0.0, s2 = 0.0
        for x in samples {
            let s0 = Double(x) + coefficient * s1 - s2
            s2 = s1
            s1 = s0
        }
        return (s1 * s1 + s2 * s2 - coefficient * s1 * s2) / Double(samples.count * samples.count)
    }

    private func rms(_ samples: [Float]) -> Double {
        (samples.reduce(0) { $0 + Double($1 * $1) } / Double(max(1, samples.count))).squareRoot()
    }

    /// The decoded audio holds the sine: its energy is where the tone was, not an octave away.
    private func expectTone(_ url: URL, frequency: Double, rate: Int, channels: Int, stream: Int? = nil) throws {
        let audio = try AudioReader(url: url, options: AudioDecodeOptions(sampleRate: rate, streamIndex: stream)).readAll()
        #expect(audio.channelCount == channels)
        for channel in audio.channels {
            let samples = channel.array
            #expect(abs(rms(samples) - 0.5 / 2.0.squareRoot()) < 0.05, "rms \(rms(samples))")
            #expect(power(samples, at: frequency, rate: rate) > 100 * power(samples, at: frequency * 2, rate: rate))
        }
    }

    private func frames(_ url: URL) throws -> [VideoFrame] {
        let reader = try FrameReader(url: url)
        var frames: [VideoFrame] = []
        while let frame = try reader.next() { frames.append(frame) }
        return frames
    }

    private func onlyFile(_ url: URL) throws -> Bool {
        try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path) == [url.lastPathComponent]
    }

    @Test func encodedFramesGetAnAACTrackLongerThanThePicture() throws {
        let source = try frames(Fixture.url("h264_bframes.mp4"))
        let url = Fixture.temporaryDirectory().appendingPathComponent("tone.mp4")
        let writer = try VideoFileWriter(url: url, width: 96, height: 64, frameRate: Rational(30, 1), preset: "ultrafast",
                                         audio: VideoFileWriter.AudioTrack(bitRate: 64_000))
        // 1 s of picture, 1.5 s of 16 kHz mono sound, given in the engine's order (by time).
        let audio = chunks(sine(440, seconds: 1.5, rate: 16_000, channels: 1), size: 1000)
        var next = 0
        for (index, frame) in source.prefix(30).enumerated() {
            try writer.write(frame)
            while next < audio.count, Double(audio[next].firstSample) / 16_000 < Double(index + 1) / 30 {
                try writer.write(audio[next])
                next += 1
            }
        }
        for buffer in audio[next...] { try writer.write(buffer) }
        try writer.finish()
        #expect(try onlyFile(url))

        let info = try MediaFile.open(url).info
        #expect(info.streams.map(\.type) == [.video, .audio])
        let video = try #require(info.firstStream(.video)), sound = try #require(info.firstStream(.audio))
        #expect(video.codec == "h264" && video.frameCount == 30)
        #expect(sound.codec == "aac" && sound.channels == 1 && sound.sampleRate == 16_000)
        #expect(abs((sound.durationSeconds ?? 0) - 1.5) < 0.03, "\(String(describing: sound.durationSeconds))")
        #expect(abs((info.durationSeconds ?? 0) - 1.5) < 0.03)
        try expectTone(url, frequency: 440, rate: 16_000, channels: 1)
        #expect(try frames(url).count == 30)
    }

    @Test func aCopyKeepsEveryVideoPacketAndReplacesTheSound() throws {
        let input = Fixture.url("h264_bframes.mp4")  // 2 s, 60 frames, with a mono AAC track
        let url = Fixture.temporaryDirectory().appendingPathComponent("copy.mp4")
        let writer = try VideoFileWriter(url: url, copyingVideoFrom: input)
        #expect(writer.width == 96 && writer.height == 64 && writer.frameRate == Rational(30, 1))
        // 1 s of stereo 48 kHz: shorter than the picture, kept as given.
        for buffer in chunks(sine(1000, seconds: 1, rate: 48_000, channels: 2), size: 4096) { try writer.write(buffer) }
        try writer.finish()
        #expect(try onlyFile(url))

        let source = try MediaFile.open(input).info, info = try MediaFile.open(url).info
        #expect(info.streams.map(\.type) == [.video, .audio])
        let video = try #require(info.firstStream(.video)), original = try #require(source.firstStream(.video))
        #expect(video.codec == original.codec && video.frameCount == original.frameCount && video.frameCount == 60)
        #expect(abs((video.durationSeconds ?? 0) - (original.durationSeconds ?? 1)) < 0.001)
        let sound = try #require(info.firstStream(.audio))
        #expect(sound.codec == "aac" && sound.channels == 2 && sound.sampleRate == 48_000)
        #expect(abs((sound.durationSeconds ?? 0) - 1) < 0.03, "\(String(describing: sound.durationSeconds))")
        try expectTone(url, frequency: 1000, rate: 48_000, channels: 2)
        // Not re-encoded: the copy decodes to exactly the original pictures.
        let before = try frames(input), after = try frames(url)
        #expect(after.count == before.count)
        #expect(zip(before, after).allSatisfy { $0.bytes == $1.bytes && $0.seconds == $1.seconds })
    }

    @Test func keptSourceAudioFollowsTheNewTrack() throws {
        let url = Fixture.temporaryDirectory().appendingPathComponent("both.mkv")
        let writer = try VideoFileWriter(url: url, copyingVideoFrom: Fixture.url("h264_bframes.mp4"), keepSourceAudio: true)
        for buffer in chunks(sine(440, seconds: 2, rate: 22_050, channels: 2), size: 2048) { try writer.write(buffer) }
        try writer.finish()
        let info = try MediaFile.open(url).info
        #expect(info.container == "matroska,webm")
        #expect(info.streams.map(\.type) == [.video, .audio, .audio])
        #expect(info.streams.map(\.codec) == ["h264", "aac", "aac"])
        // The new track first (stereo 22.05 kHz), then the source's (mono 44.1 kHz).
        #expect(info.streams[1].channels == 2 && info.streams[1].sampleRate == 22_050)
        #expect(info.streams[2].channels == 1 && info.streams[2].sampleRate == 44_100)
        try expectTone(url, frequency: 440, rate: 22_050, channels: 2, stream: 1)
    }

    @Test func aCopyKeepsRotationAndTheStartOnTheFileClock() throws {
        let directory = Fixture.temporaryDirectory()
        let rotatedURL = directory.appendingPathComponent("rotated.mov")
        let rotated = try VideoFileWriter(url: rotatedURL, copyingVideoFrom: Fixture.url("rotated90.mp4"), audio: nil)
        try rotated.finish()
        let rotation = try MediaFile.open(Fixture.url("rotated90.mp4")).info.firstStream(.video)?.rotation
        #expect(rotation != nil && rotation != 0)
        #expect(try MediaFile.open(rotatedURL).info.firstStream(.video)?.rotation == rotation)
        #expect(try MediaFile.open(rotatedURL).info.streams.count == 1)

        // HEVC that starts 0.5 s after the file's audio (2.0 s and 2.5 s in the source): the copy's
        // picture starts at 0.5 s, beside new sound whose sample 0 is the file's origin.
        let offsetURL = directory.appendingPathComponent("offset.mp4")
        let offset = try VideoFileWriter(url: offsetURL, copyingVideoFrom: Fixture.url("hevc_offset.mkv"))
        try offset.write(sine(440, seconds: 2.5, rate: 16_000, channels: 1))
        try offset.finish()
        let info = try MediaFile.open(offsetURL).info
        let video = try #require(info.firstStream(.video)), sound = try #require(info.firstStream(.audio))
        #expect(video.codec == "hevc")
        #expect(abs((video.startSeconds ?? -1) - 0.5) < 0.01, "\(String(describing: video.startSeconds))")
        #expect(abs((sound.startSeconds ?? -1)) < 0.01, "\(String(describing: sound.startSeconds))")
        let before = try frames(Fixture.url("hevc_offset.mkv")), after = try frames(offsetURL)
        #expect(after.count == before.count && zip(before, after).allSatisfy { $0.bytes == $1.bytes })
    }

    /// Variable frame rate, VP9, MPEG-4 with B-frames, HEVC with an offset start: the copy decodes to
    /// the same pictures at the same times, in MP4 and in Matroska.
    @Test(arguments: ["vfr.mkv", "vp9.webm", "mpeg4.mp4", "hevc_offset.mkv"], ["mp4", "mkv"])
    func copiesDecodeToTheSamePicturesAtTheSameTimes(fixture: String, ext: String) throws {
        let url = Fixture.temporaryDirectory().appendingPathComponent("copy.\(ext)")
        let writer = try VideoFileWriter(url: url, copyingVideoFrom: Fixture.url(fixture), audio: nil)
        try writer.finish()
        let before = try frames(Fixture.url(fixture)), after = try frames(url)
        #expect(after.count == before.count)
        #expect(zip(before, after).allSatisfy { $0.bytes == $1.bytes }, "\(fixture)")
        // The copy's clock starts at its own first stream (the HEVC's picture starts 0.5 s into its
        // source, beside audio that the copy does not keep): compare times from the first frame.
        let start = (before.first?.seconds ?? 0, after.first?.seconds ?? 0)
        let drift = zip(before, after).map { abs(($0.seconds - start.0) - ($1.seconds - start.1)) }.max() ?? 0
        #expect(drift < 0.0015, "\(fixture) → \(ext): frame times differ by up to \(drift) s")
    }

    /// Packed B-frames (no pts): a copy cannot know the display order, so it is refused, not written wrong.
    @Test func packedBFramesAreRefused() throws {
        let source = Fixture.url("mpeg4_nopts.avi")
        let writer = try VideoFileWriter(url: Fixture.temporaryDirectory().appendingPathComponent("packed.mkv"), copyingVideoFrom: source)
        let error = try #require(throws: MediaError.self) {
            try writer.write(sine(440, seconds: 0.5, rate: 16_000, channels: 1))
            try writer.finish()
        }
        #expect(error.code == .unsupportedCodec && error.path == source.path && "\(error)".contains("packed B-frames"), "\(error)")
    }

    @Test func codecsTheContainerCannotHoldAreRefusedNamingTheFile() throws {
        let directory = Fixture.temporaryDirectory()
        // The source's PCM audio cannot go into MP4 (FFmpeg 5.1); a .mkv can hold it.
        let source = Fixture.url("hevc_offset.mkv")
        let error = try #require(throws: MediaError.self) {
            _ = try VideoFileWriter(url: directory.appendingPathComponent("pcm.mp4"), copyingVideoFrom: source,
                                    audio: nil, keepSourceAudio: true)
        }
        #expect(error.code == .unsupportedCodec && error.path == source.path)
        #expect("\(error)".contains("pcm_s16le") && "\(error)".contains(".mkv"), "\(error)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)

        // An FFV1 video: MP4 cannot hold it either.
        let ffv1 = directory.appendingPathComponent("lossless.mkv")
        let encoder = try VideoFileWriter(url: ffv1, width: 96, height: 64, frameRate: Rational(30, 1), codec: "ffv1")
        for frame in try frames(Fixture.url("h264_bframes.mp4")).prefix(3) { try encoder.write(frame) }
        try encoder.finish()
        let refused = try #require(throws: MediaError.self) {
            _ = try VideoFileWriter(url: directory.appendingPathComponent("ffv1.mp4"), copyingVideoFrom: ffv1)
        }
        #expect(refused.code == .unsupportedCodec && refused.path == ffv1.path && "\(refused)".contains("ffv1"), "\(refused)")
        let copy = directory.appendingPathComponent("ffv1-copy.mkv")
        let writer = try VideoFileWriter(url: copy, copyingVideoFrom: ffv1)
        try writer.write(sine(440, seconds: 0.1, rate: 16_000, channels: 1))
        try writer.finish()
        #expect(try MediaFile.open(copy).info.streams.map(\.codec) == ["ffv1", "aac"])
    }

    @Test func aCopyOfAFileWithoutVideoIsRefusedNamingIt() throws {
        let source = Fixture.url("stereo48k.flac")
        let error = try #require(throws: MediaError.self) {
            _ = try VideoFileWriter(url: Fixture.temporaryDirectory().appendingPathComponent("none.mp4"), copyingVideoFrom: source)
        }
        #expect(error.code == .noUsableStream && error.path == source.path && "\(error)".contains("no video stream"), "\(error)")
    }

    @Test func misuseIsRefused() throws {
        let directory = Fixture.temporaryDirectory()
        let silent = try VideoFileWriter(url: directory.appendingPathComponent("silent.mp4"), width: 96, height: 64, frameRate: Rational(30, 1))
        #expect(throws: MediaError.self) { try silent.write(sine(440, seconds: 0.1, rate: 16_000, channels: 1)) }
        let copy = try VideoFileWriter(url: directory.appendingPathComponent("copy.mp4"), copyingVideoFrom: Fixture.url("h264_bframes.mp4"))
        let frame = try #require(try FrameReader(url: Fixture.url("h264_bframes.mp4")).next())
        #expect(throws: MediaError.self) { try copy.write(frame) }
        try copy.write(sine(440, seconds: 0.1, rate: 16_000, channels: 1))
        let changed = try #require(throws: MediaError.self) { try copy.write(sine(440, seconds: 0.1, rate: 16_000, channels: 2)) }
        #expect("\(changed)".contains("2 ch at 16000 Hz after 1 ch at 16000 Hz"), "\(changed)")
    }

    @Test func aTrackThatGetsNoAudioLeavesTheVideoAlone() throws {
        let url = Fixture.temporaryDirectory().appendingPathComponent("quiet.mp4")
        let writer = try VideoFileWriter(url: url, width: 96, height: 64, frameRate: Rational(30, 1), audio: VideoFileWriter.AudioTrack())
        for frame in try frames(Fixture.url("h264_bframes.mp4")).prefix(10) { try writer.write(frame) }
        try writer.finish()
        let info = try MediaFile.open(url).info
        #expect(info.streams.map(\.type) == [.video] && info.firstStream(.video)?.frameCount == 10)
    }
}
