import CFFmpeg

/// Owns an `AVCodecContext` opened as an encoder. Configure it in the closure passed to `init`,
/// which runs before `avcodec_open2`.
final class FFEncoder {
    let pointer: UnsafeMutablePointer<AVCodecContext>
    let codec: UnsafePointer<AVCodec>
    let path: String

    /// Finds the encoder named `name` (e.g. `libx264`, `aac`, `png`), lets `configure` set its
    /// fields, and opens it with `options` (codec private options such as `crf`, `preset`).
    /// - Throws: `MediaError.Code.unsupportedCodec` when FFmpeg has no such encoder or rejects the settings.
    init(name: String, path: String, options: [String: String] = [:],
         configure: (UnsafeMutablePointer<AVCodecContext>, UnsafePointer<AVCodec>) throws -> Void) throws {
        MediaLog.installTrampoline()
        guard let codec = avcodec_find_encoder_by_name(name) else {
            throw MediaError(.unsupportedCodec, path: path, operation: "open encoder", message: "FFmpeg has no encoder \(name)")
        }
        guard let context = avcodec_alloc_context3(codec) else { fatalError("avcodec_alloc_context3: out of memory") }
        self.pointer = context
        self.codec = codec
        self.path = path
        // Every stored property is set: for the throws below the deinit runs and frees the context.
        try configure(context, codec)
        var dictionary: OpaquePointer?
        for (key, value) in options { av_dict_set(&dictionary, key, value, 0) }
        let status = avcodec_open2(context, codec, &dictionary)
        av_dict_free(&dictionary)
        if status < 0 {
            throw MediaError(ffmpeg: status, path: path, operation: "open encoder \(name)", code: .unsupportedCodec)
        }
    }

    deinit {
        var context: UnsafeMutablePointer<AVCodecContext>? = pointer
        avcodec_free_context(&context)
    }

    /// Sends `frame` (or `nil` to flush) and hands every packet the encoder has ready to `sink`.
    /// The corresponding C functions are `avcodec_send_frame` and `avcodec_receive_packet`.
    func encode(_ frame: FFFrame?, packet: FFPacket, sink: (FFPacket) throws -> Void) throws {
        let sent = avcodec_send_frame(pointer, frame?.pointer)
        if sent < 0 && sent != tandem_AVERROR_EOF {
            throw MediaError(ffmpeg: sent, path: path, operation: "encode", code: .other)
        }
        while true {
            let status = avcodec_receive_packet(pointer, packet.pointer)
            if status == tandem_AVERROR_EAGAIN || status == tandem_AVERROR_EOF { return }
            if status < 0 { throw MediaError(ffmpeg: status, path: path, operation: "encode", code: .other) }
            defer { packet.unref() }
            try sink(packet)
        }
    }

    /// The entries of an encoder's `end`-terminated capability list (sample formats, rates, pixel formats).
    static func list<T: Equatable>(_ list: UnsafePointer<T>?, end: T) -> [T] {
        guard let list else { return [] }
        var result: [T] = []
        while list[result.count] != end { result.append(list[result.count]) }
        return result
    }
}
