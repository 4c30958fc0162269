import CFFmpeg

/// Owns an `AVPacket` (compressed data read from a container). Reused across reads:
/// the reader unreferences the payload after use, the struct itself is freed in `deinit`.
final class FFPacket {
    let pointer: UnsafeMutablePointer<AVPacket>

    init() {
        guard let packet = av_packet_alloc() else { fatalError("av_packet_alloc: out of memory") }
        pointer = packet
    }

    deinit {
        var packet: UnsafeMutablePointer<AVPacket>? = pointer
        av_packet_free(&packet)
    }

    var streamIndex: Int { Int(pointer.pointee.stream_index) }
    var pts: Int64 { pointer.pointee.pts }
    var dts: Int64 { pointer.pointee.dts }
    var position: Int64 { pointer.pointee.pos }
    /// Bytes of data. (Byte position and size locate a packet in its file.)
    var size: Int { Int(pointer.pointee.size) }
    var isKeyFrame: Bool { pointer.pointee.flags & tandem_AV_PKT_FLAG_KEY != 0 }
    var isCorrupt: Bool { pointer.pointee.flags & tandem_AV_PKT_FLAG_CORRUPT != 0 }
    var isDiscarded: Bool { pointer.pointee.flags & tandem_AV_PKT_FLAG_DISCARD != 0 }

    /// Releases the payload; the corresponding C function is `av_packet_unref`.
    func unref() { av_packet_unref(pointer) }
}
