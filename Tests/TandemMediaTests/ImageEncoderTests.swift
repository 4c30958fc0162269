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

    /// A plot-like picture: a flat background, a band of columns each repeated over 4 pixels (a spectrogram stretched
    /// to its plot's width) with noisy values down each column, and a frame line.
    func drawnPicture() -> VideoFrame {
        let (width, height) = (200, 120)
        var pixels = [UInt8](repeating: 255, count: width * height * 3)
        var state: UInt32 = 12345
        var column = [UInt8](repeating: 0, count: height)
        for x in 20..<180 {
            if x % 4 == 0 {
                for y in 0..<height { state = state &* 1_664_525 &+ 1_013_904_223; column[y] = UInt8(truncatingIfNeeded: state >> 24) }
            }
            for y in 10..<110 {
                let v = column[y]
                pixels[(y * width + x) * 3] = v; pixels[(y * width + x) * 3 + 1] = v / 2; pixels[(y * width + x) * 3 + 2] = 255 - v
            }
        }
        for x in 0..<width { for c in 0..<3 { pixels[(5 * width + x) * 3 + c] = 0 } }
        return VideoFrame(layout: .rgb24, width: width, height: height, stride: width * 3, bytes: SharedArray(pixels), pts: 0,
                          timeBase: Rational(1, 1), frameIndex: 0, seconds: 0)
    }

    /// Drawn pictures are written without a row filter, at a fast deflate level: still lossless, and on such a picture
    /// smaller than with the camera frames' Paeth filter.
    @Test func drawnPngsAreLosslessAndUnfiltered() throws {
        let picture = drawnPicture()
        let drawn = try ImageWriter.encode(picture, format: .png, content: .drawn)
        let photographic = try ImageWriter.encode(picture, format: .png)
        #expect(drawn != photographic)
        #expect(drawn.count < photographic.count)
        let url = Fixture.temporaryDirectory().appendingPathComponent("drawn.png")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try drawn.write(to: url)
        let back = try #require(try FrameReader(url: url).next())
        #expect(back.bytes == picture.bytes)
        #expect(ImageEncoder.pngSettings(.drawn) == (1, "none"))
    }
}
