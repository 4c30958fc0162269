/// How `AudioReader` delivers audio: rate, channels and chunk size.
public struct AudioDecodeOptions: Sendable, Hashable, Codable {
    /// Output sample rate; `nil` keeps the stream's own rate.
    public var sampleRate: Int?
    /// Output channel count (FFmpeg's default layout for that count); `nil` keeps the stream's.
    public var channels: Int?
    /// Output layout by FFmpeg name (`mono`, `stereo`, `5.1`); overrides `channels` when set.
    public var channelLayout: String?
    /// Samples per channel in each chunk (the last chunk may be shorter).
    public var chunkFrames: Int
    /// The audio stream to read; `nil` picks FFmpeg's best audio stream.
    public var streamIndex: Int?

    public init(sampleRate: Int? = nil, channels: Int? = nil, chunkFrames: Int = 4096,
                channelLayout: String? = nil, streamIndex: Int? = nil) {
        self.sampleRate = sampleRate
        self.channels = channels
        self.chunkFrames = chunkFrames
        self.channelLayout = channelLayout
        self.streamIndex = streamIndex
    }
}
