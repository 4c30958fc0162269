import CFFmpeg
import Testing
@testable import TandemMedia

/// A planar YUV picture resized to gray8 from its luma plane alone (`FFScaler.resizeLuma`) gets the bytes of the
/// two passes it replaces: the whole picture resized in its own format, then converted to gray8.
@Suite struct FFScalerGrayTests {
    /// A `width`×`height` frame of `format` with seeded random planes (every byte of luma and chroma).
    private func randomFrame(_ format: AVPixelFormat, width: Int, height: Int, seed: UInt64) throws -> FFFrame {
        let frame = FFFrame()
        frame.pointer.pointee.format = format.rawValue
        frame.pointer.pointee.width = Int32(width)
        frame.pointer.pointee.height = Int32(height)
        #expect(av_frame_get_buffer(frame.pointer, 0) >= 0)
        var state = seed
        func next() -> UInt8 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        let descriptor = try #require(av_pix_fmt_desc_get(format))
        let chromaHeight = (height + (1 << Int(descriptor.pointee.log2_chroma_h)) - 1) >> Int(descriptor.pointee.log2_chroma_h)
        for plane in 0..<3 {
            guard let data = frame.data[plane] else { continue }
            let rows = plane == 0 ? height : chromaHeight
            // Half the pictures are noise, half smooth ramps with a little noise (the filters' rounding on both).
            for y in 0..<rows {
                for x in 0..<Int(frame.lineSizes[plane]) {
                    data[y * Int(frame.lineSizes[plane]) + x] = seed % 2 == 0 ? next() : UInt8(truncatingIfNeeded: 3 * x + 5 * y + Int(next() % 3))
                }
            }
        }
        return frame
    }

    /// The two passes with libswscale directly: `format` resized in its own format, then converted to gray8.
    private func twoPasses(_ frame: FFFrame, width: Int, height: Int, flags: Int32, stride: Int) throws -> [UInt8] {
        let format = AVPixelFormat(rawValue: frame.format)
        let resized = FFFrame()
        resized.pointer.pointee.format = frame.format
        resized.pointer.pointee.width = Int32(width)
        resized.pointer.pointee.height = Int32(height)
        #expect(av_frame_get_buffer(resized.pointer, 0) >= 0)
        let resize = try #require(sws_getContext(Int32(frame.width), Int32(frame.height), format, Int32(width), Int32(height), format, flags, nil, nil, nil))
        defer { sws_freeContext(resize) }
        let convert = try #require(sws_getContext(Int32(width), Int32(height), format, Int32(width), Int32(height), AV_PIX_FMT_GRAY8, flags, nil, nil, nil))
        defer { sws_freeContext(convert) }
        func planes(_ f: FFFrame) -> UnsafePointer<UnsafePointer<UInt8>?> { UnsafeRawPointer(f.data).assumingMemoryBound(to: UnsafePointer<UInt8>?.self) }
        #expect(sws_scale(resize, planes(frame), frame.lineSizes, 0, Int32(frame.height), resized.data, resized.lineSizes) == Int32(height))
        var gray = [UInt8](repeating: 0, count: stride * height + FrameConverter.scalerPadding)
        gray.withUnsafeMutableBufferPointer { gray in
            var out: [UnsafeMutablePointer<UInt8>?] = [gray.baseAddress, nil, nil, nil]
            var strides: [Int32] = [Int32(stride), 0, 0, 0]
            #expect(sws_scale(convert, planes(resized), resized.lineSizes, 0, Int32(height), &out, &strides) == Int32(height))
        }
        return (0..<height).flatMap { y in gray[(y * stride)..<(y * stride + width)] }
    }

    private func scaled(_ frame: FFFrame, scaler: FFScaler, width: Int, height: Int, stride: Int) throws -> [UInt8] {
        var gray = [UInt8](repeating: 0, count: stride * height + FrameConverter.scalerPadding)
        try gray.withUnsafeMutableBufferPointer { gray in
            try scaler.scale(frame, to: AV_PIX_FMT_GRAY8, width: width, height: height, destination: gray.baseAddress!, stride: stride, path: "test")
        }
        return (0..<height).flatMap { y in gray[(y * stride)..<(y * stride + width)] }
    }

    static let formats = [AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUV422P, AV_PIX_FMT_YUV444P,
                          AV_PIX_FMT_NV12]  // NV12 and fast bilinear take the two passes themselves
    static let sizes = [(640, 180, 512, 144), (641, 181, 513, 145), (33, 17, 20, 11), (200, 100, 288, 144), (1280, 720, 256, 144)]

    @Test(arguments: formats)
    func lumaAloneGivesTheTwoPassesBytes(_ format: AVPixelFormat) throws {
        for flags in [tandem_SWS_BILINEAR, tandem_SWS_AREA, tandem_SWS_BICUBIC, tandem_SWS_POINT, tandem_SWS_FAST_BILINEAR] {
            let scaler = FFScaler(flags: flags)
            for (index, size) in Self.sizes.enumerated() {
                let (w, h, width, height) = size
                let stride = FrameConverter.scalerStride(width: width, channels: 1)
                for seed in 0..<UInt64(2) {
                    let frame = try randomFrame(format, width: w, height: h, seed: seed + 2 * UInt64(index))
                    let expected = try twoPasses(frame, width: width, height: height, flags: flags, stride: stride)
                    #expect(try scaled(frame, scaler: scaler, width: width, height: height, stride: stride) == expected,
                            "format \(format.rawValue), flags \(flags), \(w)x\(h) → \(width)x\(height), seed \(seed)")
                }
            }
        }
    }

    /// The table is libswscale's range change: limited-range luma 16…235 to 0…255, full-range luma as it is.
    @Test func grayTableIsTheRangeChange() throws {
        let limited = try #require(FFScaler.grayTable(format: AV_PIX_FMT_YUV420P.rawValue, flags: tandem_SWS_BILINEAR))
        #expect(limited[0] == 0 && limited[16] == 0 && limited[235] == 255 && limited[255] == 255)
        #expect(zip(limited, limited.dropFirst()).allSatisfy { $0 <= $1 })
        let full = try #require(FFScaler.grayTable(format: AV_PIX_FMT_YUVJ420P.rawValue, flags: tandem_SWS_BILINEAR))
        #expect(full == (0...255).map { UInt8($0) })
    }
}
