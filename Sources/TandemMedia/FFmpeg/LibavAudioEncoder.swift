import CFFmpeg
import TandemCore

/// Encodes planar Float32 audio with an FFmpeg encoder into one stream of a container: resamples
/// to what the encoder accepts, cuts the stream into the encoder's frame size (the last frame may
/// be short), muxes the packets.
///
/// The muxer is shared: an audio file has only this stream, a video file has a video stream too.
/// The owner of the muxer writes its header after adding every stream and its trailer after `finish()`.
final class LibavAudioEncoder {
    private let muxer: FFOutputContext
    private let encoder: FFEncoder
    let stream: UnsafeMutablePointer<AVStream>
    private let resampler: OpaquePointer
    private let fifo: OpaquePointer
    private let packet = FFPacket()
    private let frameSize: Int
    private let channels: Int
    private let path: String
    private let inputRate: Int
    private let onFileClock: Bool
    /// The pts (in `1/encoderRate`) of the next sample sent to the encoder; `nil` until the first buffer
    /// positions the stream.
    private var nextPts: Int64?

    /// Adds the encoder's stream to `muxer`.
    /// - Parameters:
    ///   - sampleRate, channels: of the `AudioBuffer`s that `write` will get.
    ///   - bitRate: bits per second.
    ///   - onFileClock: true starts the stream at the first buffer's `firstSample` (audio muxed
    ///     beside video, where both share the file's clock); false starts it at 0 (an audio file).
    /// - Throws: `MediaError` (unsupported codec or settings, resampler set-up).
    init(muxer: FFOutputContext, codec: String, sampleRate: Int, channels: Int, bitRate: Int, onFileClock: Bool = false) throws {
        self.onFileClock = onFileClock
        self.muxer = muxer
        self.path = muxer.path
        self.channels = channels
        self.inputRate = sampleRate
        let globalHeader = muxer.wantsGlobalHeader
        encoder = try FFEncoder(name: codec, path: path) { context, codec in
            let formats = FFEncoder.list(codec.pointee.sample_fmts, end: AV_SAMPLE_FMT_NONE)
            context.pointee.sample_fmt = formats.first { $0 == AV_SAMPLE_FMT_FLTP || $0 == AV_SAMPLE_FMT_FLT } ?? formats.first ?? AV_SAMPLE_FMT_FLTP
            // Encoders with a fixed list of rates (Opus: 48/24/16/12/8 kHz) get 48 kHz (or their highest)
            // when the input's rate is not in it; the resampler converts.
            let rates = FFEncoder.list(codec.pointee.supported_samplerates, end: 0)
            context.pointee.sample_rate = rates.isEmpty || rates.contains(Int32(sampleRate)) ? Int32(sampleRate)
                : rates.contains(48000) ? 48000 : rates.max()!
            av_channel_layout_default(&context.pointee.ch_layout, Int32(channels))
            context.pointee.bit_rate = Int64(bitRate)
            context.pointee.time_base = AVRational(num: 1, den: context.pointee.sample_rate)
            if globalHeader { context.pointee.flags |= tandem_AV_CODEC_FLAG_GLOBAL_HEADER }
        }
        let context = encoder.pointer.pointee
        frameSize = context.frame_size > 0 ? Int(context.frame_size) : 1024
        stream = try muxer.addStream(for: encoder)

        var inputLayout = AVChannelLayout()
        av_channel_layout_default(&inputLayout, Int32(channels))
        defer { av_channel_layout_uninit(&inputLayout) }
        var swr: OpaquePointer?
        var outputLayout = context.ch_layout
        var status = swr_alloc_set_opts2(&swr, &outputLayout, context.sample_fmt, context.sample_rate,
                                         &inputLayout, AV_SAMPLE_FMT_FLTP, Int32(sampleRate), 0, nil)
        if status >= 0 { status = swr_init(swr) }
        guard status >= 0, let swr else {
            var owned = swr
            swr_free(&owned)
            throw MediaError(ffmpeg: status, path: path, operation: "configure resampler", code: .invalidArgument)
        }
        resampler = swr
        fifo = av_audio_fifo_alloc(context.sample_fmt, Int32(channels), Int32(frameSize * 4))
    }

