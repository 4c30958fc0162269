import TandemCore

/// What a media file holds: its container, duration and streams, as read by `MediaFile.open`.
///
/// `Codable` so `tandem probe --json` and manifests can record it as is.
public struct MediaInfo: Codable, Sendable, Equatable {
    /// An exact ratio (time base, frame rate), encoded as `{"num": 1, "den": 30}`.
    public struct Ratio: Codable, Sendable, Hashable, CustomStringConvertible {
        public var num: Int64
        public var den: Int64
        public init(num: Int64, den: Int64) { self.num = num; self.den = den }
        public init(_ rational: Rational) { self.init(num: rational.numerator, den: rational.denominator) }
        public var rational: Rational { Rational(num, den) }
        public var doubleValue: Double { den == 0 ? 0 : Double(num) / Double(den) }
        public var description: String { "\(num)/\(den)" }
    }

    public enum StreamType: String, Codable, Sendable {
        case video, audio, subtitle, data, attachment, unknown
    }

    /// One stream of the file. Fields that do not apply to the stream's type, or that the file
    /// does not state, are `nil`.
    public struct Stream: Codable, Sendable, Equatable {
        public var index: Int
        public var type: StreamType
        /// FFmpeg's short codec name (`h264`, `aac`).
        public var codec: String
        public var timeBase: Ratio
        /// First timestamp in `timeBase` units, as the container states it.
        public var startPts: Int64?
        public var startSeconds: Double?
        public var durationSeconds: Double?
        /// Frame count stated by the container; headers can lie, the frame index counts for real.
        public var frameCount: Int?
        public var averageFrameRate: Ratio?
        /// The lowest rate at which all timestamps can be represented (`r_frame_rate`).
        public var realFrameRate: Ratio?
        public var width: Int?
        public var height: Int?
        /// Clockwise degrees (0, 90, 180, 270) the decoded picture must be turned for display,
        /// from the display-matrix side data (the convention of FFmpeg's own `autorotate`).
        public var rotation: Int?
        /// The shape of one stored pixel, width over height (`sample_aspect_ratio`), when it is not
        /// square: a PAL DV picture's 16:15, an anamorphic DVD's 64:45. Frames are shown with it
        /// (`VideoDecodeOptions.squarePixels`). `nil` for square or unstated pixels.
        public var pixelAspect: Ratio?
        /// `top first` or `bottom first` when the stream says its pictures are interlaced (which field
        /// is shown first); `nil` when progressive or unstated.
        public var fieldOrder: String?
        public var pixelFormat: String?
        public var sampleRate: Int?
        public var channels: Int?
        public var channelLayout: String?
        public var sampleFormat: String?
        public var bitRate: Int?
        /// The name of the FFmpeg decoder that reads the stream (`h264`, `aac`, `subrip`); `nil` when
        /// FFmpeg has none for its codec (an unknown four-character code, or a codec this build of
        /// FFmpeg cannot decode). The stream is then listed but no reader can use it.
        public var decoder: String?
        /// The container's four-character code for the codec (`avc1`), when it states one: what
        /// identifies a stream whose codec FFmpeg does not know (`codec` is then `none`).
        public var codecTag: String?
        /// What makes the stream unusable, for people and for scripts reading `tandem probe --json`:
        /// `no decoder` for an audio, video or subtitle stream FFmpeg cannot decode; `nil` otherwise.
        public var problem: String?
        /// True for a still picture the container attaches — the cover art of an MP3, M4A or FLAC —
        /// which is a video stream to FFmpeg but not footage: readers never pick it as the video
        /// stream unless asked for by index. `nil` otherwise.
        public var attachedPicture: Bool?
    }

    public var path: String
    /// The demuxer's name(s), e.g. `mov,mp4,m4a,3gp,3g2,mj2`.
    public var container: String
    public var containerLongName: String?
    /// Earliest start of any stream, in seconds: the origin of the file's shared clock.
    public var startSeconds: Double
    public var durationSeconds: Double?
    public var bitRate: Int?
    public var streams: [Stream]
    /// What makes the whole file unusable: `nothing decodable` when no audio or video stream has a
    /// decoder (a subtitles-only file, or one whose only picture is in a codec FFmpeg cannot
    /// decode), since every pipeline starts by decoding audio or video; `nil` otherwise.
    public var problem: String?

    /// The first stream of `type` a reader would use, if any: an attached picture (cover art) is not footage.
    public func firstStream(_ type: StreamType) -> Stream? {
        streams.first { $0.type == type && $0.attachedPicture != true }
    }

    /// `problem` of a stream FFmpeg has no decoder for.
    public static let noDecoder = "no decoder"
    /// `problem` of a file no pipeline can read anything from.
    public static let nothingDecodable = "nothing decodable"
}
