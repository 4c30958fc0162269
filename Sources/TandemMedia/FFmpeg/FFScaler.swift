import CFFmpeg

/// Owns the `SwsContext`s converting (and scaling) decoded frames to a packed pixel format.
/// Rebuilt only when the source size or format changes.
final class FFScaler {
    private var context: OpaquePointer?
    private var key: (Int, Int, Int32, Int, Int, Int32) = (0, 0, -1, 0, 0, -1)
    let flags: Int32

    init(flags: Int32 = tandem_SWS_BILINEAR) { self.flags = flags }

    deinit {
        sws_freeContext(context)
        sws_freeContext(resizeContext)
        sws_freeContext(lumaContext)
    }

    private var resizeContext: OpaquePointer?
    private var resizeKey: (Int, Int, Int32, Int, Int) = (0, 0, -1, 0, 0)
    private let resized = FFFrame()

    /// Resizes `picture` in its own pixel format into `resized` (libswscale's planar scaler).
    private func resize(_ picture: SourcePicture, width: Int, height: Int, path: String) throws -> FFFrame {
        let wanted = (picture.width, picture.height, picture.format, width, height)
        if resizeContext == nil || wanted != resizeKey {
            resizeContext = sws_getCachedContext(resizeContext, Int32(picture.width), Int32(picture.height), AVPixelFormat(rawValue: picture.format),
                                                 Int32(width), Int32(height), AVPixelFormat(rawValue: picture.format), flags, nil, nil, nil)
            resizeKey = wanted
            resized.unref()
            resized.pointer.pointee.format = picture.format
            resized.pointer.pointee.width = Int32(width)
            resized.pointer.pointee.height = Int32(height)
            let status = av_frame_get_buffer(resized.pointer, 0)
            guard resizeContext != nil, status >= 0 else {
                throw MediaError(.invalidArgument, path: path, operation: "configure scaler", message: "cannot resize \(picture.width)x\(picture.height) to \(width)x\(height)")
            }
        }
        let rows = picture.scale(with: resizeContext, into: resized.data, lineSizes: resized.lineSizes)
        if rows < 0 { throw MediaError(ffmpeg: rows, path: path, operation: "resize", code: .other) }
        return resized
    }

    /// True when `format`'s rows can be read one field at a time by doubling each plane's stride: not a
    /// palette, bit-packed or hardware format.
    static func canSplitFields(_ format: Int32) -> Bool {
        guard let descriptor = av_pix_fmt_desc_get(AVPixelFormat(rawValue: format)) else { return false }
        return descriptor.pointee.flags & (tandem_AV_PIX_FMT_FLAG_PAL | tandem_AV_PIX_FMT_FLAG_BITSTREAM | tandem_AV_PIX_FMT_FLAG_HWACCEL) == 0
    }

    /// True when libswscale can resize a picture in `format` without leaving it: it writes that format,
    /// which is not a palette (PAL8: GIF-like codecs, old AVIs, 8-bit BMPs) or bit-packed (1-bit monochrome).
    /// Other formats are resized and converted in one pass.
    /// The corresponding C function is `sws_isSupportedOutput`.
    static func canResizeInItsOwnFormat(_ format: Int32) -> Bool {
        guard let descriptor = av_pix_fmt_desc_get(AVPixelFormat(rawValue: format)),
              sws_isSupportedOutput(AVPixelFormat(rawValue: format)) > 0 else { return false }
        return descriptor.pointee.flags & (tandem_AV_PIX_FMT_FLAG_PAL | tandem_AV_PIX_FMT_FLAG_BITSTREAM) == 0
    }

    /// Converts `frame` to `width`×`height` of `format` into `destination` (`stride` bytes per row).
    /// `destination` needs `FrameConverter.scalerPadding` bytes of room past its last row. With
    /// `topFieldOnly` the picture is read from its even rows (see `canSplitFields`) and stretched to `height`.
    /// The corresponding C functions are `sws_getCachedContext` and `sws_scale`.
    func scale(_ frame: FFFrame, topFieldOnly: Bool = false, to format: AVPixelFormat, width: Int, height: Int,
               destination: UnsafeMutablePointer<UInt8>, stride: Int, path: String) throws {
        // Resizing first in the decoded format (libswscale's vectorised planar scaler), then converting
        // colour at the output size (its vectorised unscaled converter), costs about half the CPU of
        // one combined pass, whose scaled RGB output path is mostly plain C.
        var picture = SourcePicture(frame, topFieldOnly: topFieldOnly)
        if format == AV_PIX_FMT_GRAY8, picture.width != width || picture.height != height,
           let table = lumaTable(for: picture.format) {
            try resizeLuma(picture, width: width, height: height, destination: destination, stride: stride, table: table, path: path)
            return
        }
        if (picture.width != width || picture.height != height) && Self.canResizeInItsOwnFormat(picture.format) {
            picture = SourcePicture(try resize(picture, width: width, height: height, path: path), topFieldOnly: false)
        }
        let wanted = (picture.width, picture.height, picture.format, width, height, format.rawValue)
        if context == nil || wanted != key {
            context = sws_getCachedContext(context, Int32(picture.width), Int32(picture.height), AVPixelFormat(rawValue: picture.format),
                                           Int32(width), Int32(height), format, flags, nil, nil, nil)
            key = wanted
            guard context != nil else {
                throw MediaError(.invalidArgument, path: path, operation: "configure scaler",
                                 message: "cannot convert \(picture.width)x\(picture.height) pixel format \(picture.format) to \(width)x\(height)")
            }
        }
        var planes: [UnsafeMutablePointer<UInt8>?] = [destination, nil, nil, nil, nil, nil, nil, nil]
        var strides: [Int32] = [Int32(stride), 0, 0, 0, 0, 0, 0, 0]
        let rows = planes.withUnsafeMutableBufferPointer { planes in
            picture.scale(with: context, into: planes.baseAddress!, lineSizes: &strides)
        }
        if rows < 0 { throw MediaError(ffmpeg: rows, path: path, operation: "convert pixels", code: .other) }
    }

