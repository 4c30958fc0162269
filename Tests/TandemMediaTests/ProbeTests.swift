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

    /// An MP3's cover art is a video stream to FFmpeg but not footage: probe marks it, and no reader picks it by itself.
    @Test func coverArtIsAnAttachedPictureNotVideo() throws {
        let info = try MediaFile.open(Fixture.path("cover_art.mp3")).info
        #expect(info.streams.map(\.type) == [.audio, .video])
        #expect(info.streams[1].attachedPicture == true && info.streams[0].attachedPicture == nil)
        #expect(info.firstStream(.video) == nil && info.firstStream(.audio)?.index == 0)
        #expect(info.summary.contains("#1 video mjpeg, attached picture"), "\(info.summary)")
        #expect(try MediaFile.open(Fixture.path("h264_bframes.mp4")).info.firstStream(.video)?.attachedPicture == nil)
    }

    @Test func reportsPixelShapeAndInterlacing() throws {
        let anamorphic = try MediaFile.open(Fixture.path("anamorphic.mp4")).info
        #expect(anamorphic.streams[0].pixelAspect == MediaInfo.Ratio(num: 2, den: 1) && anamorphic.streams[0].fieldOrder == nil)
        #expect(anamorphic.summary.contains("pixels 2:1 (shown 128x48)"), "\(anamorphic.summary)")
        let interlaced = try MediaFile.open(Fixture.path("interlaced_comb.mpg")).info
        #expect(interlaced.streams[0].fieldOrder == "top first" && interlaced.streams[0].pixelAspect == nil)
        #expect(interlaced.summary.contains("interlaced, top first"), "\(interlaced.summary)")
        #expect(try MediaFile.open(Fixture.path("h264_bframes.mp4")).info.streams[0].fieldOrder == nil)
    }

    @Test func encodesAsJSON() throws {
        let info = try MediaFile.open(Fixture.path("stereo48k.opus")).info
        let decoded = try JSONDecoder().decode(MediaInfo.self, from: JSONEncoder().encode(info))
        #expect(decoded == info)
        #expect(decoded.streams[0].channelLayout == "stereo")
    }

    /// A copy of fixture `name` whose video sample entry (`avc1`, inside `stsd`) is renamed `zzzz`:
    /// a stream FFmpeg demuxes as video but knows no codec, let alone a decoder, for.
    static func unknownVideoCodec(_ name: String, in directory: URL) throws -> URL {
        var bytes = [UInt8](try Data(contentsOf: Fixture.url(name)))
        func find(_ text: String, from start: Int) -> Int? {
            let needle = Array(text.utf8)
            return (start...(bytes.count - needle.count)).first { bytes[$0..<($0 + needle.count)].elementsEqual(needle) }
        }
        let stsd = try #require(find("stsd", from: 0))
        let entry = try #require(find("avc1", from: stsd))
        bytes.replaceSubrange(entry..<(entry + 4), with: Array("zzzz".utf8))
        let url = directory.appendingPathComponent("unknown-\(name)")
        try Data(bytes).write(to: url)
        return url
    }

    @Test func saysWhichStreamsHaveNoDecoder() throws {
        let directory = Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Video in an unknown codec beside AAC audio: the file is still readable for its audio.
        let info = try MediaFile.open(try Self.unknownVideoCodec("h264_bframes.mp4", in: directory)).info
        let video = try #require(info.firstStream(.video))
        #expect(video.codec == "none" && video.codecTag == "zzzz")
        #expect(video.decoder == nil && video.problem == MediaInfo.noDecoder)
        let audio = try #require(info.firstStream(.audio))
        #expect(audio.decoder == "aac" && audio.problem == nil)
        #expect(info.problem == nil)
        #expect(info.summary.contains("#0 video none (zzzz), no decoder, "))
        #expect(!info.summary.contains("nothing decodable"))
        let json = String(decoding: try JSONEncoder().encode(info), as: UTF8.self)
        #expect(json.contains(#""problem":"no decoder""#))
        // The readers refuse it with the same diagnosis.
        #expect { try FrameReader(path: info.path) } throws: { ($0 as? MediaError)?.code == .unsupportedCodec }

        // The same without audio: nothing in the file can be decoded.
        let silent = try MediaFile.open(try Self.unknownVideoCodec("rotated90.mp4", in: directory)).info
        #expect(silent.streams.count == 1 && silent.streams[0].problem == MediaInfo.noDecoder)
        #expect(silent.problem == MediaInfo.nothingDecodable)
        #expect(silent.summary.split(separator: "\n")[0].contains("nothing decodable"))
    }

    @Test func subtitlesOnlyFileHasNothingDecodable() throws {
        let directory = Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("captions.srt")
        try "1\n00:00:00,000 --> 00:00:01,500\nHello.\n\n2\n00:00:02,000 --> 00:00:03,000\nBye.\n".write(to: url, atomically: true, encoding: .utf8)
        let info = try MediaFile.open(url).info
        #expect(info.streams.map(\.type) == [.subtitle])
        // Subtitles decode, but no pipeline reads them: the stream is fine, the file is not.
        #expect(info.streams[0].decoder != nil && info.streams[0].problem == nil)
        #expect(info.problem == MediaInfo.nothingDecodable)
        #expect(info.summary.hasPrefix("\(url.path): srt, "))
        #expect(info.summary.contains("nothing decodable"))
        let json = String(decoding: try JSONEncoder().encode(info), as: UTF8.self)
        #expect(json.contains(#""problem":"nothing decodable""#))
        #expect(try JSONDecoder().decode(MediaInfo.self, from: Data(json.utf8)) == info)
        // Ordinary files state no problem.
        #expect(try MediaFile.open(Fixture.path("h264_bframes.mp4")).info.problem == nil)
        #expect(try MediaFile.open(Fixture.path("stereo48k.flac")).info.problem == nil)
    }
}
