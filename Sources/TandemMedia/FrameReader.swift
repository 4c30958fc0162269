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
    public var corruptPacketCount: Int { loop.corruptPacketCount }
    /// Frames decoded with errors, or decode calls that failed on earlier data (decoding went on).
    public var decodeErrorCount: Int { loop.decodeErrorCount }
    /// The exact number of frames, when the sampling needed the packet index (else `nil`).
    public var frameCount: Int? { index.map(\.frameCount) }
    /// How many times the reader seeked (sparse strategies), for tests and statistics.
    public private(set) var seekCount = 0
    /// Frames the decoder produced so far, returned or not (the work a sampling cost).
    public var decodedFrameCount: Int { decodedCount }

    private let loop: DecodeLoop
    private let converter: FrameConverter
    private let clock: MediaClock
    private let timeBase: Rational
    private let path: String
    private var index: PacketIndex?

    /// Frames ready to hand out (several only when one decoded frame is returned more than once).
    private var queue: [VideoFrame] = []
    private var queueHead = 0
    private var finished = false
    /// Frames the decoder has returned so far (the frame index of a sequential decode).
    private var decodedCount = 0
    private var state: State

    private enum State {
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
        let streamIndex: Int
        if let requested = options.streamIndex {
            guard requested >= 0, requested < input.streamCount,
                  input.stream(requested).pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_VIDEO else {
                throw MediaError(.noUsableStream, path: path, operation: "open video", message: "stream \(requested) is not a video stream")
            }
            streamIndex = requested
        } else {
            guard let best = input.bestStream(AVMEDIA_TYPE_VIDEO) else {
                throw MediaError(.noUsableStream, path: path, operation: "open video",
                                 ffmpegCode: tandem_AVERROR_STREAM_NOT_FOUND, message: "the file has no video stream")
            }
            streamIndex = best
        }
        try FrameReader.validate(sampling, options: options, path: path)
        input.discardAll(except: streamIndex)
        let threads = options.threads > 0 ? options.threads : ProcessInfo.processInfo.activeProcessorCount
        let decoder = try FFDecoder(input: input, streamIndex: streamIndex, threads: threads)
        let avStream = input.stream(streamIndex)
        self.url = url
        self.path = path
        self.sampling = sampling
        self.options = options
        self.stream = MediaFile.streamInfo(avStream, index: streamIndex)
        self.loop = DecodeLoop(input: input, decoder: decoder)
        self.converter = FrameConverter(options: options, rotation: MediaFile.displayRotation(avStream))
        self.clock = MediaClock(originMicroseconds: input.startTimeMicroseconds)
        self.timeBase = Rational(Int64(avStream.pointee.time_base.num), Int64(avStream.pointee.time_base.den))

        switch sampling {
        case .all:
            state = .all
        case .fps(let rate):
            state = .fps(FpsState(period: 1 / rate))
        case .scene(let threshold):
            state = .scene(SceneState(threshold: threshold))
        case .keyframes:
            index = try PacketIndex(path: path, streamIndex: streamIndex)
            state = .keyframes
        case .uniform, .segments, .clips, .timestamps:
            let built = try PacketIndex(path: path, streamIndex: streamIndex)
            index = built
            let wanted: [Int]
            if case .timestamps(let seconds) = sampling {
                let clock = self.clock, timeBase = self.timeBase
                wanted = seconds.map { FrameReader.frameOnScreen(at: $0, index: built, clock: clock, timeBase: timeBase) }
            } else {
                wanted = sampling.indices(frameCount: built.frameCount) ?? []
            }
            state = .targets(TargetState(order: wanted, exact: built.isExact, targetPts: built))
        }
        configureDecoding()
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

    private var convertPixels = true

    // MARK: - Decoding steps

    private func configureDecoding() {
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

    private func step() throws {
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
    private func decode() throws -> Bool {
        guard try loop.nextFrame() else { return false }
        decodedCount += 1
        return true
    }

    /// The frame index of `loop.frame`: its pts rank when the index is exact, else the decode count.
    private func indexOfDecoded() -> Int {
        if let index, index.isExact, let pts = loop.frame.presentationTime { return index.frameIndex(pts: pts) }
        return decodedCount - 1
    }

    private func makeFrame(_ frame: FFFrame, index frameIndex: Int) throws -> VideoFrame {
        let pts = frame.presentationTime ?? 0
        guard convertPixels else {
            return VideoFrame(layout: options.layout, width: frame.width, height: frame.height, stride: 0, pts: pts, timeBase: timeBase,
                              frameIndex: frameIndex, seconds: clock.seconds(pts, timeBase: timeBase), isKeyFrame: frame.isKeyFrame)
        }
        let pixels = try converter.convert(frame, path: path)
        return VideoFrame(layout: options.layout, width: pixels.width, height: pixels.height, stride: pixels.stride,
                          bytes: pixels.bytes, floats: pixels.floats, pts: pts, timeBase: timeBase, frameIndex: frameIndex,
                          seconds: clock.seconds(pts, timeBase: timeBase), isKeyFrame: frame.isKeyFrame)
    }

    private func seconds(of frame: FFFrame) -> Double {
        clock.seconds(frame.presentationTime ?? 0, timeBase: timeBase)
    }

    // MARK: fps

    struct FpsState {
        let period: Double
        /// The frame on screen so far, its index, time, converted pixels (once asked for).
        var held = FFFrame()
        var heldIndex = -1
        var heldTime = 0.0
        var heldConverted: VideoFrame?
        var firstTime: Double?
        var instant = 0
        var frameDuration = 0.0
    }

    private func stepFps(_ fps: inout FpsState) throws {
        guard try decode() else {
            finished = true
            guard fps.heldIndex >= 0, let first = fps.firstTime else { return }
            // The last frame stays on screen for one frame duration.
            let end = fps.heldTime + max(fps.frameDuration, 1e-6)
            repeat {
                try emitHeld(&fps)
                fps.instant += 1
            } while first + Double(fps.instant) * fps.period < end - 1e-9
            return
        }
        let time = seconds(of: loop.frame)
        if fps.heldIndex >= 0 { fps.frameDuration = max(0, time - fps.heldTime) }
        var first = fps.firstTime ?? time
        if time - (first + Double(fps.instant) * fps.period) > FrameReader.maximumGap {
            // A jump of the timestamps (a damaged or concatenated file) would repeat the held frame
            // for hours: restart the output clock at this frame instead.
            first = time - Double(fps.instant) * fps.period
            if fps.heldIndex >= 0 { try emitHeld(&fps) }
            fps.instant += fps.heldIndex >= 0 ? 1 : 0
            first = time - Double(fps.instant) * fps.period
        }
        fps.firstTime = first
        // Every instant before this frame's time shows the held frame.
        while fps.heldIndex >= 0 && first + Double(fps.instant) * fps.period < time - 1e-9 {
            try emitHeld(&fps)
            fps.instant += 1
        }
        fps.held.take(from: loop.frame)
        fps.heldIndex = decodedCount - 1
        fps.heldTime = time
        fps.heldConverted = nil
    }

    /// The longest gap between two frames that `fps` sampling fills by repeating a frame (seconds).
    static let maximumGap = 600.0

    private func emitHeld(_ fps: inout FpsState) throws {
        if let converted = fps.heldConverted {
            queue.append(converted)
            return
        }
        let frame = try makeFrame(fps.held, index: fps.heldIndex)
        if convertPixels { fps.heldConverted = frame }
        queue.append(frame)
    }

    // MARK: scene

    struct SceneState {
        let threshold: Double
        let thumbnailer = FFScaler(flags: tandem_SWS_AREA)
        var previous: [UInt8]?
    }

    private func stepScene(_ scene: inout SceneState) throws {
        guard try decode() else { finished = true; return }
        let side = 32
        var thumbnail = [UInt8](repeating: 0, count: side * side)
        try thumbnail.withUnsafeMutableBufferPointer { buffer in
            try scene.thumbnailer.scale(loop.frame, to: AV_PIX_FMT_GRAY8, width: side, height: side,
                                        destination: buffer.baseAddress!, stride: side, path: path)
        }
        defer { scene.previous = thumbnail }
        if let previous = scene.previous {
            var total = 0
            for i in 0..<thumbnail.count { total += abs(Int(thumbnail[i]) - Int(previous[i])) }
            let change = Double(total) / Double(thumbnail.count * 255)
            guard change > scene.threshold else { return }
        }
        queue.append(try makeFrame(loop.frame, index: decodedCount - 1))
    }

    // MARK: index-based targets

    struct TargetState {
        /// Frame indices in output order (may repeat, may go backwards).
        let order: [Int]
        /// The distinct indices, ascending: the order frames are decoded in.
        let ascending: [Int]
        /// How often each index occurs in `order`.
        let multiplicity: [Int: Int]
        let streamsInOrder: Bool
        let exact: Bool
        let wantedPts: Set<Int64>
        var next = 0
        /// Frames kept until all are decoded, when `order` is not ascending.
        var captured: [Int: VideoFrame] = [:]

        init(order: [Int], exact: Bool, targetPts index: PacketIndex) {
            self.order = order
            ascending = Array(Set(order)).sorted()
            multiplicity = order.reduce(into: [:]) { $0[$1, default: 0] += 1 }
            streamsInOrder = zip(order, order.dropFirst()).allSatisfy { $0 <= $1 }
            self.exact = exact
            wantedPts = exact ? Set(ascending.map { index.sortedPts[$0] }) : []
        }
    }

    /// Where reading is, in the index's decode order: the entry of the last packet read.
    private var lastReadEntry: Int?
    /// After a seek, the entry we must land at or before.
    private var landingLimit: Int?
    private var landedLate = false
    private var seekingDisabled = false

    private func noteRead(_ packet: FFPacket) {
        guard let index else { return }
        let entry = index.entry(pts: packet.pts)
        if let limit = landingLimit {
            landingLimit = nil
            if entry == nil || entry! > limit { landedLate = true }
        }
        if let entry { lastReadEntry = entry }
    }

    private func stepTargets(_ targets: inout TargetState) throws {
        guard targets.next < targets.ascending.count else {
            finishTargets(&targets)
            return
        }
        let target = targets.ascending[targets.next]
        if targets.exact, let index, !seekingDisabled {
            let start = index.seekEntry(forFrame: target)
            if lastReadEntry.map({ start > $0 }) ?? (start > 0) {
                try seek(toEntry: start, index: index)
            }
        }
        // Decode forward until the target (or, if the decoder cannot produce it, the next frame after it).
        while true {
            guard try decode() else {
                // The stream ended before the remaining targets: nothing more can be returned.
                targets.next = targets.ascending.count
                finishTargets(&targets)
                return
            }
            if landedLate {
                // The demuxer landed after the key frame we need: start over from the beginning
                // and decode forward from there for the rest of this reader's life.
                landedLate = false
                seekingDisabled = true
                try seek(toEntry: 0, index: index!)
                continue
            }
            let frameIndex = targets.exact ? indexOfDecoded() : decodedCount - 1
            if frameIndex < target { continue }
            let frame = try makeFrame(loop.frame, index: frameIndex)
            // One decoded frame may answer several targets when the decoder skipped one.
            while targets.next < targets.ascending.count && targets.ascending[targets.next] <= frameIndex {
                let answered = targets.ascending[targets.next]
                if targets.streamsInOrder {
                    queue.append(contentsOf: repeatElement(frame, count: targets.multiplicity[answered] ?? 1))
                } else {
                    targets.captured[answered] = frame
                }
                targets.next += 1
            }
            return
        }
    }

    private func finishTargets(_ targets: inout TargetState) {
        finished = true
        if !targets.streamsInOrder {
            queue.append(contentsOf: targets.order.compactMap { targets.captured[$0] })
            targets.captured = [:]
        }
    }

    private func seek(toEntry entry: Int, index: PacketIndex) throws {
        try loop.seek(timestamp: index.seekTimestamp(entry: entry))
        seekCount += 1
        landingLimit = entry
        lastReadEntry = nil
    }

    // MARK: timestamps

    /// The frame on screen at `seconds` on the file clock: the last frame whose time is not after it.
    static func frameOnScreen(at seconds: Double, index: PacketIndex, clock: MediaClock, timeBase: Rational) -> Int {
        guard index.frameCount > 0 else { return 0 }
        let pts = Int64(((seconds + Double(clock.originMicroseconds) / 1e6) / timeBase.doubleValue).rounded(.down))
        var low = 0, high = index.frameCount
        while low < high {
            let mid = (low + high) / 2
            if index.sortedPts[mid] <= pts { low = mid + 1 } else { high = mid }
        }
        return max(0, low - 1)
    }

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
        case .shorterSide(let side): [side]
        case .shorterSideCenterCrop(let side, let w, let h): [side, w, h]
        }
        if sizes.contains(where: { $0 <= 0 || $0 > 16384 }) { throw fail("output sizes must be in 1…16384") }
    }
}
