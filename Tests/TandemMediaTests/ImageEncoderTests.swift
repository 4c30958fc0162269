import Foundation
import Testing
import TandemCore
@testable import TandemMedia

/// `ImageEncoder` reuses one encoder across images; each image must still be a complete,
/// independent file, byte-identical to a one-off encode.
@Suite struct ImageEncoderTests {
    func frames() throws -> [VideoFrame] {
        let reader = try FrameReader(url: Fixture.url("h264_bframes.mp4"))
        var frames: [VideoFrame] = []
        while frames.count < 4, let frame = try reader.next() { frames.append(frame) }
        return frames
    }

    @Test(arguments: [ImageWriter.Format.png, .jpeg])
    func reusedEncoderMatchesOneOffEncodes(format: ImageWriter.Format) throws {
        let frames = try frames()
        let small = try #require(try FrameReader(url: Fixture.url("h264_bframes.mp4"),
                                                 options: VideoDecodeOptions(resize: .exact(width: 32, height: 16))).next())
        let encoder = ImageEncoder(format: format, quality: 80)
        // A size change in the middle rebuilds the encoder; the images after it are still right.
        for frame in frames + [small] + frames {
            let reused = try encoder.encode(frame)
            #expect(reused == (try ImageWriter.encode(frame, format: format, quality: 80)))
        }
    }

    @Test func reusedPngsDecodeToTheirFrames() throws {
        let encoder = ImageEncoder(format: .png)
        let directory = Fixture.temporaryDirectory()
        for (index, frame) in try frames().enumerated() {
            let url = directory.appendingPathComponent("\(index).png")
            try encoder.encode(frame).write(to: url)
            let back = try #require(try FrameReader(url: url).next())
            #expect(back.bytes == frame.bytes)
        }
    }
}
