import CFFmpeg

/// Owns an `AVCodecContext` opened as a decoder for one stream.
///
/// The decoder keeps the `FFInputContext` that owns its stream alive.
final class FFDecoder {
    let pointer: UnsafeMutablePointer<AVCodecContext>
    let input: FFInputContext
    let streamIndex: Int

    /// Opens a decoder for stream `streamIndex` of `input`.
    /// - Parameter threads: decoder threads (`thread_count`); 0 lets FFmpeg choose. Frame and slice
    ///   threading are both allowed, FFmpeg uses what the codec supports.
    /// - Parameter parametersFrom: the context whose stream `streamIndex` describes the codec, when
    ///   not `input` itself (a second demuxer opened without probing reads the same file).
    /// - Throws: `MediaError.Code.unsupportedCodec` when FFmpeg has no decoder for the codec.
    init(input: FFInputContext, streamIndex: Int, threads: Int, parametersFrom: FFInputContext? = nil) throws {
        self.input = input
        self.streamIndex = streamIndex
        let parameters = (parametersFrom ?? input).stream(streamIndex).pointee.codecpar!
        let codec = try FFDecoder.checkDecodable(input: parametersFrom ?? input, streamIndex: streamIndex, path: input.path)
        guard let context = avcodec_alloc_context3(codec) else { fatalError("avcodec_alloc_context3: out of memory") }
        pointer = context
        var status = avcodec_parameters_to_context(context, parameters)
        if status >= 0 {
            context.pointee.thread_count = Int32(max(0, threads))
            context.pointee.thread_type = tandem_FF_THREAD_FRAME | tandem_FF_THREAD_SLICE
            context.pointee.pkt_timebase = input.stream(streamIndex).pointee.time_base
            status = avcodec_open2(context, codec, nil)
        }
        if status < 0 {
            // Every stored property is set, so the deinit runs for this throw and frees the context.
            let code: MediaError.Code = status == tandem_AVERROR_INVALIDDATA ? .truncatedOrCorrupt : .unsupportedCodec
            throw MediaError(ffmpeg: status, path: input.path, operation: "open decoder", code: code)
        }
    }

    /// FFmpeg's decoder for stream `streamIndex` of `input`, without opening it: a reader that opens
    /// its decoder later still rejects an unsupported codec when it is created.
    /// - Throws: `MediaError.Code.unsupportedCodec` naming `path` (default: `input`'s) when there is none.
    @discardableResult
    static func checkDecodable(input: FFInputContext, streamIndex: Int, path: String? = nil) throws -> UnsafePointer<AVCodec> {
        let parameters = input.stream(streamIndex).pointee.codecpar!
        guard let codec = avcodec_find_decoder(parameters.pointee.codec_id) else {
            let name = String(cString: avcodec_get_name(parameters.pointee.codec_id))
            throw MediaError(.unsupportedCodec, path: path ?? input.path, operation: "open decoder",
                             ffmpegCode: tandem_AVERROR_DECODER_NOT_FOUND, message: "no decoder for codec \(name)")
        }
        return codec
    }

    deinit {
        var context: UnsafeMutablePointer<AVCodecContext>? = pointer
        avcodec_free_context(&context)
    }

    /// Result of handing a packet to the decoder.
    enum SendResult {
        case accepted
        /// The decoder's output is full (`EAGAIN`): receive frames, then send the packet again.
        case receiveFirst
        /// The decoder rejected the packet as invalid data; decoding can go on with the next one.
        case corrupt
        /// The decoder was already drained.
        case ended
    }

    /// Sends `packet`, or `nil` to start draining. The corresponding C function is `avcodec_send_packet`.
    /// - Throws: `MediaError` for failures that are not about the packet's data (e.g. out of memory).
    func send(_ packet: FFPacket?) throws -> SendResult {
        let status = avcodec_send_packet(pointer, packet?.pointer)
        if status >= 0 { return .accepted }
        switch status {
        case tandem_AVERROR_EAGAIN: return .receiveFirst
        case tandem_AVERROR_EOF: return .ended
        default:
            if Self.isFailureOfTheDecoder(status) { throw MediaError(ffmpeg: status, path: input.path, operation: "decode", code: .other) }
            return .corrupt
        }
    }

    /// True for the errors that stop decoding altogether (out of memory, a decoder used wrongly); any
    /// other error concerns the packet's data, which is skipped as `ffmpeg` does. Decoders answer bad
    /// data with more than `AVERROR_INVALIDDATA`: FFmpeg 5.1's AAC decoder returns bare numbers for a
    /// damaged frame header, which used to fail a whole file over one bad audio packet.
    static func isFailureOfTheDecoder(_ status: Int32) -> Bool {
        status == tandem_AVERROR(ENOMEM) || status == tandem_AVERROR(EINVAL)
    }

    /// Result of asking the decoder for a frame.
    enum ReceiveResult {
        case frame
        /// `EAGAIN`: send more packets.
        case needsInput
        /// Drained: every frame has been returned.
        case endOfStream
        /// Decoding failed for data already sent (frame threads report it here); go on.
        case corrupt
    }

    /// Receives the next decoded frame into `frame`. The corresponding C function is `avcodec_receive_frame`.
    func receive(into frame: FFFrame) throws -> ReceiveResult {
        let status = avcodec_receive_frame(pointer, frame.pointer)
        if status >= 0 { return .frame }
        switch status {
        case tandem_AVERROR_EAGAIN: return .needsInput
        case tandem_AVERROR_EOF: return .endOfStream
        default:
            if Self.isFailureOfTheDecoder(status) { throw MediaError(ffmpeg: status, path: input.path, operation: "decode", code: .other) }
            return .corrupt
        }
    }

    /// Drops every buffered frame, after a seek. The corresponding C function is `avcodec_flush_buffers`.
    func flush() { avcodec_flush_buffers(pointer) }

    /// Which frames the decoder may skip (`skip_frame`): `AVDISCARD_NONKEY` decodes key frames only,
    /// `AVDISCARD_NONREF` skips frames no other frame refers to. Read per packet, so it can change
    /// between packets.
    var skipFrame: AVDiscard {
        get { pointer.pointee.skip_frame }
        set { pointer.pointee.skip_frame = newValue }
    }
}
