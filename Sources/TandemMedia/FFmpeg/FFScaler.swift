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
    }

    private var resizeContext: OpaquePointer?
    private var resizeKey: (Int, Int, Int32, Int, Int) = (0, 0, -1, 0, 0)
    private let resized = FFFrame()

    /// Resizes `frame` in its own pixel format into `resized` (libswscale's planar scaler).
    private func resize(_ frame: FFFrame, width: Int, height: Int, path: String) throws -> FFFrame {
        let wanted = (frame.width, frame.height, frame.format, width, height)
        if resizeContext == nil || wanted != resizeKey {
            resizeContext = sws_getCachedContext(resizeContext, Int32(frame.width), Int32(frame.height), AVPixelFormat(rawValue: frame.format),
                                                 Int32(width), Int32(height), AVPixelFormat(rawValue: frame.format), flags, nil, nil, nil)
            resizeKey = wanted
            resized.unref()
            resized.pointer.pointee.format = frame.format
            resized.pointer.pointee.width = Int32(width)
            resized.pointer.pointee.height = Int32(height)
            let status = av_frame_get_buffer(resized.pointer, 0)
            guard resizeContext != nil, status >= 0 else {
                throw MediaError(.invalidArgument, path: path, operation: "configure scaler", message: "cannot resize \(frame.width)x\(frame.height) to \(width)x\(height)")
            }
        }
        let source = UnsafeRawPointer(frame.data).assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
        let rows = sws_scale(resizeContext, source, frame.lineSizes, 0, Int32(frame.height), resized.data, resized.lineSizes)
        if rows < 0 { throw MediaError(ffmpeg: rows, path: path, operation: "resize", code: .other) }
        return resized
    }


    /// Converts `frame` to `width`×`height` of `format` into `destination` (`stride` bytes per row).
    /// `destination` needs `FrameConverter.scalerPadding` bytes of room past its last row.
    /// The corresponding C functions are `sws_getCachedContext` and `sws_scale`.
    func scale(_ frame: FFFrame, to format: AVPixelFormat, width: Int, height: Int,
               destination: UnsafeMutablePointer<UInt8>, stride: Int, path: String) throws {
        // Resizing first in the decoded format (libswscale's vectorised planar scaler), then converting
        // colour at the output size (its vectorised unscaled converter), costs about half the CPU of
        // one combined pass, whose scaled RGB output path is mostly plain C.
        var frame = frame
        if frame.width != width || frame.height != height {
            frame = try resize(frame, width: width, height: height, path: path)
        }
        let wanted = (frame.width, frame.height, frame.format, width, height, format.rawValue)
        if context == nil || wanted != key {
            context = sws_getCachedContext(context, Int32(frame.width), Int32(frame.height), AVPixelFormat(rawValue: frame.format),
                                           Int32(width), Int32(height), format, flags, nil, nil, nil)
            key = wanted
            guard context != nil else {
                throw MediaError(.invalidArgument, path: path, operation: "configure scaler",
                                 message: "cannot convert \(frame.width)x\(frame.height) pixel format \(frame.format) to \(width)x\(height)")
            }
        }
        var planes: [UnsafeMutablePointer<UInt8>?] = [destination, nil, nil, nil]
        var strides: [Int32] = [Int32(stride), 0, 0, 0]
        let source = UnsafeRawPointer(frame.data).assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
        let rows = sws_scale(context, source, frame.lineSizes, 0, Int32(frame.height), &planes, &strides)
        if rows < 0 { throw MediaError(ffmpeg: rows, path: path, operation: "convert pixels", code: .other) }
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
