import Foundation
import Testing
import TandemCore
@testable import TandemMedia

/// A YUV picture scaled to RGB at a width that is not a multiple of 8 gets every column converted,
/// the same bytes every time (libswscale's vectorised converter skips a row's last block when the
/// destination's rows are packed tight; see `FrameConverter.scalerStride`).
@Suite struct ScaledRowEndTests {
    /// A 16×16 H.264 (YUV 4:2:0) video of one flat colour, three frames.
    private func flatVideo(in directory: URL) throws -> URL {
        let url = directory.appendingPathComponent("flat.mp4")
        let writer = try VideoFileWriter(url: url, width: 16, height: 16, frameRate: Rational(25, 1), crf: 0)
        let pixels: [UInt8] = (0..<(16 * 16)).flatMap { _ -> [UInt8] in [200, 120, 60] }
        for index in 0..<3 {
            try writer.write(VideoFrame(layout: .rgb24, width: 16, height: 16, stride: 48, bytes: SharedArray(pixels), pts: Int64(index),
                                        timeBase: Rational(1, 25), frameIndex: index, seconds: Double(index) / 25))
        }
        try writer.finish()
        return url
    }

    /// Every pixel of the picture placed in `frame` (columns `x0..<x1`) within 8 of the colour at its centre.
    private func expectFlat(_ frame: VideoFrame, columns: Range<Int>, _ comment: Comment) {
        let centre = frame.height / 2 * frame.stride + (columns.lowerBound + columns.upperBound) / 2 * 3
        let colour = (0..<3).map { Int(frame.bytes[centre + $0]) }
        #expect(abs(colour[0] - 200) < 8 && abs(colour[1] - 120) < 8 && abs(colour[2] - 60) < 8, "\(colour)")
        var off: [String] = []
        for y in 0..<frame.height {
            for x in columns {
                let pixel = (0..<3).map { Int(frame.bytes[y * frame.stride + x * 3 + $0]) }
                if zip(pixel, colour).contains(where: { abs($0 - $1) > 8 }) { off.append("(\(x),\(y)): \(pixel)") }
            }
        }
        #expect(off.isEmpty, "\(comment): \(off.count) pixels off, first \(off.prefix(4))")
    }

    @Test(arguments: [ResizeMode.exact(width: 90, height: 60), .shorterSide(45), .exact(width: 7, height: 5)])
    func everyColumnIsConvertedAndTheSameEachTime(_ resize: ResizeMode) throws {
        let directory = Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = try flatVideo(in: directory)
        func decode() throws -> VideoFrame { try #require(try FrameReader(url: url, options: VideoDecodeOptions(resize: resize)).next()) }
        let first = try decode()
        #expect(first.width % 8 != 0)
        expectFlat(first, columns: 0..<first.width, "\(resize)")
        #expect(try decode().bytes.array == first.bytes.array)
    }

    /// The letterboxed path (scaled into a scratch picture, then placed) likewise.
    @Test func letterboxedPictureKeepsItsLastColumns() throws {
        let directory = Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let frame = try #require(try FrameReader(url: try flatVideo(in: directory), options: VideoDecodeOptions(resize: .letterbox(width: 60, height: 42))).next())
        // 42×42 picture between bars of 9 columns.
        #expect(frame.width == 60 && frame.height == 42)
        expectFlat(frame, columns: 9..<51, "letterbox")
    }
}