    private var lumaContext: OpaquePointer?
    private var lumaKey: (Int, Int, Int, Int) = (0, 0, 0, 0)
    /// Per decoded format, its luma's conversion to gray8 as a table (nil: the shortcut is not taken for it).
    private var lumaTables: [Int32: [UInt8]?] = [:]

    /// The planar 8-bit YUV formats whose gray8 picture `resizeLuma` makes: their luma plane is resized as
    /// libswscale resizes it in the whole format (checked bit for bit against the two passes for these formats,
    /// with every filter but `SWS_FAST_BILINEAR`, `FFScalerGrayTests`). Semi-planar NV12 is not (its resize differs).
    private static let lumaFormats = Set([AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUV422P, AV_PIX_FMT_YUVJ422P,
                                                  AV_PIX_FMT_YUV444P, AV_PIX_FMT_YUVJ444P].map(\.rawValue))

    /// libswscale's unscaled conversion of `format` to gray8 (the second of the two passes), read off as a table
    /// of the 256 luma values: it converts the luma alone, pixel by pixel (a range change for the limited-range
    /// formats, none for the J ones). Made by converting a picture that holds every value at many positions, and
    /// nil when those disagree (the conversion would not be a table) or the format or filter is not one of
    /// `lumaFormats` without `SWS_FAST_BILINEAR`.
    private func lumaTable(for format: Int32) -> [UInt8]? {
        if let known = lumaTables[format] { return known }
        var table: [UInt8]?
        if Self.lumaFormats.contains(format), flags & tandem_SWS_FAST_BILINEAR == 0 {
            table = Self.grayTable(format: format, flags: flags)
        }
        lumaTables[format] = table
        return table
    }

    /// The gray8 value libswscale gives each luma value of `format` (see `lumaTable`), nil if not one per value.
    /// - Complexity: one conversion of a 256 × 16 picture.
    static func grayTable(format: Int32, flags: Int32) -> [UInt8]? {
        let width = 256, height = 16
        let frame = FFFrame()
        frame.pointer.pointee.format = format
        frame.pointer.pointee.width = Int32(width)
        frame.pointer.pointee.height = Int32(height)
        guard av_frame_get_buffer(frame.pointer, 0) >= 0,
              let context = sws_getContext(Int32(width), Int32(height), AVPixelFormat(rawValue: format), Int32(width), Int32(height),
                                           AV_PIX_FMT_GRAY8, flags, nil, nil, nil) else { return nil }
        defer { sws_freeContext(context) }
        let luma = frame.data[0]!, lumaStride = Int(frame.lineSizes[0])
        // Row r holds the values shifted by 37 r: every value at 16 positions, at every column modulo 8.
        for y in 0..<height { for x in 0..<width { luma[y * lumaStride + x] = UInt8((x + 37 * y) % 256) } }
        guard let descriptor = av_pix_fmt_desc_get(AVPixelFormat(rawValue: format)) else { return nil }
        let chromaHeight = (height + (1 << Int(descriptor.pointee.log2_chroma_h)) - 1) >> Int(descriptor.pointee.log2_chroma_h)
        for plane in 1...2 {
            guard let chroma = frame.data[plane] else { continue }
            for i in 0..<(Int(frame.lineSizes[plane]) * chromaHeight) { chroma[i] = 128 }
        }
        var gray = [UInt8](repeating: 0, count: width * height + FrameConverter.scalerPadding)
        let rows = gray.withUnsafeMutableBufferPointer { gray in
            var planes: [UnsafeMutablePointer<UInt8>?] = [gray.baseAddress, nil, nil, nil]
            var strides: [Int32] = [Int32(width), 0, 0, 0]
            return sws_scale(context, UnsafeRawPointer(frame.data).assumingMemoryBound(to: UnsafePointer<UInt8>?.self), frame.lineSizes,
                             0, Int32(height), &planes, &strides)
        }
        guard rows == height else { return nil }
        var table = [UInt8](repeating: 0, count: 256)
        for x in 0..<width { table[Int(luma[x])] = gray[x] }
        for y in 0..<height {
            for x in 0..<width where table[Int(luma[y * lumaStride + x])] != gray[y * width + x] { return nil }
        }
        return table
    }

