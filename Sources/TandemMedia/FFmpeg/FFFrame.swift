import CFFmpeg

/// Owns an `AVFrame` (decoded, uncompressed audio or video). Reused across decodes;
/// freed in `deinit`.
final class FFFrame {
    let pointer: UnsafeMutablePointer<AVFrame>

    init() {
        guard let frame = av_frame_alloc() else { fatalError("av_frame_alloc: out of memory") }
        pointer = frame
    }

    deinit {
        var frame: UnsafeMutablePointer<AVFrame>? = pointer
        av_frame_free(&frame)
    }

    /// Releases the frame's buffers; the corresponding C function is `av_frame_unref`.
    func unref() { av_frame_unref(pointer) }

    /// Moves `other`'s buffers into this frame (no copy), leaving `other` empty.
    /// The corresponding C function is `av_frame_move_ref`.
    func take(from other: FFFrame) {
        av_frame_unref(pointer)
        av_frame_move_ref(pointer, other.pointer)
    }

    /// Makes this frame a second reference to `other`'s buffers (no copy), so it survives the
    /// decoder reusing `other`. The corresponding C function is `av_frame_ref`.
    func reference(_ other: FFFrame) {
        av_frame_unref(pointer)
        guard av_frame_ref(pointer, other.pointer) >= 0 else { fatalError("av_frame_ref: out of memory") }
    }

    /// True when the frame holds data (after a successful receive, before `unref`).
    var hasData: Bool { pointer.pointee.buf.0 != nil || pointer.pointee.data.0 != nil }

    var width: Int { Int(pointer.pointee.width) }
    var height: Int { Int(pointer.pointee.height) }
    var format: Int32 { pointer.pointee.format }
    var sampleCount: Int { Int(pointer.pointee.nb_samples) }
    var sampleRate: Int { Int(pointer.pointee.sample_rate) }
    var isKeyFrame: Bool { pointer.pointee.key_frame != 0 }
    var isCorrupt: Bool {
        pointer.pointee.flags & tandem_AV_FRAME_FLAG_CORRUPT != 0 || pointer.pointee.decode_error_flags != 0
    }

    /// True when the decoder marks the picture as two interlaced fields (broadcast, DV, camcorder video).
    var isInterlaced: Bool { pointer.pointee.interlaced_frame != 0 }

    /// The shape of one stored pixel as shown, width over height (`sample_aspect_ratio`); `nil` when unset.
    var sampleAspectRatio: (num: Int, den: Int)? {
        let ratio = pointer.pointee.sample_aspect_ratio
        return ratio.num > 0 && ratio.den > 0 ? (Int(ratio.num), Int(ratio.den)) : nil
    }

    /// The presentation time in the stream's time base: the frame's `pts` when set, else
    /// FFmpeg's best guess (`best_effort_timestamp`), else `nil`.
    var presentationTime: Int64? {
        if pointer.pointee.pts != tandem_AV_NOPTS_VALUE { return pointer.pointee.pts }
        let guess = pointer.pointee.best_effort_timestamp
        return guess == tandem_AV_NOPTS_VALUE ? nil : guess
    }

    var data: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?> { tandem_frame_data(pointer) }
    var lineSizes: UnsafeMutablePointer<Int32> { tandem_frame_linesize(pointer) }
}
