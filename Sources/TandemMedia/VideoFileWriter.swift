import CFFmpeg
import Foundation
import TandemCore

/// Writes video files (H.264 in MP4 by default) from `VideoFrame`s, or from a copy of another
/// file's video stream, optionally with an AAC audio track, through libavcodec and libavformat.
///
/// Frames (rgb24, gray8 or float32CHW) are converted to yuv420p with libswscale. The file is written
/// under a temporary name and renamed into place by `finish()`; a writer dropped without `finish()`
/// removes its temporary file.
///
/// **Audio.** A writer made with an `AudioTrack` takes planar Float32 `AudioBuffer`s through
/// `write(_:)` (any rate and channel count, fixed for the file), encodes them with FFmpeg's native
/// `aac` encoder in frames of the encoder's frame size (the last one short) and interleaves the
/// packets with the video's. The container header waits for the first audio buffer, because only it
/// tells the track's rate and channels; the video packets encoded meanwhile are held until then
/// (compressed; a pipeline delivers packets by time, so that is a frame or two, unless the audio
/// never comes: then the whole compressed video waits for `finish()`).
/// Audio sits on the file's clock: its first buffer's `firstSample` is where it starts. Audio and
/// video keep the lengths they are given: audio shorter than the video ends early (players play
/// silence), longer audio makes the file as long as the audio.
///
/// **Stream copy.** `init(url:copyingVideoFrom:audio:keepSourceAudio:)` copies the source file's
/// video packets unchanged (no decoding, no quality loss) with their codec parameters and side data
/// (rotation), re-timed onto the file's clock. The source's audio is dropped unless
/// `keepSourceAudio`, which copies it as further tracks after the new, default, one.
///
/// The container follows `url`'s extension (`.mp4`, `.mov`, `.mkv`, ...).
///
/// Not `Sendable`: one owner writes, from one thread at a time.
public final class VideoFileWriter {
    /// The audio track of a video file: AAC at `bitRate` bits per second.
    public struct AudioTrack: Sendable, Hashable {
        public var bitRate: Int
        public init(bitRate: Int = 128_000) { self.bitRate = bitRate }
    }

    /// Where the video stream comes from.
    private enum Video {
        case encoded(FFEncoder, UnsafeMutablePointer<AVStream>, FFScaler)
        case copied(FFStreamCopy)
    }

    public let url: URL
    public let width: Int
    public let height: Int
    /// The encoded frame rate; for a copy, the source's average (or else nominal) frame rate.
    public let frameRate: Rational
    /// The audio track the file gets, or `nil` for video only.
    public let audioTrack: AudioTrack?
    private let output: AtomicOutput
    private let muxer: FFOutputContext
    private let video: Video
    private let keepSourceAudio: Bool
    private var audio: LibavAudioEncoder?
    private let packet = FFPacket()
    private var firstAudio: (rate: Int, channels: Int)?
    private var framesWritten: Int64 = 0
    private var finished = false

    /// Creates the temporary file and opens the encoder.
    /// - Parameters:
    ///   - width, height: the frame size; even numbers (yuv420p halves the chroma).
    ///   - frameRate: frames per second, e.g. `Rational(30, 1)` or `Rational(30000, 1001)`.
    ///   - codec: an FFmpeg encoder name; `libx264` by default.
    ///   - crf: x264's constant rate factor (quality; lower is better, 23 is x264's default).
    ///   - preset: x264's speed preset.
    ///   - audio: the audio track to add, fed by `write(_: AudioBuffer)`; `nil` for video only.
    /// - Throws: `MediaError` (invalid argument, unsupported codec, io).
    public init(url: URL, width: Int, height: Int, frameRate: Rational, codec: String = "libx264",
                crf: Int = 23, preset: String = "veryfast", audio: AudioTrack? = nil) throws {
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
        self.audioTrack = audio
        keepSourceAudio = false
        output = try Self.makeOutput(url)
        let path = output.temporaryURL.path
        let muxer = try FFOutputContext(path: path, formatName: nil)
        self.muxer = muxer
        let globalHeader = muxer.wantsGlobalHeader
        let options = codec.hasPrefix("libx26") ? ["crf": String(crf), "preset": preset] : [:]
        let encoder = try FFEncoder(name: codec, path: path, options: options) { context, codec in
            context.pointee.width = Int32(width)
            context.pointee.height = Int32(height)
            let formats = FFEncoder.list(codec.pointee.pix_fmts, end: AV_PIX_FMT_NONE)
            context.pointee.pix_fmt = formats.isEmpty || formats.contains(AV_PIX_FMT_YUV420P) ? AV_PIX_FMT_YUV420P : formats[0]
            context.pointee.time_base = AVRational(num: Int32(frameRate.denominator), den: Int32(frameRate.numerator))
            context.pointee.framerate = AVRational(num: Int32(frameRate.numerator), den: Int32(frameRate.denominator))
            context.pointee.gop_size = Int32(max(1, min(250, 2 * frameRate.numerator / frameRate.denominator)))
            if globalHeader { context.pointee.flags |= tandem_AV_CODEC_FLAG_GLOBAL_HEADER }
        }
        let stream = try muxer.addStream(for: encoder)
        stream.pointee.avg_frame_rate = encoder.pointer.pointee.framerate
        video = .encoded(encoder, stream, FFScaler())
        if audio == nil { try muxer.writeHeader() }
    }

