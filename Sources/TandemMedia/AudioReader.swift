import CFFmpeg
import Foundation
import TandemCore

/// Reads the audio of a file as planar Float32 chunks at a chosen rate and layout.
///
/// A pull reader: each `next()` decodes just enough to fill one chunk, so memory stays bounded
/// whatever the file's length. Chunk positions (`firstSample`) are exact sample indices on the
/// file's shared clock (`MediaClock`): the first chunk starts at the stream's start offset from the
/// file's origin (0 for most files), and every later chunk starts where the previous one ended.
/// The samples do not depend on `chunkFrames`: chunking only cuts the resampler's output.
///
/// Not `Sendable`: it owns FFmpeg contexts that must be used from one thread at a time. Create it
/// on the thread (or serial owner) that pulls from it.
public final class AudioReader {
    public let url: URL
    /// The stream being read, as probed.
    public let stream: MediaInfo.Stream
    public let sampleRate: Int
    public let channelCount: Int
    /// FFmpeg's name of the output layout (`mono`, `stereo`).
    public let channelLayout: String
    public let options: AudioDecodeOptions

    /// Packets the demuxer flagged corrupt or the decoder rejected (skipped, decoding went on).
    public var corruptPacketCount: Int { loop.corruptPacketCount }
    /// Decoder errors on data already sent (decoding went on).
    public var decodeErrorCount: Int { loop.decodeErrorCount }
    /// Seconds of silence put where the stream's timestamps jump forward (damaged packets skipped,
    /// a recording paused), so the audio after a gap keeps its place on the file's clock.
    public private(set) var gapSeconds: Double = 0
    /// Gaps shorter than this are timestamp jitter, not lost audio (FFmpeg's `min_hard_comp` default).
    static let smallestGapSeconds = 0.1
    /// Jumps longer than this are a timestamp discontinuity (a broadcast capture's clock reset), not
    /// audio to stand in for: filling them would hold that much silence in memory at once.
    static let largestGapSeconds = 600.0

    private let loop: DecodeLoop
    private let clock: MediaClock
    private let timeBase: Rational
    private var outputLayout = AVChannelLayout()
    private var resampler: FFResampler?
    private let scratch: PlanarScratch

    /// Converted samples not yet handed out, per channel, from `pendingOffset`.
    private var pending: [[Float]]
    private var pendingOffset = 0
    /// Sample index of `pending[c][pendingOffset]`; `nil` until the first frame fixes it.
    private var nextPosition: Int64?
    /// Samples still to drop from the front when the stream starts before the clock origin.
    private var samplesToDrop: Int64 = 0
    /// Where, at the output rate on the file's clock, the next decoded sample lands: the first frame's
    /// position plus every sample fed since (a frame that starts well after it follows a gap).
    private var inputEnd: Double?
    private var finished = false
    /// A read failure part-way (a truncated file), thrown once the audio before it is handed out.
    private var deferredError: MediaError?

    /// Opens `url` and prepares its audio stream for decoding.
    /// - Throws: `MediaError` when the file cannot be opened, has no audio stream, the codec is
    ///   unsupported or the options are invalid.
    public init(url: URL, options: AudioDecodeOptions = AudioDecodeOptions()) throws {
        let path = url.path
        guard options.chunkFrames > 0 else {
            throw MediaError(.invalidArgument, path: path, operation: "open audio", message: "chunkFrames must be positive")
        }
        let input = try FFInputContext(path: path)
        let index = try input.selectStream(AVMEDIA_TYPE_AUDIO, requested: options.streamIndex, path: path, operation: "open audio")
        input.discardAll(except: index)
        let decoder = try FFDecoder(input: input, streamIndex: index, threads: 1)
        let parameters = input.stream(index).pointee.codecpar.pointee
        let streamTimeBase = input.stream(index).pointee.time_base

        self.url = url
        self.options = options
        self.loop = DecodeLoop(input: input, decoder: decoder)
        self.stream = MediaFile.streamInfo(input.stream(index), index: index)
        self.clock = MediaClock(originMicroseconds: input.startTimeMicroseconds)
        self.timeBase = Rational(Int64(streamTimeBase.num), Int64(streamTimeBase.den))

        if let name = options.channelLayout {
            if av_channel_layout_from_string(&outputLayout, name) < 0 {
                throw MediaError(.invalidArgument, path: path, operation: "open audio", message: "unknown channel layout \(name)")
            }
        } else if let channels = options.channels {
            guard channels > 0 else {
                throw MediaError(.invalidArgument, path: path, operation: "open audio", message: "channels must be positive")
            }
            av_channel_layout_default(&outputLayout, Int32(channels))
        } else if parameters.ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || parameters.ch_layout.nb_channels == 0 {
            av_channel_layout_default(&outputLayout, max(1, parameters.ch_layout.nb_channels))
        } else {
            var source = parameters.ch_layout
            _ = av_channel_layout_copy(&outputLayout, &source)
        }
        let rate = options.outputRate(forStreamRate: Int(parameters.sample_rate))
        guard rate > 0 else {
            av_channel_layout_uninit(&outputLayout)
            throw MediaError(.invalidArgument, path: path, operation: "open audio", message: "invalid sample rate \(rate)")
        }
        sampleRate = rate
        channelCount = Int(outputLayout.nb_channels)
        channelLayout = FFResampler.layoutName(outputLayout)
        scratch = PlanarScratch(channels: channelCount)
        pending = Array(repeating: [], count: channelCount)
    }

