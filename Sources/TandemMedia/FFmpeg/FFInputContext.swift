import Foundation
import CFFmpeg

/// Owns an `AVFormatContext` opened for reading one file (a demuxer).
///
/// Streams are borrowed from this context: code that keeps an `AVStream` pointer keeps the
/// `FFInputContext` alive alongside it.
final class FFInputContext {
    let pointer: UnsafeMutablePointer<AVFormatContext>
    let path: String

    /// Opens `path` and reads enough of it to know its streams.
    /// The corresponding C functions are `avformat_open_input` and `avformat_find_stream_info`.
    /// - Parameter findStreamInfo: false skips `avformat_find_stream_info` (which decodes a few
    ///   frames), for a pass that only reads packets and already knows the stream to read.
    /// - Throws: `MediaError` classified as not found, permission denied, directory, not a media
    ///   file (empty or unrecognised), or truncated/corrupt (streams unreadable).
    init(path: String, findStreamInfo: Bool = true) throws {
        MediaLog.installTrampoline()
        try MediaError.checkReadable(path)
        var context: UnsafeMutablePointer<AVFormatContext>?
        let status = avformat_open_input(&context, path, nil, nil)
        guard status >= 0, let context else {
            if status == tandem_AVERROR_INVALIDDATA && Self.startsLikeISOMedia(path) {
                throw MediaError(.truncatedOrCorrupt, path: path, operation: "open", ffmpegCode: status,
                                 message: "an MP4/MOV file without its index (no moov atom): a recording cut off before it was finished, or an incomplete download")
            }
            let code: MediaError.Code? = status == tandem_AVERROR_INVALIDDATA ? .notMediaFile : nil
            throw MediaError(ffmpeg: status, path: path, operation: "open", code: code)
        }
        let found = findStreamInfo ? avformat_find_stream_info(context, nil) : 0
        if found < 0 {
            // Closed here, before the stored properties are set: once they are, a throwing init runs
            // the deinit, which would close the context a second time.
            var owned: UnsafeMutablePointer<AVFormatContext>? = context
            avformat_close_input(&owned)
            throw MediaError(ffmpeg: found, path: path, operation: "read stream information", code: .truncatedOrCorrupt)
        }
        pointer = context
        self.path = path
    }

    /// True when the file begins with an ISO base media `ftyp` box (MP4, MOV, M4A, 3GP): FFmpeg's
    /// "invalid data" then means the index is missing, not that the file is something else.
    static func startsLikeISOMedia(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 8)) ?? Data()
        return head.count == 8 && head[head.startIndex + 4 ..< head.startIndex + 8] == Data("ftyp".utf8)
    }

    deinit {
        var context: UnsafeMutablePointer<AVFormatContext>? = pointer
        avformat_close_input(&context)
    }

    var streamCount: Int { Int(pointer.pointee.nb_streams) }

    func stream(_ index: Int) -> UnsafeMutablePointer<AVStream> {
        precondition(index >= 0 && index < streamCount, "stream index out of range")
        return pointer.pointee.streams[index]!
    }

    /// The index of the stream FFmpeg considers best for `type`, or `nil` when there is none.
    /// The corresponding C function is `av_find_best_stream`.
    private func bestStream(_ type: AVMediaType) -> Int? {
        let index = av_find_best_stream(pointer, type, -1, -1, nil, 0)
        return index >= 0 ? Int(index) : nil
    }

    /// The stream a reader decodes: `requested` when given (checked to be of `type`), else FFmpeg's best.
    /// - Throws: `MediaError(.noUsableStream)` naming `path` and `operation` when there is none.
    func selectStream(_ type: AVMediaType, requested: Int?, path: String, operation: String) throws -> Int {
        let kind = type == AVMEDIA_TYPE_AUDIO ? "audio" : "video"
        let article = type == AVMEDIA_TYPE_AUDIO ? "an" : "a"
        if let requested {
            guard requested >= 0, requested < streamCount, stream(requested).pointee.codecpar.pointee.codec_type == type else {
                throw MediaError(.noUsableStream, path: path, operation: operation, message: "stream \(requested) is not \(article) \(kind) stream")
            }
            return requested
        }
        guard let preferred = preferredStream(type) else {
            let onlyPicture = (0..<streamCount).contains { stream($0).pointee.codecpar.pointee.codec_type == type }
            throw MediaError(.noUsableStream, path: path, operation: operation, ffmpegCode: tandem_AVERROR_STREAM_NOT_FOUND,
                             message: "the file has no \(kind) stream" + (onlyPicture ? " (only an attached picture: cover art)" : ""))
        }
        return preferred
    }

    /// The stream of `type` a reader picks by itself: FFmpeg's best, unless that is an attached picture
    /// (an MP3's cover art, a still rather than footage), then the first stream of `type` that is not one.
    func preferredStream(_ type: AVMediaType) -> Int? {
        let candidates = (0..<streamCount).filter {
            let stream = stream($0).pointee
            return stream.codecpar.pointee.codec_type == type && stream.disposition & tandem_AV_DISPOSITION_ATTACHED_PIC == 0
        }
        return bestStream(type).flatMap { candidates.contains($0) ? $0 : nil } ?? candidates.first
    }

    /// Makes the demuxer skip every stream but `keep`, so reading does not pay for the others.
    func discardAll(except keep: Int) {
        for index in 0..<streamCount where index != keep {
            stream(index).pointee.discard = AVDISCARD_ALL
        }
    }

    /// The earliest start time of the file in microseconds (`AV_TIME_BASE`), 0 when unknown.
    /// This is the origin of the file's shared clock (see `MediaClock`).
    var startTimeMicroseconds: Int64 {
        let start = pointer.pointee.start_time
        return start == tandem_AV_NOPTS_VALUE ? 0 : start
    }

    /// Result of reading one packet.
    enum ReadResult { case packet, endOfFile }

    /// Reads the next packet into `packet` (which must be empty).
    /// The corresponding C function is `av_read_frame`.
    /// - Throws: `MediaError` (truncated or corrupt, or I/O) for any failure other than the end.
    func read(into packet: FFPacket) throws -> ReadResult {
        let status = av_read_frame(pointer, packet.pointer)
        if status >= 0 { return .packet }
        if status == tandem_AVERROR_EOF { return .endOfFile }
        let code: MediaError.Code = status == tandem_AVERROR(EIO) ? .io : .truncatedOrCorrupt
        throw MediaError(ffmpeg: status, path: path, operation: "read packet", code: code)
    }

    /// Seeks to the key frame at or before `microseconds` (`AV_TIME_BASE` units, on the file's own
    /// timeline, start time included) of the default stream. The corresponding C function is
    /// `av_seek_frame` with stream -1 and `AVSEEK_FLAG_BACKWARD`.
    func seek(microseconds: Int64) throws {
        let status = av_seek_frame(pointer, -1, microseconds, tandem_AVSEEK_FLAG_BACKWARD)
        if status < 0 { throw MediaError(ffmpeg: status, path: path, operation: "seek", code: .other) }
    }

    /// Seeks `streamIndex` to the key frame at or before `timestamp` (stream time base) and
    /// drops the demuxer's buffers. The corresponding C function is `av_seek_frame` with
    /// `AVSEEK_FLAG_BACKWARD`.
    func seek(streamIndex: Int, timestamp: Int64) throws {
        let status = av_seek_frame(pointer, Int32(streamIndex), timestamp, tandem_AVSEEK_FLAG_BACKWARD)
        if status < 0 { throw MediaError(ffmpeg: status, path: path, operation: "seek", code: .other) }
    }
}