    /// Creates the temporary file for a copy of `source`'s video stream, with new audio.
    /// - Parameters:
    ///   - source: the file whose video stream is copied, packet for packet.
    ///   - audio: the new audio track, fed by `write(_: AudioBuffer)`; `nil` for a copy of the video alone.
    ///   - keepSourceAudio: also copy the source's audio streams, as tracks after the new one.
    /// - Throws: `MediaError` naming `source` when it cannot be read or has no video stream
    ///   (`.noUsableStream`), or when the container of `url` cannot hold its codec (`.unsupportedCodec`).
    public init(url: URL, copyingVideoFrom source: URL, audio: AudioTrack? = AudioTrack(), keepSourceAudio: Bool = false) throws {
        self.url = url
        self.audioTrack = audio
        self.keepSourceAudio = keepSourceAudio
        output = try Self.makeOutput(url)
        let muxer = try FFOutputContext(path: output.temporaryURL.path, formatName: nil)
        self.muxer = muxer
        let copy = try FFStreamCopy(sourcePath: source.path, muxer: muxer)
        let stream = copy.videoStream.pointee
        width = Int(stream.codecpar.pointee.width)
        height = Int(stream.codecpar.pointee.height)
        let rate = stream.avg_frame_rate.num > 0 && stream.avg_frame_rate.den > 0 ? stream.avg_frame_rate : stream.r_frame_rate
        frameRate = Rational(Int64(rate.num), Int64(max(rate.den, 1)))
        video = .copied(copy)
        if audio == nil { try startWriting() }
    }

    private static func makeOutput(_ url: URL) throws -> AtomicOutput {
        do { return try AtomicOutput(finalURL: url) } catch {
            throw MediaError(.io, path: url.path, operation: "create video file", message: "\(error)")
        }
    }

    /// Adds the copied source audio (after the new track, so the new one comes first) and writes the header.
    private func startWriting() throws {
        guard !muxer.headerWritten else { return }
        if keepSourceAudio, case .copied(let copy) = video { try copy.addAudioStreams() }
        if let audio { muxer.makeDefault(audio.stream) }
        try muxer.writeHeader()
    }

    /// Appends `frame`, which must be `width`×`height`. Its timestamp is ignored: frames are
    /// written at the constant `frameRate`, in the order given.
    public func write(_ frame: VideoFrame) throws {
        guard !finished else {
            throw MediaError(.invalidArgument, path: url.path, operation: "write video", message: "the writer is finished")
        }
        guard case .encoded(let encoder, _, let scaler) = video else {
            throw MediaError(.invalidArgument, path: url.path, operation: "write video",
                             message: "this writer copies its video stream from a file; it takes no frames")
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

    /// Appends audio to the file's audio track. The first buffer fixes the track's sample rate and
    /// channel count (AAC takes the common rates as they are; others are resampled to 48 kHz) and
    /// its start on the file clock; later buffers continue it.
    /// - Throws: `MediaError.Code.invalidArgument` when the writer has no audio track or the buffer's
    ///   rate or channels differ from the first buffer's; `MediaError` when encoding or writing fails.
    public func write(_ buffer: AudioBuffer) throws {
        guard !finished else {
            throw MediaError(.invalidArgument, path: url.path, operation: "write audio", message: "the writer is finished")
        }
        guard let audioTrack else {
            throw MediaError(.invalidArgument, path: url.path, operation: "write audio", message: "the writer was made without an audio track")
        }
        guard buffer.channelCount > 0, buffer.sampleRate > 0 else {
            throw MediaError(.invalidArgument, path: url.path, operation: "write audio", message: "the audio has no channels or no sample rate")
        }
        if audio == nil {
            audio = try LibavAudioEncoder(muxer: muxer, codec: "aac", sampleRate: buffer.sampleRate, channels: buffer.channelCount,
                                          bitRate: audioTrack.bitRate, onFileClock: true)
            firstAudio = (buffer.sampleRate, buffer.channelCount)
            try startWriting()
        }
        guard let firstAudio, firstAudio.rate == buffer.sampleRate, firstAudio.channels == buffer.channelCount else {
            throw MediaError(.invalidArgument, path: url.path, operation: "write audio",
                             message: "audio is \(buffer.channelCount) ch at \(buffer.sampleRate) Hz after \(firstAudio?.channels ?? 0) ch at \(firstAudio?.rate ?? 0) Hz")
        }
        try audio!.write(buffer)
        if case .copied(let copy) = video { try copy.copy(until: audio!.encodedSeconds) }
    }

    /// Flushes the encoders, copies what remains of a source's streams, writes the trailer and
    /// renames the file to its final name. A writer with an audio track that got no audio writes
    /// the video alone.
    public func finish() throws {
        guard !finished else { return }
        finished = true
        try startWriting()
        try audio?.finish()
        switch video {
        case .encoded: try encode(nil)
        case .copied(let copy): try copy.copy(until: nil)
        }
        try muxer.finish()
        do { try output.commit() } catch {
            throw MediaError(.io, path: url.path, operation: "finish video file", message: "\(error)")
        }
    }

    private func encode(_ frame: FFFrame?) throws {
        guard case .encoded(let encoder, let stream, _) = video else { return }
        let timeBase = encoder.pointer.pointee.time_base
        try encoder.encode(frame, packet: packet) { try muxer.write($0, stream: stream, from: timeBase) }
    }
}
