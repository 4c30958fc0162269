import CFFmpeg
import Foundation
import TandemCore

/// Reads the frames of a video stream chosen by a `FrameSampling`, converted as
/// `VideoDecodeOptions` say.
///
/// A pull reader with bounded memory: `next()` decodes only as far as the next returned frame,
/// and nothing is read ahead beyond what the decoder itself buffers, so a 60-minute file decodes
/// in the same memory as a 6-second one.
///
/// Positions: `frameIndex` is the frame's rank in presentation order (what a full decode from the
/// start would number it), `pts` is in the stream's time base, `seconds` is on the file's shared
/// clock (`MediaClock`: the file's earliest start time is 0).
///
/// Not `Sendable`: it owns FFmpeg contexts that must be used from one thread at a time.
public final class FrameReader {
    public let url: URL
    /// The stream being read, as probed.
    public let stream: MediaInfo.Stream
    public let sampling: FrameSampling
    public let options: VideoDecodeOptions

    /// Packets the demuxer flagged corrupt or the decoder rejected (skipped, decoding went on).
    public var corruptPacketCount: Int { gopDecoders.reduce(openedLoop?.corruptPacketCount ?? 0) { $0 + $1.corruptPacketCount } }
    /// Frames decoded with errors, or decode calls that failed on earlier data (decoding went on).
    public var decodeErrorCount: Int { gopDecoders.reduce(openedLoop?.decodeErrorCount ?? 0) { $0 + $1.decodeErrorCount } }
    /// Where the decoded pictures first changed size, if they did (every frame keeps the first size).
    public private(set) var pictureSizeChange: PictureSizeChange?
    /// The exact number of frames, when the sampling needed the packet index (else `nil`).
    public var frameCount: Int? { index.map(\.frameCount) }
    /// How many times the reader seeked (sparse strategies), for tests and statistics.
    public internal(set) var seekCount = 0
    /// Frames the decoder produced so far, returned or not (the work a sampling cost).
    public var decodedFrameCount: Int { decodedCount }
    /// Where the video stream really stops (file clock, seconds): the last frame's time in the packet
    /// index when the sampling built one, else the last frame decoded so far, returned or not (the
    /// stream's end once a sequential sampling such as `all`, `fps` or `scene` has finished).
    public var streamEndSeconds: Double? {
        let last = index.flatMap { $0.isExact ? $0.sortedPts.last : nil } ?? lastDecodedPts
        return last.map { clock.seconds($0, timeBase: timeBase) }
    }

    /// The probed demuxer: the stream's parameters, and the sequential path's packets (replaced by a
    /// fresh one when decoding must start over from the file's first packet: `restartFromBeginning`).
    private(set) var input: FFInputContext
    let streamIndex: Int
    /// The sequential decode loop, opened on first use (`openLoop`): sparse sampling on several cores
    /// decodes on its own single-threaded decoders and never needs it, and opening a frame-threaded
    /// decoder starts its threads and allocates a context per thread.
    var openedLoop: DecodeLoop?
    /// The sequential decode loop; only after `openLoop()`.
    var loop: DecodeLoop { openedLoop! }
    /// Demuxers the packet index read with, already opened and set to discard the other streams,
    /// for the side-by-side decoders (`GOPDecoder`): they seek before every walk, so where the index
    /// read left them does not matter, and the file's header is not parsed again for each.
    var spareInputs: [FFInputContext] = []
    let converter: FrameConverter
    let clock: MediaClock
    let timeBase: Rational
    let path: String
    var index: PacketIndex?

    /// Frames ready to hand out (several only when one decoded frame is returned more than once).
    var queue: [VideoFrame] = []
    var queueHead = 0
    var finished = false
    /// Frames the decoder has returned so far (the frame index of a sequential decode).
    var decodedCount = 0
    var lastDecodedPts: Int64?
    var state: State

    enum State {
        case all
        case fps(FpsState)
        case scene(SceneState)
        case keyframes
        case targets(TargetState)
    }

