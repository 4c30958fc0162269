import CFFmpeg
import Foundation
import TandemCore

/// A media file on disk, probed: its streams, codecs and timing (`info`).
///
/// Probing opens the file, reads its header (and as many packets as FFmpeg needs to know the
/// streams), and closes it again; decoding is done by `AudioReader` and `FrameReader`.
public struct MediaFile: Sendable {
    public let url: URL
    public let info: MediaInfo

    /// Opens and probes `path`.
    /// - Throws: `MediaError` (not found, permission denied, directory, not a media file, corrupt).
    public static func open(_ path: String) throws -> MediaFile {
        try open(URL(fileURLWithPath: path))
    }

    /// Opens and probes `url` (a file URL).
    public static func open(_ url: URL) throws -> MediaFile {
        let input = try FFInputContext(path: url.path)
        return MediaFile(url: url, info: probe(input))
    }

    static func probe(_ input: FFInputContext) -> MediaInfo {
        let format = input.pointer.pointee
        let duration = format.duration
        let streams = (0..<input.streamCount).map { streamInfo(input.stream($0), index: $0) }
        let readable = streams.contains { ($0.type == .audio || $0.type == .video) && $0.decoder != nil }
        return MediaInfo(
            path: input.path,
            container: format.iformat.map { String(cString: $0.pointee.name) } ?? "unknown",
            containerLongName: format.iformat.flatMap { $0.pointee.long_name.map { String(cString: $0) } },
            startSeconds: Double(input.startTimeMicroseconds) / Double(tandem_AV_TIME_BASE),
            durationSeconds: duration == tandem_AV_NOPTS_VALUE || duration <= 0 ? nil : Double(duration) / Double(tandem_AV_TIME_BASE),
            bitRate: format.bit_rate > 0 ? Int(format.bit_rate) : nil,
            streams: streams, problem: readable ? nil : MediaInfo.nothingDecodable)
    }

    static func streamInfo(_ stream: UnsafeMutablePointer<AVStream>, index: Int) -> MediaInfo.Stream {
        let s = stream.pointee
        let parameters = s.codecpar.pointee
        let timeBase = MediaInfo.Ratio(num: Int64(s.time_base.num), den: Int64(s.time_base.den))
        let type: MediaInfo.StreamType = switch parameters.codec_type {
        case AVMEDIA_TYPE_VIDEO: .video
        case AVMEDIA_TYPE_AUDIO: .audio
        case AVMEDIA_TYPE_SUBTITLE: .subtitle
        case AVMEDIA_TYPE_DATA: .data
        case AVMEDIA_TYPE_ATTACHMENT: .attachment
        default: .unknown
        }
        func seconds(_ value: Int64) -> Double? {
            value == tandem_AV_NOPTS_VALUE ? nil : Double(value) * timeBase.doubleValue
        }
        func ratio(_ r: AVRational) -> MediaInfo.Ratio? {
            r.num > 0 && r.den > 0 ? MediaInfo.Ratio(num: Int64(r.num), den: Int64(r.den)) : nil
        }
        var info = MediaInfo.Stream(
            index: index, type: type, codec: String(cString: avcodec_get_name(parameters.codec_id)), timeBase: timeBase,
            startPts: s.start_time == tandem_AV_NOPTS_VALUE ? nil : s.start_time,
            startSeconds: seconds(s.start_time),
            durationSeconds: s.duration > 0 ? seconds(s.duration) : taggedEnd(s.metadata).flatMap { end in
                // The tag is where the stream ends on the container's timeline: its length runs from its start.
                let length = end - (seconds(s.start_time) ?? 0)
                return length > 0 ? length : nil
            },
            frameCount: s.nb_frames > 0 ? Int(s.nb_frames) : nil,
            bitRate: parameters.bit_rate > 0 ? Int(parameters.bit_rate) : nil)
        info.decoder = avcodec_find_decoder(parameters.codec_id).map { String(cString: $0.pointee.name) }
        info.codecTag = fourCC(parameters.codec_tag)
        if info.decoder == nil && [.audio, .video, .subtitle].contains(type) { info.problem = MediaInfo.noDecoder }
        if type == .video {
            if s.disposition & tandem_AV_DISPOSITION_ATTACHED_PIC != 0 { info.attachedPicture = true }
            info.width = Int(parameters.width)
            info.height = Int(parameters.height)
            info.averageFrameRate = ratio(s.avg_frame_rate)
            info.realFrameRate = ratio(s.r_frame_rate)
            info.rotation = displayRotation(stream)
            if let aspect = ratio(parameters.sample_aspect_ratio), aspect.num != aspect.den { info.pixelAspect = aspect }
            info.fieldOrder = switch parameters.field_order {
            case AV_FIELD_TT, AV_FIELD_TB: "top first"
            case AV_FIELD_BB, AV_FIELD_BT: "bottom first"
            default: nil
            }
            info.pixelFormat = av_get_pix_fmt_name(AVPixelFormat(rawValue: parameters.format)).map { String(cString: $0) }
        } else if type == .audio {
            info.sampleRate = Int(parameters.sample_rate)
            info.channels = Int(parameters.ch_layout.nb_channels)
            info.channelLayout = FFResampler.layoutName(parameters.ch_layout)
            info.sampleFormat = av_get_sample_fmt_name(AVSampleFormat(rawValue: parameters.format)).map { String(cString: $0) }
        }
        return info
    }

    /// Where a stream ends, from its `DURATION` tag (`HH:MM:SS.nnnnnnnnn`, the time of its last sample on the
    /// container's timeline): how Matroska and WebM state each stream's length (FFmpeg's and mkvmerge's muxers
    /// write it), which their stream headers do not carry. `nil` without the tag or when it does not parse.
    static func taggedEnd(_ metadata: OpaquePointer?) -> Double? {
        guard let entry = av_dict_get(metadata, "DURATION", nil, 0), let value = entry.pointee.value else { return nil }
        return parsedClockTime(String(cString: value))
    }

    /// `HH:MM:SS.fraction` as seconds; `nil` for anything else or a time that is not positive.
    static func parsedClockTime(_ text: String) -> Double? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let hours = Int(parts[0]), let minutes = Int(parts[1]), let seconds = Double(parts[2]),
              hours >= 0, (0..<60).contains(minutes), seconds >= 0, seconds < 60 else { return nil }
        let total = Double(hours * 3600 + minutes * 60) + seconds
        return total > 0 ? total : nil
    }

    /// `tag` as four characters (`avc1`), or `nil` when it is 0 or not printable ASCII (some
    /// containers store numeric codec ids, e.g. AVI's audio format tags).
    static func fourCC(_ tag: UInt32) -> String? {
        let bytes = (0..<4).map { UInt8(truncatingIfNeeded: tag >> (8 * $0)) }
        guard tag != 0, bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Clockwise degrees (0, 90, 180, 270) to turn the picture for display.
    ///
    /// `av_display_rotation_get` returns the counter-clockwise angle the matrix applies; FFmpeg's
    /// command line negates it and rounds to the nearest quarter turn before it autorotates,
    /// and so do we, so our frames look like `ffmpeg -i file out.png`.
    static func displayRotation(_ stream: UnsafeMutablePointer<AVStream>) -> Int {
        var size = 0
        guard let data = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, &size), size >= 36 else { return 0 }
        let angle = data.withMemoryRebound(to: Int32.self, capacity: 9) { av_display_rotation_get($0) }
        guard angle.isFinite else { return 0 }
        let clockwise = -angle
        let quarter = Int((clockwise / 90).rounded())
        return ((quarter % 4) + 4) % 4 * 90
    }
}
