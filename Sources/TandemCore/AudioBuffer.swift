/// A chunk of audio: planar Float32 samples with an exact position in the stream.
///
/// Positions are sample counts from the start of the stream's timeline (the file's shared clock,
/// see `MediaClock`), so chunks can be cut and joined without drift. Seconds are for display only.
public struct AudioBuffer: Sendable, Equatable {
    /// Samples per second.
    public var sampleRate: Int
    /// The channel layout's name as FFmpeg spells it (`mono`, `stereo`, `5.1`), for the record.
    public var channelLayout: String
    /// Index of the first sample of this chunk on the stream timeline.
    public var firstSample: Int64
    /// One array per channel, all of `frameCount` samples.
    public var channels: [SharedArray<Float>]

    public init(sampleRate: Int, channelLayout: String, firstSample: Int64, channels: [SharedArray<Float>]) {
        precondition(channels.dropFirst().allSatisfy { $0.count == channels[0].count }, "ragged channels")
        self.sampleRate = sampleRate
        self.channelLayout = channelLayout
        self.firstSample = firstSample
        self.channels = channels
    }

    public var channelCount: Int { channels.count }
    /// Samples per channel.
    public var frameCount: Int { channels.first?.count ?? 0 }
    /// The sample index one past the end of this chunk.
    public var endSample: Int64 { firstSample + Int64(frameCount) }
    /// The exact instant of the first sample on the file's clock.
    public var time: MediaTime { MediaTime(sample: firstSample, rate: sampleRate) }
    /// The exact instant one sample past the end.
    public var endTime: MediaTime { MediaTime(sample: endSample, rate: sampleRate) }
    /// Start time in seconds, for display.
    public var startSeconds: Double { Double(firstSample) / Double(sampleRate) }
    public var durationSeconds: Double { Double(frameCount) / Double(sampleRate) }
}
