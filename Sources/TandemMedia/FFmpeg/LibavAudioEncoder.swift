import CFFmpeg
import TandemCore

/// Encodes planar Float32 audio with an FFmpeg encoder into a container: resamples to what the
/// encoder accepts, cuts the stream into the encoder's frame size, muxes the packets.
final class LibavAudioEncoder {
    private let muxer: FFOutputContext
    private let encoder: FFEncoder
    private let stream: UnsafeMutablePointer<AVStream>
    private let resampler: OpaquePointer
    private let fifo: OpaquePointer
    private let packet = FFPacket()
    private let frameSize: Int
    private let channels: Int
    private let path: String
    private var samplesWritten: Int64 = 0

    init(path: String, muxer muxerName: String, codec: String, sampleRate: Int, channels: Int, bitRate: Int) throws {
        self.path = path
        self.channels = channels
        muxer = try FFOutputContext(path: path, formatName: muxerName)
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
        try muxer.writeHeader()
    }

    deinit {
        var swr: OpaquePointer? = resampler
        swr_free(&swr)
        av_audio_fifo_free(fifo)
    }

    func write(_ buffer: AudioBuffer) throws {
        let scratch = PlanarScratch(channels: channels)
        scratch.reserve(buffer.frameCount)
        for c in 0..<channels {
            buffer.channels[c].withUnsafeBufferPointer { scratch.channel(c).update(from: $0.baseAddress!, count: buffer.frameCount) }
        }
        try convert(input: scratch.planes, count: buffer.frameCount)
        try encodeFull(flushing: false)
    }

    func finish() throws {
        try convert(input: nil, count: 0)
        try encodeFull(flushing: true)
        try encoder.encode(nil, packet: packet) { try muxer.write($0, stream: stream, from: encoder.pointer.pointee.time_base) }
        try muxer.finish()
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
            frame.pointer.pointee.pts = samplesWritten
            samplesWritten += Int64(count)
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