    /// The encoder's sample rate (the input's when the encoder accepts it).
    var sampleRate: Int { Int(encoder.pointer.pointee.sample_rate) }

    /// The time, in seconds from the stream's origin, up to which samples have gone into the encoder.
    var encodedSeconds: Double { Double(nextPts ?? 0) / Double(sampleRate) }

    deinit {
        var swr: OpaquePointer? = resampler
        swr_free(&swr)
        av_audio_fifo_free(fifo)
    }

    /// Appends `buffer`. On the file clock, the first buffer's `firstSample` places the stream
    /// (audio that starts at 2 s starts at 2 s); later buffers follow it without gaps.
    func write(_ buffer: AudioBuffer) throws {
        if nextPts == nil {
            nextPts = !onFileClock ? 0 : Rational.rescale(buffer.firstSample, from: Rational(1, Int64(inputRate)), to: Rational(1, Int64(sampleRate)))
        }
        guard buffer.frameCount > 0 else { return }
        let scratch = PlanarScratch(channels: channels)
        scratch.reserve(buffer.frameCount)
        for c in 0..<channels {
            buffer.channels[c].withUnsafeBufferPointer { scratch.channel(c).update(from: $0.baseAddress!, count: buffer.frameCount) }
        }
        try convert(input: scratch.planes, count: buffer.frameCount)
        try encodeFull(flushing: false)
    }

    /// Drains the resampler, encodes the last (possibly short) frame and flushes the encoder.
    /// The muxer's trailer is its owner's to write.
    func finish() throws {
        try convert(input: nil, count: 0)
        try encodeFull(flushing: true)
        try encoder.encode(nil, packet: packet) { try muxer.write($0, stream: stream, from: encoder.pointer.pointee.time_base) }
    }

    /// Resamples into the FIFO (`nil` input drains the resampler).
    private func convert(input: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?, count: Int) throws {
        let capacity = Int(swr_get_out_samples(resampler, Int32(count))) + 64
        let frame = try makeFrame(samples: capacity)
        let written = input.map { planes in
            planes.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: channels) {
                swr_convert(resampler, frame.pointer.pointee.extended_data, Int32(capacity), $0, Int32(count))
            }
        } ?? swr_convert(resampler, frame.pointer.pointee.extended_data, Int32(capacity), nil, 0)
        if written < 0 { throw MediaError(ffmpeg: written, path: path, operation: "resample for encoding", code: .other) }
        if written > 0 {
            let raw = UnsafeMutableRawPointer(frame.pointer.pointee.extended_data!).assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
            if av_audio_fifo_write(fifo, raw, written) < written {
                throw MediaError(.other, path: path, operation: "encode audio", message: "audio FIFO write failed")
            }
        }
    }

    /// Encodes every whole frame in the FIFO (and the short last one when flushing).
    private func encodeFull(flushing: Bool) throws {
        while av_audio_fifo_size(fifo) >= frameSize || (flushing && av_audio_fifo_size(fifo) > 0) {
            let count = min(frameSize, Int(av_audio_fifo_size(fifo)))
            let frame = try makeFrame(samples: count)
            let raw = UnsafeMutableRawPointer(frame.pointer.pointee.extended_data!).assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
            _ = av_audio_fifo_read(fifo, raw, Int32(count))
            let pts = nextPts ?? 0
            frame.pointer.pointee.pts = pts
            nextPts = pts + Int64(count)
            try encoder.encode(frame, packet: packet) { try muxer.write($0, stream: stream, from: encoder.pointer.pointee.time_base) }
        }
    }

    private func makeFrame(samples: Int) throws -> FFFrame {
        let frame = FFFrame()
        let context = encoder.pointer.pointee
        frame.pointer.pointee.nb_samples = Int32(samples)
        frame.pointer.pointee.format = context.sample_fmt.rawValue
        frame.pointer.pointee.sample_rate = context.sample_rate
        var layout = context.ch_layout
        _ = av_channel_layout_copy(&frame.pointer.pointee.ch_layout, &layout)
        let status = av_frame_get_buffer(frame.pointer, 0)
        if status < 0 { throw MediaError(ffmpeg: status, path: path, operation: "allocate audio frame", code: .other) }
        return frame
    }
}