    /// The gray8 picture of a planar YUV `picture` at `width`×`height`, as the two passes make it (its format resized,
    /// then converted), from its luma plane alone: the plane resized as gray8 (no range change), then `table`.
    /// The two passes also resized both chroma planes, which a gray picture never reads, and ran the range change
    /// through libswscale's scaler: twice the CPU (0.21 → 0.10 ms a 640×180 frame to 512×144).
    private func resizeLuma(_ picture: SourcePicture, width: Int, height: Int, destination: UnsafeMutablePointer<UInt8>, stride: Int,
                            table: [UInt8], path: String) throws {
        let wanted = (picture.width, picture.height, width, height)
        if lumaContext == nil || wanted != lumaKey {
            lumaContext = sws_getCachedContext(lumaContext, Int32(picture.width), Int32(picture.height), AV_PIX_FMT_GRAY8,
                                               Int32(width), Int32(height), AV_PIX_FMT_GRAY8, flags, nil, nil, nil)
            lumaKey = wanted
            guard lumaContext != nil else {
                throw MediaError(.invalidArgument, path: path, operation: "configure scaler", message: "cannot resize \(picture.width)x\(picture.height) to \(width)x\(height)")
            }
        }
        var source: [UnsafePointer<UInt8>?] = [UnsafePointer(picture.frame.data[0]), nil, nil, nil]
        var sourceStrides: [Int32] = [picture.lineSizes[0], 0, 0, 0]
        var planes: [UnsafeMutablePointer<UInt8>?] = [destination, nil, nil, nil]
        var strides: [Int32] = [Int32(stride), 0, 0, 0]
        let rows = sws_scale(lumaContext, &source, &sourceStrides, 0, Int32(picture.height), &planes, &strides)
        if rows < 0 { throw MediaError(ffmpeg: rows, path: path, operation: "resize", code: .other) }
        guard table.indices.contains(where: { table[$0] != UInt8($0) }) else { return }
        table.withUnsafeBufferPointer { table in
            for y in 0..<height {
                let row = destination + y * stride
                for x in 0..<width { row[x] = table[Int(row[x])] }
            }
        }
    }

    /// Converts a packed picture (`source`, `stride` bytes per row) into `frame`, whose format,
    /// width and height are already set and whose buffers are allocated.
    func scale(packed source: UnsafePointer<UInt8>, stride: Int, width: Int, height: Int, format: AVPixelFormat,
               into frame: FFFrame, path: String) throws {
        let wanted = (width, height, format.rawValue, frame.width, frame.height, frame.format)
        if context == nil || wanted != key {
            context = sws_getCachedContext(context, Int32(width), Int32(height), format, Int32(frame.width), Int32(frame.height),
                                           AVPixelFormat(rawValue: frame.format), flags, nil, nil, nil)
            key = wanted
            guard context != nil else {
                throw MediaError(.invalidArgument, path: path, operation: "configure scaler", message: "cannot convert \(width)x\(height) for encoding")
            }
        }
        var planes: [UnsafePointer<UInt8>?] = [source, nil, nil, nil]
        var strides: [Int32] = [Int32(stride), 0, 0, 0]
        let rows = sws_scale(context, &planes, &strides, 0, Int32(height), frame.data, frame.lineSizes)
        if rows < 0 { throw MediaError(ffmpeg: rows, path: path, operation: "convert pixels", code: .other) }
    }
}

/// A decoded picture as libswscale reads it: all of the frame's rows, or only its top field (the even
/// rows of every plane, read by doubling each plane's stride).
private struct SourcePicture {
    let frame: FFFrame
    let height: Int
    let lineSizes: [Int32]

    init(_ frame: FFFrame, topFieldOnly: Bool) {
        self.frame = frame
        let strides = (0..<8).map { frame.lineSizes[$0] }
        height = topFieldOnly ? (frame.height + 1) / 2 : frame.height
        lineSizes = topFieldOnly ? strides.map { $0 * 2 } : strides
    }

    var width: Int { frame.width }
    var format: Int32 { frame.format }

    /// `sws_scale` of this picture with `context` into the planes `destination`; the rows written, or an FFmpeg error.
    func scale(with context: OpaquePointer?, into destination: UnsafePointer<UnsafeMutablePointer<UInt8>?>,
               lineSizes destinationStrides: UnsafePointer<Int32>) -> Int32 {
        let source = UnsafeRawPointer(frame.data).assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
        return lineSizes.withUnsafeBufferPointer { strides in
            sws_scale(context, source, strides.baseAddress, 0, Int32(height), destination, destinationStrides)
        }
    }
}