    /// Opens the file at `path`; see `init(url:options:)`.
    public convenience init(path: String, options: AudioDecodeOptions = AudioDecodeOptions()) throws {
        try self.init(url: URL(fileURLWithPath: path), options: options)
    }

    deinit { av_channel_layout_uninit(&outputLayout) }

    /// The next chunk of `options.chunkFrames` samples per channel (the last may be shorter),
    /// or `nil` at the end of the stream.
    /// - Throws: `MediaError` on a decoder failure, or for a truncated file once the audio before
    ///   the damage has been returned.
    /// - Complexity: decodes about one chunk's worth of packets.
    public func next() throws -> AudioBuffer? {
        let chunk = options.chunkFrames
        while pendingCount < chunk && !finished {
            do {
                if try loop.nextFrame() {
                    try convert(loop.frame)
                    continue
                }
            } catch let error as MediaError {
                deferredError = error
            }
            try drainResampler()
            finished = true
        }
        let count = min(chunk, pendingCount)
        guard count > 0, let position = nextPosition else {
            if let error = deferredError {
                deferredError = nil
                throw error
            }
            return nil
        }
        let channels = pending.map { samples in
            SharedArray(Array(samples[pendingOffset..<(pendingOffset + count)]))
        }
        pendingOffset += count
        nextPosition = position + Int64(count)
        if pendingOffset >= 1 << 16 || pendingOffset == pending[0].count {
            for c in pending.indices { pending[c].removeFirst(pendingOffset) }
            pendingOffset = 0
        }
        return AudioBuffer(sampleRate: sampleRate, channelLayout: channelLayout, firstSample: position, channels: channels)
    }

    /// Reads every remaining chunk and joins them into one buffer (for short files and tests).
    public func readAll() throws -> AudioBuffer {
        var joined = Array(repeating: [Float](), count: channelCount)
        var first: Int64?
        while let buffer = try next() {
            if first == nil { first = buffer.firstSample }
            for c in joined.indices { joined[c] += buffer.channels[c].array }
        }
        return AudioBuffer(sampleRate: sampleRate, channelLayout: channelLayout, firstSample: first ?? 0,
                           channels: joined.map { SharedArray($0) })
    }

    private var pendingCount: Int { (pending.first?.count ?? 0) - pendingOffset }

    private func convert(_ frame: FFFrame) throws {
        if let current = resampler, !current.accepts(frame) {
            // The stream changed format mid-way (rate, layout): finish the old conversion first.
            try drainResampler()
            resampler = nil
        }
        if resampler == nil {
            resampler = try FFResampler(input: frame, outputLayout: &outputLayout, outputRate: sampleRate, path: url.path)
        }
        let start = frame.presentationTime.map { clock.sampleIndex($0, timeBase: timeBase, sampleRate: sampleRate) }
        if nextPosition == nil {
            // Anchor the stream on the shared clock with its first decoded frame.
            nextPosition = max(0, start ?? 0)
            samplesToDrop = max(0, -(start ?? 0))
            inputEnd = Double(start ?? 0)
        } else if let start, let end = inputEnd, let resampler,
                  (Self.smallestGapSeconds * Double(sampleRate)...Self.largestGapSeconds * Double(sampleRate)).contains(Double(start) - end) {
            // Audio is missing before this frame: silence in its place keeps what follows in sync with the picture.
            let missing = Int((Double(start) - end) * Double(frame.sampleRate) / Double(sampleRate))
            try appendConverted(resampler.silence(count: missing, path: url.path))
            inputEnd = end + Double(missing) * Double(sampleRate) / Double(frame.sampleRate)
            gapSeconds += Double(missing) / Double(frame.sampleRate)
        }
        inputEnd = (inputEnd ?? 0) + Double(frame.sampleCount) * Double(sampleRate) / Double(frame.sampleRate)
        try appendConverted(frame)
    }

    private func drainResampler() throws {
        guard resampler != nil else { return }
        try appendConverted(nil)
    }

    private func appendConverted(_ frame: FFFrame?) throws {
        guard let resampler else { return }
        let capacity = resampler.maxOutput(forInput: frame?.sampleCount ?? 0) + 32
        scratch.reserve(capacity)
        var written = try resampler.convert(frame, into: scratch.planes, capacity: capacity, path: url.path)
        var skip = 0
        if samplesToDrop > 0 {
            skip = Int(min(Int64(written), samplesToDrop))
            samplesToDrop -= Int64(skip)
            written -= skip
        }
        guard written > 0 else { return }
        for c in 0..<channelCount {
            let start = scratch.channel(c) + skip
            pending[c].append(contentsOf: UnsafeBufferPointer(start: start, count: written))
        }
    }
}
