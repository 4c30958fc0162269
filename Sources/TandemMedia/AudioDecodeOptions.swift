/// How `AudioReader` delivers audio: rate, channels and chunk size.
public struct AudioDecodeOptions: Sendable, Hashable, Codable {
    /// Output sample rate; `nil` keeps the stream's own rate.
    public var sampleRate: Int?
    /// With `sampleRate` nil: a stream faster than this is resampled down to it (`cappedRate(_:)`), so analysis
    /// whose cost grows with the rate does not spend it on a 96 kHz master's inaudible band. `nil`: no cap.
    public var maximumSampleRate: Int?
    /// Output channel count (FFmpeg's default layout for that count); `nil` keeps the stream's.
    public var channels: Int?
    /// Output layout by FFmpeg name (`mono`, `stereo`, `5.1`); overrides `channels` when set.
    public var channelLayout: String?
    /// Samples per channel in each chunk (the last chunk may be shorter).
    public var chunkFrames: Int
    /// The audio stream to read; `nil` picks FFmpeg's best audio stream.
    public var streamIndex: Int?

    public init(sampleRate: Int? = nil, channels: Int? = nil, chunkFrames: Int = 4096,
                channelLayout: String? = nil, streamIndex: Int? = nil, maximumSampleRate: Int? = nil) {
        self.sampleRate = sampleRate
        self.maximumSampleRate = maximumSampleRate
        self.channels = channels
        self.chunkFrames = chunkFrames
        self.channelLayout = channelLayout
        self.streamIndex = streamIndex
    }

    /// The rate a stream at `streamRate` is delivered at: `sampleRate` when set; else the stream's own rate
    /// up to `maximumSampleRate`, and above it the stream's rate divided by the smallest whole number that
    /// brings it under the cap when that keeps at least 90 % of the cap (88.2 and 176.4 kHz → 44.1 kHz with a
    /// 48 kHz cap: the plainest conversion, to the rate the master was made for), else the cap itself (64 kHz → 48 kHz).
    public func outputRate(forStreamRate streamRate: Int) -> Int {
        if let sampleRate { return sampleRate }
        guard let maximum = maximumSampleRate, maximum > 0, streamRate > maximum else { return streamRate }
        let divisor = (streamRate + maximum - 1) / maximum
        let fraction = streamRate / divisor
        return streamRate % divisor == 0 && 10 * fraction >= 9 * maximum ? fraction : maximum
    }
}
