import CFFmpeg

/// Owns an `AVFormatContext` writing one file (a muxer), with its I/O context.
final class FFOutputContext {
    let pointer: UnsafeMutablePointer<AVFormatContext>
    let path: String
    private(set) var headerWritten = false
    /// Packets written before the header, with the time base of their timestamps: the header must
    /// wait until every stream exists (an audio stream is added when its first samples arrive),
    /// but the video encoder may already have output by then.
    private var held: [(packet: FFPacket, stream: UnsafeMutablePointer<AVStream>, timeBase: AVRational)] = []

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

    /// Adds a stream that carries `source`'s packets unchanged (a stream copy): its codec parameters,
    /// its stream side data (the display matrix that rotates a phone video, HDR metadata), metadata,
    /// frame rates, aspect ratio and disposition. The codec tag is kept only where this container
    /// knows it for the same codec (an MP4's `hvc1` stays `hvc1`); otherwise the muxer picks its own.
    /// The corresponding C functions are `avformat_new_stream`, `avcodec_parameters_copy` and
    /// `av_stream_new_side_data`.
    func addStream(copying source: UnsafeMutablePointer<AVStream>) throws -> UnsafeMutablePointer<AVStream> {
        guard let stream = avformat_new_stream(pointer, nil) else { fatalError("avformat_new_stream: out of memory") }
        let status = avcodec_parameters_copy(stream.pointee.codecpar, source.pointee.codecpar)
        if status < 0 { throw MediaError(ffmpeg: status, path: path, operation: "copy stream parameters", code: .other) }
        let parameters = stream.pointee.codecpar!
        let sourceTag = parameters.pointee.codec_tag
        if let tags = pointer.pointee.oformat.pointee.codec_tag, sourceTag != 0 {
            var ownTag: UInt32 = 0
            let sameCodec = av_codec_get_id(tags, sourceTag) == parameters.pointee.codec_id
            let containerHasTag = av_codec_get_tag2(tags, parameters.pointee.codec_id, &ownTag) != 0
            if !sameCodec && containerHasTag { parameters.pointee.codec_tag = 0 }
        }
        stream.pointee.time_base = source.pointee.time_base
        stream.pointee.avg_frame_rate = source.pointee.avg_frame_rate
        stream.pointee.r_frame_rate = source.pointee.r_frame_rate
        stream.pointee.sample_aspect_ratio = source.pointee.sample_aspect_ratio
        stream.pointee.disposition = source.pointee.disposition
        av_dict_copy(&stream.pointee.metadata, source.pointee.metadata, 0)
        for index in 0..<Int(source.pointee.nb_side_data) {
            let item = source.pointee.side_data[index]
            guard let data = av_stream_new_side_data(stream, item.type, Int(item.size)) else {
                throw MediaError(.other, path: path, operation: "copy stream side data", message: "out of memory")
            }
            data.update(from: item.data, count: Int(item.size))
        }
        return stream
    }

    /// Marks `stream` as its type's default track and every other stream of that type as not default.
    func makeDefault(_ stream: UnsafeMutablePointer<AVStream>) {
        let type = stream.pointee.codecpar.pointee.codec_type
        for index in 0..<Int(pointer.pointee.nb_streams) {
            let other = pointer.pointee.streams[index]!
            guard other.pointee.codecpar.pointee.codec_type == type else { continue }
            if other == stream {
                other.pointee.disposition |= tandem_AV_DISPOSITION_DEFAULT
            } else {
                other.pointee.disposition &= ~tandem_AV_DISPOSITION_DEFAULT
            }
        }
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
        let pending = held
        held = []
        for entry in pending { try write(entry.packet, stream: entry.stream, from: entry.timeBase) }
    }

    /// Whether this container can hold `codec` (by FFmpeg's codec-tag tables); `nil` when FFmpeg cannot tell.
    /// The corresponding C function is `avformat_query_codec`.
    func supports(_ codec: AVCodecID) -> Bool? {
        let answer = avformat_query_codec(pointer.pointee.oformat, codec, FF_COMPLIANCE_NORMAL)
        return answer < 0 ? nil : answer == 1
    }

    /// The container's short name (`mp4`, `matroska`, `mov`).
    var formatName: String { String(cString: pointer.pointee.oformat.pointee.name) }

    /// Writes `packet` (timestamps in `from`) to stream `stream`. The C function is `av_interleaved_write_frame`.
    /// Before `writeHeader()` the packet is kept (referenced, not copied) and written right after the header.
    func write(_ packet: FFPacket, stream: UnsafeMutablePointer<AVStream>, from timeBase: AVRational) throws {
        guard headerWritten else {
            let kept = FFPacket()
            let status = av_packet_ref(kept.pointer, packet.pointer)
            if status < 0 { throw MediaError(ffmpeg: status, path: path, operation: "hold packet", code: .other) }
            held.append((kept, stream, timeBase))
            return
        }
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
