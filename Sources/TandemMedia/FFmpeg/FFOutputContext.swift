import CFFmpeg

/// Owns an `AVFormatContext` writing one file (a muxer), with its I/O context.
final class FFOutputContext {
    let pointer: UnsafeMutablePointer<AVFormatContext>
    let path: String
    private var headerWritten = false

    /// Allocates a muxer for `path`, by `formatName` or else guessed from the file name.
    /// The corresponding C function is `avformat_alloc_output_context2`.
    init(path: String, formatName: String?) throws {
        MediaLog.installTrampoline()
        var context: UnsafeMutablePointer<AVFormatContext>?
        let status = avformat_alloc_output_context2(&context, nil, formatName, path)
        guard status >= 0, let context else {
            throw MediaError(ffmpeg: status, path: path, operation: "create muxer", code: .invalidArgument)
        }
        pointer = context
        self.path = path
    }

    deinit {
        if pointer.pointee.oformat.pointee.flags & tandem_AVFMT_NOFILE == 0 { avio_closep(&pointer.pointee.pb) }
        avformat_free_context(pointer)
    }

    /// True when the container wants codec headers out of band (`AVFMT_GLOBALHEADER`).
    var wantsGlobalHeader: Bool { pointer.pointee.oformat.pointee.flags & tandem_AVFMT_GLOBALHEADER != 0 }

    /// Adds a stream carrying `encoder`'s output. The corresponding C functions are
    /// `avformat_new_stream` and `avcodec_parameters_from_context`.
    func addStream(for encoder: FFEncoder) throws -> UnsafeMutablePointer<AVStream> {
        guard let stream = avformat_new_stream(pointer, nil) else { fatalError("avformat_new_stream: out of memory") }
        let status = avcodec_parameters_from_context(stream.pointee.codecpar, encoder.pointer)
        if status < 0 { throw MediaError(ffmpeg: status, path: path, operation: "add stream", code: .other) }
        stream.pointee.time_base = encoder.pointer.pointee.time_base
        return stream
    }

    /// Opens the file and writes the container header. The C functions are `avio_open` and `avformat_write_header`.
    func writeHeader() throws {
        if pointer.pointee.oformat.pointee.flags & tandem_AVFMT_NOFILE == 0 {
            let opened = avio_open(&pointer.pointee.pb, path, tandem_AVIO_FLAG_WRITE)
            if opened < 0 { throw MediaError(ffmpeg: opened, path: path, operation: "open for writing") }
        }
        let status = avformat_write_header(pointer, nil)
        if status < 0 { throw MediaError(ffmpeg: status, path: path, operation: "write header", code: .other) }
        headerWritten = true
    }

    /// Writes `packet` (timestamps in `from`) to stream `stream`. The C function is `av_interleaved_write_frame`.
    func write(_ packet: FFPacket, stream: UnsafeMutablePointer<AVStream>, from timeBase: AVRational) throws {
        av_packet_rescale_ts(packet.pointer, timeBase, stream.pointee.time_base)
        packet.pointer.pointee.stream_index = stream.pointee.index
        let status = av_interleaved_write_frame(pointer, packet.pointer)
        if status < 0 { throw MediaError(ffmpeg: status, path: path, operation: "write packet", code: .io) }
    }

    /// Writes the trailer and closes the file. The C functions are `av_write_trailer` and `avio_closep`.
    func finish() throws {
        guard headerWritten else { return }
        let status = av_write_trailer(pointer)
        if status < 0 { throw MediaError(ffmpeg: status, path: path, operation: "write trailer", code: .io) }
        if pointer.pointee.oformat.pointee.flags & tandem_AVFMT_NOFILE == 0 { avio_closep(&pointer.pointee.pb) }
    }
}
