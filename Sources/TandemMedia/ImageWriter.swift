import CFFmpeg
import Foundation
import TandemCore

/// Writes single frames as PNG or JPEG images with FFmpeg's own encoders (`png`, `mjpeg`),
/// so no image library is needed. Files are written atomically (temporary name, then rename).
public enum ImageWriter {
    public enum Format: String, Sendable {
        case png, jpeg

        /// The format for a file extension (`png`, `jpg`, `jpeg`).
        public init?(fileExtension: String) {
            switch fileExtension.lowercased() {
            case "png": self = .png
            case "jpg", "jpeg": self = .jpeg
            default: return nil
            }
        }
    }

    /// Encodes `frame` and writes it to `url`.
    /// - Parameters:
    ///   - format: `nil` picks it from `url`'s extension.
    ///   - quality: JPEG quality 1…100 (ignored for PNG, which is lossless).
    /// - Throws: `MediaError` (invalid argument for an unknown extension or a bad frame, io).
    public static func write(_ frame: VideoFrame, to url: URL, format: Format? = nil, quality: Int = 90) throws {
        guard let format = format ?? Format(fileExtension: url.pathExtension) else {
            throw MediaError(.invalidArgument, path: url.path, operation: "write image", message: "unknown image extension .\(url.pathExtension) (png, jpg)")
        }
        let data = try encode(frame, format: format, quality: quality, path: url.path)
        do { try AtomicOutput.write(data, to: url) } catch {
            throw MediaError(.io, path: url.path, operation: "write image", message: "\(error)")
        }
    }

    /// The encoded image file's bytes.
    public static func encode(_ frame: VideoFrame, format: Format, quality: Int = 90, path: String = "<memory>") throws -> Data {
        try frame.validatePayload(path: path, operation: "encode image")
        let packed = frame.packedPixels()
        let gray = packed.format == AV_PIX_FMT_GRAY8
        let pixelFormat: AVPixelFormat = switch format {
        case .png: gray ? AV_PIX_FMT_GRAY8 : AV_PIX_FMT_RGB24
        case .jpeg: gray ? AV_PIX_FMT_GRAY8 : AV_PIX_FMT_YUVJ444P
        }
        let encoder = try FFEncoder(name: format == .png ? "png" : "mjpeg", path: path) { context, _ in
            context.pointee.width = Int32(frame.width)
            context.pointee.height = Int32(frame.height)
            context.pointee.pix_fmt = pixelFormat
            context.pointee.time_base = AVRational(num: 1, den: 1)
            if format == .jpeg {
                // mjpeg's quantiser scale 2 (best) … 31 (worst), from the 1…100 quality.
                let q = 2 + (100 - max(1, min(100, quality))) * 29 / 99
                context.pointee.flags |= tandem_AV_CODEC_FLAG_QSCALE
                context.pointee.global_quality = Int32(q) * tandem_FF_QP2LAMBDA
                context.pointee.color_range = AVCOL_RANGE_JPEG
            }
        }
        let picture = FFFrame()
        picture.pointer.pointee.format = pixelFormat.rawValue
        picture.pointer.pointee.width = Int32(frame.width)
        picture.pointer.pointee.height = Int32(frame.height)
        let status = av_frame_get_buffer(picture.pointer, 0)
        if status < 0 { throw MediaError(ffmpeg: status, path: path, operation: "allocate image", code: .other) }
        let scaler = FFScaler(flags: tandem_SWS_POINT | tandem_SWS_ACCURATE_RND | tandem_SWS_FULL_CHR_H_INT)
        try packed.bytes.withUnsafeBufferPointer { source in
            try scaler.scale(packed: source.baseAddress!, stride: packed.stride, width: frame.width, height: frame.height,
                             format: packed.format, into: picture, path: path)
        }
        picture.pointer.pointee.pts = 0
        var data = Data()
        let packet = FFPacket()
        let collect: (FFPacket) -> Void = { packet in
            data.append(packet.pointer.pointee.data, count: Int(packet.pointer.pointee.size))
        }
        try encoder.encode(picture, packet: packet, sink: collect)
        try encoder.encode(nil, packet: packet, sink: collect)
        return data
    }
}
