import Foundation
import Testing
@testable import TandemMedia

/// Palette pictures (8-bit BMPs, GIF-like codecs, old AVIs) cannot be resized in their own format:
/// they are resized and converted in one pass.
@Suite struct PalettePictureTests {
    /// An uncompressed 8-bit BMP, `width`×`height`, its left half palette entry 0 (pure red), its right half
    /// entry 1 (pure blue).
    private func paletteBitmap(width: Int, height: Int) -> Data {
        let rowBytes = (width + 3) / 4 * 4
        let paletteBytes = 256 * 4
        let offset = 14 + 40 + paletteBytes
        var data = Data()
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: Array("BM".utf8))
        append(UInt32(offset + rowBytes * height)); append(UInt32(0)); append(UInt32(offset))
        append(UInt32(40)); append(Int32(width)); append(Int32(height)); append(UInt16(1)); append(UInt16(8))
        append(UInt32(0)); append(UInt32(rowBytes * height)); append(Int32(2835)); append(Int32(2835))
        append(UInt32(256)); append(UInt32(0))
        for entry in 0..<256 {  // blue, green, red, reserved
            data.append(contentsOf: entry == 0 ? [0, 0, 255, 0] : entry == 1 ? [255, 0, 0, 0] : [0, 0, 0, 0])
        }
        for _ in 0..<height {
            data.append(contentsOf: (0..<rowBytes).map { $0 < width / 2 ? UInt8(0) : UInt8(1) })
        }
        return data
    }

    @Test(arguments: [ResizeMode.exact(width: 24, height: 16), .shorterSide(32), .letterbox(width: 40, height: 40)])
    func paletteResizes(_ resize: ResizeMode) throws {
        let directory = Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("palette.bmp")
        try paletteBitmap(width: 48, height: 32).write(to: url)
        let reader = try FrameReader(url: url, options: VideoDecodeOptions(resize: resize))
        let frame = try #require(try reader.next())
        let (x, y) = (frame.width / 4, frame.height / 2)
        func pixel(_ column: Int) -> [Int] { (0..<3).map { Int(frame.bytes[y * frame.stride + column * 3 + $0]) } }
        let (left, right) = (pixel(x), pixel(frame.width - 1 - x))
        #expect(left[0] > 240 && left[1] < 15 && left[2] < 15, "red half \(left) of \(frame.width)x\(frame.height)")
        #expect(right[0] < 15 && right[1] < 15 && right[2] > 240, "blue half \(right)")
    }
}