    /// Opens `url` and prepares its video stream. Index-based samplings demux the file once here.
    /// - Throws: `MediaError` when the file cannot be opened, has no video stream, or its codec is unsupported.
    public init(url: URL, sampling: FrameSampling = .all, options: VideoDecodeOptions = VideoDecodeOptions()) throws {
        let path = url.path
        let input = try FFInputContext(path: path)
        let streamIndex = try input.selectStream(AVMEDIA_TYPE_VIDEO, requested: options.streamIndex, path: path, operation: "open video")
        try FrameReader.validate(sampling, options: options, path: path)
        input.discardAll(except: streamIndex)
        // The codec must be decodable before any work; the decoder itself is opened when first needed.
        try FFDecoder.checkDecodable(input: input, streamIndex: streamIndex)
        let avStream = input.stream(streamIndex)
        self.url = url
        self.path = path
        self.sampling = sampling
        self.options = options
        self.stream = MediaFile.streamInfo(avStream, index: streamIndex)
        self.input = input
        self.streamIndex = streamIndex
        let pixelAspect = avStream.pointee.codecpar.pointee.sample_aspect_ratio
        self.converter = FrameConverter(options: options, rotation: MediaFile.displayRotation(avStream),
                                        streamPixelAspect: pixelAspect.num > 0 && pixelAspect.den > 0 ? (Int(pixelAspect.num), Int(pixelAspect.den)) : nil)
        self.clock = MediaClock(originMicroseconds: input.startTimeMicroseconds)
        self.timeBase = Rational(Int64(avStream.pointee.time_base.num), Int64(avStream.pointee.time_base.den))

        switch sampling {
        case .all:
            state = .all
        case .fps(let rate):
            // Well below the video's rate most frames are dropped: number the frames from the packet
            // index, decide with the same schedule which ones are kept, and decode only those and the
            // frames they depend on. The header's rate only picks the strategy; the frames are the same.
            let built = (stream.averageFrameRate?.doubleValue).map { rate * 2 <= $0 } == true
                ? try PacketIndex(path: path, streamIndex: streamIndex, keepingInputs: &spareInputs) : nil
            if let built, built.isExact, built.frameCount > 0 {
                index = built
                let wanted = FrameReader.fpsTargets(rate: rate, index: built, clock: clock, timeBase: timeBase)
                state = .targets(TargetState(order: wanted, exact: true, index: built))
            } else {
                state = .fps(FpsState(rate: rate))
            }
        case .scene(let threshold):
            state = .scene(SceneState(threshold: threshold))
        case .keyframes:
            index = try PacketIndex(path: path, streamIndex: streamIndex)
            state = .keyframes
        case .uniform, .segments, .clips, .timestamps:
            let built = try PacketIndex(path: path, streamIndex: streamIndex, keepingInputs: &spareInputs)
            index = built
            let wanted: [Int]
            if built.frameCount == 0 {
                wanted = []  // No frame to show at any time (a file cut before its first picture).
            } else if case .timestamps(let seconds) = sampling {
                let clock = self.clock, timeBase = self.timeBase
                wanted = seconds.map { FrameReader.frameOnScreen(at: $0, index: built, clock: clock, timeBase: timeBase) }
            } else {
                wanted = sampling.indices(frameCount: built.frameCount) ?? []
            }
            state = .targets(TargetState(order: wanted, exact: built.isExact, index: built))
        }
        if case .targets(let targets) = state, targets.exact, parallelDecoders > 1 {
            // Sparse sampling: the decoders open when the first walk needs them.
        } else {
            spareInputs = []
            _ = try openLoop()
        }
    }

    /// Opens the file at `path`; see `init(url:sampling:options:)`.
    public convenience init(path: String, sampling: FrameSampling = .all, options: VideoDecodeOptions = VideoDecodeOptions()) throws {
        try self.init(url: URL(fileURLWithPath: path), sampling: sampling, options: options)
    }

    /// The next sampled frame, or `nil` when the sampling is complete.
    /// - Throws: `MediaError` on a decoder failure or a truncated file (after the frames before it).
    public func next() throws -> VideoFrame? {
        while queueHead == queue.count && !finished {
            queue.removeAll(keepingCapacity: true)
            queueHead = 0
            try step()
        }
        guard queueHead < queue.count else { return nil }
        defer { queueHead += 1 }
        return queue[queueHead]
    }

