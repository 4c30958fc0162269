import Foundation
import Testing
@testable import TandemMedia

@Suite struct ProbeTests {
    @Test func probesVideoAndAudioStreams() throws {
        let info = try MediaFile.open(Fixture.path("h264_bframes.mp4")).info
        #expect(info.container.contains("mp4"))
        #expect(abs((info.durationSeconds ?? 0) - 2.0) < 0.05)
        let video = try #require(info.firstStream(.video))
        #expect(video.codec == "h264")
        #expect(video.width == 96 && video.height == 64)
        #expect(video.averageFrameRate == MediaInfo.Ratio(num: 30, den: 1))
        #expect(video.frameCount == 60)
        #expect(video.rotation == 0)
        let audio = try #require(info.firstStream(.audio))
        #expect(audio.codec == "aac")
        #expect(audio.sampleRate == 44100)
        #expect(audio.channels == 1)
        #expect(audio.channelLayout == "mono")
    }

    @Test func readsStartOffsetsAndRotation() throws {
        let offset = try MediaFile.open(Fixture.path("hevc_offset.mkv")).info
        #expect(offset.startSeconds == 2.0)
        #expect(offset.firstStream(.video)?.startSeconds == 2.5)
        #expect(offset.firstStream(.video)?.codec == "hevc")
        // rotate=90 metadata: FFmpeg's own autorotate turns this picture 270° clockwise (90° counter-clockwise).
        #expect(try MediaFile.open(Fixture.path("rotated90.mp4")).info.firstStream(.video)?.rotation == 270)
    }

    @Test func encodesAsJSON() throws {
        let info = try MediaFile.open(Fixture.path("stereo48k.opus")).info
        let decoded = try JSONDecoder().decode(MediaInfo.self, from: JSONEncoder().encode(info))
        #expect(decoded == info)
        #expect(decoded.streams[0].channelLayout == "stereo")
    }
}
