import CFFmpeg
import Foundation
import TandemCore

/// Writes video files (H.264 in MP4 by default) from `VideoFrame`s, through libavcodec and libavformat.
///
/// Frames (rgb24, gray8 or float32CHW) are converted to yuv420p with libswscale. The file is written
/// under a temporary name and renamed into place by `finish()`; a writer dropped without `finish()`
/// removes its temporary file.
///
/// Not `Sendable`: one owner writes, from one thread at a time.
public final class VideoFileWriter {
    public let url: URL
    public let width: Int
    public let height: Int
    public let frameRate: Rational
    private let output: AtomicOutput
    private let muxer: FFOutputContext
    private let encoder: FFEncoder
    private let stream: UnsafeMutablePointer<AVStream>
    private let scaler = FFScaler()
    private let packet = FFPacket()
    private var framesWritten: Int64 = 0
    private var finished = false

    /// Creates the temporary file and opens the encoder.
    /// - Parameters:
    ///   - width, height: the frame size; even numbers (yuv420p halves the chroma).
    ///   - frameRate: frames per second, e.g. `Rational(30, 1)` or `Rational(30000, 1001)`.
    ///   - codec: an FFmpeg encoder name; `libx264` by default.
    ///   - crf: x264's constant rate factor (quality; lower is better, 23 is x264's default).
    ///   - preset: x264's speed preset.
    /// - Throws: `MediaError` (invalid argument, unsupported codec, io).
    public init(url: URL, width: Int, height: Int, frameRate: Rational, codec: String = "libx264",
                crf: Int = 23, preset: String = "veryfast") throws {
        guard width > 0, height > 0, width % 2 == 0, height % 2 == 0 else {
            throw MediaError(.invalidArgument, path: url.path, operation: "create video file", message: "width and height must be positive and even, got \(width)x\(height)")
        }
        guard frameRate.numerator > 0, frameRate.denominator > 0 else {
            throw MediaError(.invalidArgument, path: url.path, operation: "create video file", message: "frame rate must be positive")
        }
        self.url = url
        self.width = width
        self.height = height
        self.frameRate = frameRate
        do { output = try AtomicOutput(finalURL: url) } catch {
            throw MediaError(.io, path: url.path, operation: "create video file", message: "\(error)")
        }
        let path = output.temporaryURL.path
        muxer = try FFOutputContext(path: path, formatName: nil)
        let globalHeader = muxer.wantsGlobalHeader
        let options = codec.hasPrefix("libx26") ? ["crf": String(crf), "preset": preset] : [:]
        encoder = try FFEncoder(name: codec, path: path, options: options) { context, codec in
            context.pointee.width = Int32(width)
            context.pointee.height = Int32(height)
            let formats = FFEncoder.list(codec.pointee.pix_fmts, end: AV_PIX_FMT_NONE)
            context.pointee.pix_fmt = formats.isEmpty || formats.contains(AV_PIX_FMT_YUV420P) ? AV_PIX_FMT_YUV420P : formats[0]
            context.pointee.time_base = AVRational(num: Int32(frameRate.denominator), den: Int32(frameRate.numerator))
            context.pointee.framerate = AVRational(num: Int32(frameRate.numerator), den: Int32(frameRate.denominator))
            context.pointee.gop_size = Int32(max(1, min(250, 2 * frameRate.numerator / frameRate.denominator)))
            if globalHeader { context.pointee.flags |= tandem_AV_CODEC_FLAG_GLOBAL_HEADER }
        }
        stream = try muxer.addStream(for: encoder)
        stream.pointee.avg_frame_rate = encoder.pointer.pointee.framerate
        try muxer.writeHeader()
    }

    /// Appends `frame`, which must be `width`×`height`. Its timestamp is ignored: frames are
    /// written at the constant `frameRate`, in the order given.
    public func write(_ frame: VideoFrame) throws {
        guard !finished else {
            throw MediaError(.invalidArgument, path: url.path, operation: "write video", message: "the writer is finished")
        }
        guard frame.width == width, frame.height == height else {
            throw MediaError(.invalidArgument, path: url.path, operation: "write video",
                             message: "frame is \(frame.width)x\(frame.height), the file \(width)x\(height)")
        }
        try frame.validatePayload(path: url.path, operation: "write video")
        let yuv = FFFrame()
        yuv.pointer.pointee.format = encoder.pointer.pointee.pix_fmt.rawValue
        yuv.pointer.pointee.width = Int32(width)
        yuv.pointer.pointee.height = Int32(height)
        let status = av_frame_get_buffer(yuv.pointer, 0)
        if status < 0 { throw MediaError(ffmpeg: status, path: url.path, operation: "allocate video frame", code: .other) }
        let packed = frame.packedPixels()
        try packed.bytes.withUnsafeBufferPointer { source in
            try scaler.scale(packed: source.baseAddress!, stride: packed.stride, width: width, height: height,
                             format: packed.format, into: yuv, path: url.path)
        }
        yuv.pointer.pointee.pts = framesWritten
        framesWritten += 1
        try encode(yuv)
    }

    /// Flushes the encoder, writes the trailer and renames the file to its final name.
    public func finish() throws {
        guard !finished else { return }
        finished = true
        try encode(nil)
        try muxer.finish()
        do { try output.commit() } catch {
            throw MediaError(.io, path: url.path, operation: "finish video file", message: "\(error)")
        }
    }

    private func encode(_ frame: FFFrame?) throws {
        let timeBase = encoder.pointer.pointee.time_base
        try encoder.encode(frame, packet: packet) { try muxer.write($0, stream: stream, from: timeBase) }
    }
}
