import CFFmpeg

/// Owns a `SwsContext` converting (and scaling) decoded frames to a packed pixel format.
/// Rebuilt only when the source size or format changes.
final class FFScaler {
    private var context: OpaquePointer?
    private var key: (Int, Int, Int32, Int, Int, Int32) = (0, 0, -1, 0, 0, -1)
    let flags: Int32

    init(flags: Int32 = tandem_SWS_BILINEAR) { self.flags = flags }

    deinit { sws_freeContext(context) }

    /// Converts `frame` to `width`×`height` of `format` into `destination` (`stride` bytes per row).
    /// The corresponding C functions are `sws_getCachedContext` and `sws_scale`.
    func scale(_ frame: FFFrame, to format: AVPixelFormat, width: Int, height: Int,
               destination: UnsafeMutablePointer<UInt8>, stride: Int, path: String) throws {
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
