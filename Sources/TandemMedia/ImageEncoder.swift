import CFFmpeg
import Foundation
import TandemCore

/// Encodes a stream of frames as separate PNG or JPEG images, keeping one encoder, one scaler
/// and one picture buffer from image to image while the frame size stays the same.
///
/// Opening an encoder and a scaler per image (as the one-off `ImageWriter.encode` does) allocates
/// and frees a few hundred kilobytes of codec state, zlib window, scaler tables and picture
/// buffers each time, on whichever engine thread runs the node. Over thousands of images that
/// churn fragments glibc's per-thread malloc arenas and resident memory grows by tens of
/// kilobytes per image although nothing leaks; reusing the state keeps it flat.
///
/// Not thread-safe: one owner (a `write-frames` node) uses it from one thread at a time.
public final class ImageEncoder {
    public let format: ImageWriter.Format
    public let quality: Int

    /// The state for one picture size and pixel format, rebuilt when they change.
    private final class State {
        let key: Key
        let encoder: FFEncoder
        let picture = FFFrame()
        let packet = FFPacket()
        let scaler = FFScaler(flags: tandem_SWS_POINT | tandem_SWS_ACCURATE_RND | tandem_SWS_FULL_CHR_H_INT)
        /// Increasing presentation times, as encoders expect of one stream.
        var nextPts: Int64 = 0

        init(key: Key, encoder: FFEncoder) {
            self.key = key
            self.encoder = encoder
        }
    }

    private struct Key: Equatable {
        var width: Int
        var height: Int
        var pixelFormat: AVPixelFormat
    }

    private var state: State?

    public let content: ImageWriter.Content

    /// PNG's zlib level and row filter for `content`. Both only trade time for size: PNG stays lossless.
    /// - Camera frames: FFmpeg's defaults (zlib's level 6, no row filter, as `ffmpeg -i in out.png` writes)
    ///   spend most of a frame-extraction job in deflate; level 4 with the Paeth filter took 42% less CPU for 60
    ///   noisy 320×180 frames, and the files came out 3% larger (level 1: 66% less CPU, 16% larger).
    /// - Drawn pictures: on the separator's mask picture (856×1212, flat plot areas, spectrograms stretched over
    ///   whole pixel columns) the Paeth filter only costs: Paeth at level 4 took 76 ms and 1.17 MB, no filter at
    ///   level 1 34 ms and 0.85 MB (Paeth at level 1: 50 ms, 1.21 MB). The picture is encoded last, after the
    ///   separation, on one core while the other has little left to do, so its deflate is wall time.
    static func pngSettings(_ content: ImageWriter.Content) -> (level: Int32, prediction: String) {
        switch content {
        case .photographic: (4, "paeth")
        case .drawn: (1, "none")
        }
    }

    /// - Parameters:
    ///   - quality: JPEG quality 1…100 (ignored for PNG, which is lossless).
    ///   - content: what the images show, which picks PNG's deflate settings (ignored for JPEG).
    public init(format: ImageWriter.Format, quality: Int = 90, content: ImageWriter.Content = .photographic) {
        self.format = format
        self.quality = quality
        self.content = content
    }

    /// The encoded image file's bytes for `frame`.
    /// - Parameter path: the file the image is for, named in errors.
    /// - Throws: `MediaError` (invalid argument for a bad frame, unsupported codec, other FFmpeg failures).
    public func encode(_ frame: VideoFrame, path: String = "<memory>") throws -> Data {
        try frame.validatePayload(path: path, operation: "encode image")
        let packed = frame.packedPixels()
        let gray = packed.format == AV_PIX_FMT_GRAY8
        let pixelFormat: AVPixelFormat = switch format {
        case .png: gray ? AV_PIX_FMT_GRAY8 : AV_PIX_FMT_RGB24
        case .jpeg: gray ? AV_PIX_FMT_GRAY8 : AV_PIX_FMT_YUVJ444P
        }
        let state = try prepare(Key(width: frame.width, height: frame.height, pixelFormat: pixelFormat), path: path)
        // The encoder may still reference the previous picture's buffer; write into a fresh one then.
        let status = av_frame_make_writable(state.picture.pointer)
        if status < 0 { throw MediaError(ffmpeg: status, path: path, operation: "allocate image", code: .other) }
        try packed.bytes.withUnsafeBufferPointer { source in
            try state.scaler.scale(packed: source.baseAddress!, stride: packed.stride, width: frame.width, height: frame.height,
                                   format: packed.format, into: state.picture, path: path)
        }
        state.picture.pointer.pointee.pts = state.nextPts
        state.nextPts += 1
        var data = Data()
        let collect: (FFPacket) -> Void = { packet in
            data.append(packet.pointer.pointee.data, count: Int(packet.pointer.pointee.size))
        }
        try state.encoder.encode(state.picture, packet: state.packet, sink: collect)
        if data.isEmpty {
            // An encoder that delays its output gives the image only when flushed; it cannot be reused after that.
            try state.encoder.encode(nil, packet: state.packet, sink: collect)
            self.state = nil
        }
        return data
    }

    /// The state for `key`: the current one, or a new encoder, scaler and picture.
    private func prepare(_ key: Key, path: String) throws -> State {
        if let state, state.key == key { return state }
        state = nil
        let (format, quality) = (self.format, self.quality)
        let png = ImageEncoder.pngSettings(content)
        let options = format == .png ? ["pred": png.prediction] : [:]
        let encoder = try FFEncoder(name: format == .png ? "png" : "mjpeg", path: path, options: options) { context, _ in
            context.pointee.width = Int32(key.width)
            context.pointee.height = Int32(key.height)
            context.pointee.pix_fmt = key.pixelFormat
            context.pointee.time_base = AVRational(num: 1, den: 1)
            if format == .png { context.pointee.compression_level = png.level }
            if format == .jpeg {
                // mjpeg's quantiser scale 2 (best) … 31 (worst), from the 1…100 quality.
                let q = 2 + (100 - max(1, min(100, quality))) * 29 / 99
                context.pointee.flags |= tandem_AV_CODEC_FLAG_QSCALE
                context.pointee.global_quality = Int32(q) * tandem_FF_QP2LAMBDA
                context.pointee.color_range = AVCOL_RANGE_JPEG
            }
        }
        let state = State(key: key, encoder: encoder)
        state.picture.pointer.pointee.format = key.pixelFormat.rawValue
        state.picture.pointer.pointee.width = Int32(key.width)
        state.picture.pointer.pointee.height = Int32(key.height)
        let status = av_frame_get_buffer(state.picture.pointer, 0)
        if status < 0 { throw MediaError(ffmpeg: status, path: path, operation: "allocate image", code: .other) }
        self.state = state
        return state
    }
}