    /// Advances past the next sampled frame without converting its pixels (for counting, and
    /// for measuring decode speed alone). Returns false when the sampling is complete.
    public func skip() throws -> Bool {
        convertPixels = false
        defer { convertPixels = true }
        return try next() != nil
    }

    var convertPixels = true

    // MARK: - Decoding steps

    /// The sequential decode loop, opened with the decoder threads asked for (0: FFmpeg chooses)
    /// and set up for the sampling.
    /// - Throws: `MediaError` when the decoder cannot be opened.
    @discardableResult
    func openLoop() throws -> DecodeLoop {
        if let openedLoop { return openedLoop }
        let decoder = try FFDecoder(input: input, streamIndex: streamIndex, threads: max(0, options.threads))
        let loop = DecodeLoop(input: input, decoder: decoder)
        openedLoop = loop
        configureDecoding()
        return loop
    }

    /// Reopens the file and decodes from its first packet. Used when a seek landed after the key frame
    /// it was asked for: a seek back to the start cannot be trusted either (MPEG-TS and MPEG-PS seek by
    /// bisecting byte positions, and can land past the first key frame every time), a new demuxer can.
    func restartFromBeginning() throws {
        let fresh = try FFInputContext(path: path)
        fresh.discardAll(except: streamIndex)
        input = fresh
        openedLoop = nil
        landingLimit = nil
        lastReadEntry = nil
        _ = try openLoop()
    }

    func configureDecoding() {
        switch state {
        case .keyframes:
            // Without exact pts the frames can only be numbered by decoding them all; otherwise
            // non-key packets are not even handed to the decoder.
            guard index?.isExact == true else { break }
            loop.decoder.skipFrame = AVDISCARD_NONKEY
            loop.shouldSend = { $0.isKeyFrame }
        case .targets(let targets) where targets.exact:
            let decoder = loop.decoder
            let wanted = targets.wantedPts
            // Frames nothing refers to and nobody asked for need not be decoded: skipping them
            // cannot change any other frame, and halves the work between a key frame and a target.
            loop.willSend = { packet in
                decoder.skipFrame = wanted.contains(packet.pts) ? AVDISCARD_DEFAULT : AVDISCARD_NONREF
            }
            loop.didRead = { [unowned self] packet in self.noteRead(packet) }
        default:
            break
        }
    }

    func step() throws {
        switch state {
        case .all:
            guard try decode() else { finished = true; return }
            queue.append(try makeFrame(loop.frame, index: decodedCount - 1))
        case .fps(var fps):
            try stepFps(&fps)
            state = .fps(fps)
        case .scene(var scene):
            try stepScene(&scene)
            state = .scene(scene)
        case .keyframes:
            guard try decode() else { finished = true; return }
            guard loop.frame.isKeyFrame else { return }
            queue.append(try makeFrame(loop.frame, index: indexOfDecoded()))
        case .targets(var targets):
            try stepTargets(&targets)
            state = .targets(targets)
        }
    }

    /// Decodes the next frame into `loop.frame`; false at the end.
    func decode() throws -> Bool {
        guard try openLoop().nextFrame() else { return false }
        decodedCount += 1
        lastDecodedPts = loop.frame.presentationTime ?? lastDecodedPts
        return true
    }

    /// The frame index of `loop.frame`: its pts rank when the index is exact, else the decode count.
    func indexOfDecoded() -> Int {
        if let index, index.isExact, let pts = loop.frame.presentationTime { return index.frameIndex(pts: pts) }
        return decodedCount - 1
    }

    func makeFrame(_ frame: FFFrame, index frameIndex: Int) throws -> VideoFrame {
        let pts = frame.presentationTime ?? 0
        guard convertPixels else {
            return VideoFrame(layout: options.layout, width: frame.width, height: frame.height, stride: 0, pts: pts, timeBase: timeBase,
                              frameIndex: frameIndex, seconds: clock.seconds(pts, timeBase: timeBase), isKeyFrame: frame.isKeyFrame,
                              time: clock.time(pts, timeBase: timeBase), sourceWidth: frame.width, sourceHeight: frame.height)
        }
        let pixels = try converter.convert(frame, path: path)
        // The video's size as shown: its pixels made square and turned like the converted picture, before
        // it is scaled or cropped (the first picture's, which a picture of another size was fitted into).
        let decoded = converter.referenceShownSize ?? converter.shownSize(of: frame)
        let turned = converter.rotation % 180 != 0
        let source = turned ? (width: decoded.height, height: decoded.width) : (width: decoded.width, height: decoded.height)
        if pictureSizeChange == nil, let changed = converter.changedSize {
            pictureSizeChange = PictureSizeChange(seconds: clock.seconds(pts, timeBase: timeBase),
                                                  from: converter.referenceSize ?? (frame.width, frame.height), to: changed)
        }
        return VideoFrame(layout: options.layout, width: pixels.width, height: pixels.height, stride: pixels.stride,
                          bytes: pixels.bytes, floats: pixels.floats, pts: pts, timeBase: timeBase, frameIndex: frameIndex,
                          seconds: clock.seconds(pts, timeBase: timeBase), isKeyFrame: frame.isKeyFrame,
                          time: clock.time(pts, timeBase: timeBase), sourceWidth: source.width, sourceHeight: source.height)
    }

    func seconds(of frame: FFFrame) -> Double {
        clock.seconds(frame.presentationTime ?? 0, timeBase: timeBase)
    }

    // Seek bookkeeping of the index-based samplings (FrameReader+Targets.swift).

    /// Where reading is, in the index's decode order: the entry of the last packet read.
    var lastReadEntry: Int?
    /// After a seek, the entry we must land at or before.
    var landingLimit: Int?
    var landedLate = false
    var seekingDisabled = false

    // Side-by-side decoding of the index-based samplings (FrameReader+Parallel.swift).

    /// How many single-threaded decoders sparse sampling may run at once: the decoder thread
    /// count asked for, or one per core when FFmpeg chooses.
    lazy var parallelDecoders = options.threads > 0 ? options.threads : ProcessInfo.processInfo.activeProcessorCount
    var gopDecoders: [GOPDecoder] = []
    /// Set when a walk could not be done side by side; the sequential path takes the rest.
    var parallelGivenUp = false

    /// Rejects samplings and sizes that cannot work, before any decoding.
    static func validate(_ sampling: FrameSampling, options: VideoDecodeOptions, path: String) throws {
        func fail(_ message: String) -> MediaError { MediaError(.invalidArgument, path: path, operation: "open video", message: message) }
        switch sampling {
        case .fps(let rate) where !(rate > 0 && rate.isFinite): throw fail("fps rate must be positive")
        case .uniform(let count) where count <= 0, .segments(let count) where count <= 0: throw fail("count must be positive")
        case .clips(let count, let frames, let stride) where count <= 0 || frames <= 0 || stride <= 0:
            throw fail("clips need positive count, frames and stride")
        case .scene(let threshold) where !(threshold >= 0 && threshold <= 1): throw fail("scene threshold must be in 0…1")
        default: break
        }
        let sizes: [Int] = switch options.resize {
        case .none: [1]
        case .exact(let w, let h), .letterbox(let w, let h): [w, h]
        case .shorterSide(let side), .shorterSideAtMost(let side): [side]
        case .shorterSideCenterCrop(let side, let w, let h): [side, w, h]
        }
        if sizes.contains(where: { $0 <= 0 || $0 > 16384 }) { throw fail("output sizes must be in 1…16384") }
    }
}

/// A video stream whose pictures change size part way (recordings joined end to end, captures of an
/// adaptive stream): `FrameReader` keeps the first size and fits later pictures into it.
public struct PictureSizeChange: Sendable, Equatable, CustomStringConvertible {
    /// The first frame of the new size, file clock.
    public var seconds: Double
    /// Decoded sizes (before rotation) before and after.
    public var from: (width: Int, height: Int)
    public var to: (width: Int, height: Int)

    public static func == (a: Self, b: Self) -> Bool {
        a.seconds == b.seconds && a.from == b.from && a.to == b.to
    }

    public var description: String {
        String(format: "the picture size changes from %d×%d to %d×%d at %.1f s: later pictures are fitted into the first size",
               from.width, from.height, to.width, to.height, seconds)
    }
}
