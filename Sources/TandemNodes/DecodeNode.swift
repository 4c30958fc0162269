import Foundation
import TandemCore
import TandemMedia

/// `decode`: the source of most pipelines — decodes the input file's audio and/or video.
///
/// Only the outputs that are connected are decoded. When both are, packets are emitted in media
/// time order (the earlier of the next audio chunk and the next frame first), so downstream nodes
/// that join audio and video see them interleaved as in the file. Decoding runs on the node's own
/// thread (see `GraphExecution`), never on Swift's cooperative pool.
///
/// A `sample-frames` node reading this node's video alone hands its choice to this node
/// (`FrameSelectionTaking`, see `Graph.moveFrameSelectionsUpstream`), so frames it would drop are
/// never scaled or converted: `fps` becomes this node's own `fps` sampling (the same `FpsSchedule`),
/// `every` and `first` skip frames unconverted and stop decoding video after the first n.
public struct DecodeNode: ValidatingNode, FrameSelectionTaking {
    public static let descriptor = NodeDescriptor(
        kind: "decode", doc: "Decode the input file's audio and video (only the connected outputs).",
        outputs: [PortSpec("audio", .audio, "planar Float32 chunks on the file's clock"),
                  PortSpec("video", .video, "frames, sampled and resized as asked")],
        parameters: [
            ParameterSpec("sample_rate", .int(0...768_000), default: .int(0), "audio output rate in Hz; 0 keeps the stream's"),
            ParameterSpec("max_sample_rate", .int(0...768_000), default: .int(0),
                          "with sample_rate 0: audio faster than this is resampled down to it (88.2 kHz to 44.1 with 48000); 0: no limit"),
            ParameterSpec("channels", .int(0...64), default: .int(0), "audio output channels; 0 keeps the stream's"),
            ParameterSpec("chunk_frames", .int(16...(1 << 22)), default: .int(4096), "audio samples per channel in each packet"),
            ParameterSpec("sampling", .choice(["all", "fps", "uniform", "segments", "clips", "keyframes", "scene"]), default: .string("all"),
                          "which frames: every frame, a constant rate, N evenly spread, segment middles, clips, key frames, scene changes"),
            ParameterSpec("frames", .string, default: .string(""),
                          "which frames, in `tandem frames --sampling` form (all, keyframes, fps:R, uniform:N, segments:N, clips:NxFxS, timestamps:T1,T2,…, scene:T); replaces sampling and its parameters when set"),
            ParameterSpec("fps", .double(0.0001...1000), default: .double(1), "frames per second for sampling: fps"),
            ParameterSpec("count", .int(1...100_000), default: .int(8), "frames (uniform, segments) or clips (clips)"),
            ParameterSpec("clip_frames", .int(1...10_000), default: .int(8), "frames per clip (sampling: clips)"),
            ParameterSpec("clip_stride", .int(1...10_000), default: .int(1), "frame step inside a clip (sampling: clips)"),
            ParameterSpec("scene_threshold", .double(0...1), default: .double(0.3), "picture change that starts a scene (sampling: scene)"),
            ParameterSpec("layout", .choice(["rgb24", "gray8", "float32"]), default: .string("rgb24"), "pixel layout of frames"),
            ParameterSpec("resize", .choice(["none", "exact", "shorter-side", "shrink", "center-crop", "letterbox"]), default: .string("none"),
                          "how frames are sized (uses width, height, side); shrink: shorter side at most side, never enlarged"),
            ParameterSpec("size", .string, default: .string(""),
                          "frame size, in `tandem frames --size` form (none, WxH, S, max:S, S/WxH, box:WxH); replaces resize, width, height and side when set"),
            ParameterSpec("width", .int(2...16384), default: .int(224), "target width for exact, center-crop, letterbox"),
            ParameterSpec("height", .int(2...16384), default: .int(224), "target height for exact, center-crop, letterbox"),
            ParameterSpec("side", .int(2...16384), default: .int(256), "shorter side for shorter-side, shrink and center-crop"),
            ParameterSpec("max_side", .int(0...16384), default: .int(0),
                          "longest side a frame may have after none, shorter-side or shrink (a longer picture is scaled down further, keeping its shape: a 1-pixel-wide video stays small); 0: no limit"),
            ParameterSpec("interpolation", .choice(VideoDecodeOptions.Interpolation.allCases.map(\.rawValue)), default: .string("bilinear"),
                          "libswscale filter used when resizing"),
            ParameterSpec("threads", .int(0...64), default: .int(0), "decoder threads; 0 lets FFmpeg choose"),
            ParameterSpec("square_pixels", .bool, default: .bool(true),
                          "show non-square pixels as the file asks (720x576 at 64:45 becomes 1024x576); false: the stored pixels"),
            ParameterSpec("deinterlace", .bool, default: .bool(true),
                          "convert pictures marked interlaced from their top field, without the comb of two fields; false: both fields as stored"),
            ParameterSpec("audio_stream", .int(-1...65_535), default: .int(-1),
                          "the file's stream to decode as audio, by the number `tandem probe` prints (a second language, a commentary track); -1 lets FFmpeg choose"),
            ParameterSpec("video_stream", .int(-1...65_535), default: .int(-1),
                          "the file's stream to decode as video, by the number `tandem probe` prints (an attached picture only this way); -1 picks the main video"),
            ParameterSpec("missing_video", .choice(["fail", "skip"]), default: .string("fail"),
                          "a file without a video stream: fail, or skip (the video output just ends; for audio-visual nodes with an audio-only fallback)"),
            ParameterSpec("missing_audio", .choice(["fail", "skip"]), default: .string("fail"),
                          "a file without an audio stream: fail, or skip (the audio output just ends; for nodes that note it and go on)"),
        ])

    public static func problems(in parameters: NodeParameters) -> [NodeParameterProblem] {
        var problems: [NodeParameterProblem] = []
        let frames = parameters.string("frames"), size = parameters.string("size")
        if !frames.isEmpty, FrameSampling(parsing: frames) == nil {
            problems.append(NodeParameterProblem(parameter: "frames", message: "frames '\(frames)' is not one of all, keyframes, fps:R, uniform:N, "
                                                 + "segments:N, clips:NxFxS, timestamps:T1,T2,…, scene:T"))
        }
        if !size.isEmpty, ResizeMode(parsing: size) == nil {
            problems.append(NodeParameterProblem(parameter: "size", message: "size '\(size)' is not one of none, WxH, S, max:S, S/WxH, box:WxH "
                                                 + "(positive whole numbers of pixels)"))
        }
        return problems
    }

    private let audioOptions: AudioDecodeOptions
    private let videoOptions: VideoDecodeOptions
    private var sampling: FrameSampling
    /// A `sample-frames` choice taken over from downstream (`fps` also becomes `sampling`).
    private var selection: FrameSelection?
    /// Frames the reader has passed, kept or skipped, for `selection`.
    private var framesSeen = 0
    private let skipMissingVideo: Bool
    private let skipMissingAudio: Bool
    private var audio: AudioReader?
    private var video: FrameReader?
    private var nextChunk: AudioBuffer?
    private var nextFrame: VideoFrame?
    private var context: NodeContext?
    /// The container's duration, for streams that state none of their own.
    private var fileDuration: Double?
    /// The file's earliest start (seconds, the streams' own time): time 0 of the file's clock.
    private var clockOrigin = 0.0
    /// Where the last emitted audio chunk ended (seconds).
    private var audioEnd: Double?
    /// Frames sent on the video output, so a video stream that gave none is reported.
    private var framesEmitted = 0

    public init(parameters: NodeParameters) throws {
        let rate = parameters.int("sample_rate"), channels = parameters.int("channels")
        let audioStream = parameters.int("audio_stream"), videoStream = parameters.int("video_stream")
        let maximumRate = parameters.int("max_sample_rate")
        audioOptions = AudioDecodeOptions(sampleRate: rate == 0 ? nil : rate, channels: channels == 0 ? nil : channels,
                                          chunkFrames: parameters.int("chunk_frames"), streamIndex: audioStream < 0 ? nil : audioStream,
                                          maximumSampleRate: maximumRate == 0 ? nil : maximumRate)
        let layout: PixelLayout = switch parameters.string("layout") {
        case "gray8": .gray8
        case "float32": .float32CHW
        default: .rgb24
        }
        if let problem = Self.problems(in: parameters).first {
            throw NodeError(code: .invalidParameters, message: problem.message)
        }
        let resize = Self.resizeMode(parameters)
        skipMissingVideo = parameters.string("missing_video") == "skip"
        skipMissingAudio = parameters.string("missing_audio") == "skip"
        var videoOptions = VideoDecodeOptions(layout: layout, resize: resize, threads: parameters.int("threads"),
                                              streamIndex: videoStream < 0 ? nil : videoStream)
        videoOptions.interpolation = VideoDecodeOptions.Interpolation(rawValue: parameters.string("interpolation")) ?? .bilinear
        videoOptions.squarePixels = parameters.bool("square_pixels")
        videoOptions.deinterlace = parameters.bool("deinterlace")
        videoOptions.maximumSide = parameters.int("max_side") == 0 ? nil : parameters.int("max_side")
        self.videoOptions = videoOptions
        if let frames = FrameSampling(parsing: parameters.string("frames")) {
            sampling = frames
            return
        }
        sampling = switch parameters.string("sampling") {
        case "fps": .fps(parameters.double("fps"))
        case "uniform": .uniform(count: parameters.int("count"))
        case "segments": .segments(count: parameters.int("count"))
        case "clips": .clips(count: parameters.int("count"), frames: parameters.int("clip_frames"), stride: parameters.int("clip_stride"))
        case "keyframes": .keyframes
        case "scene": .scene(threshold: parameters.double("scene_threshold"))
        default: .all
        }
    }

    /// `size` when set, else `resize` with `width`, `height` and `side`.
    static func resizeMode(_ parameters: NodeParameters) -> ResizeMode {
        if let size = ResizeMode(parsing: parameters.string("size")) { return size }
        let width = parameters.int("width"), height = parameters.int("height"), side = parameters.int("side")
        return switch parameters.string("resize") {
        case "exact": .exact(width: width, height: height)
        case "shorter-side": .shorterSide(side)
        case "shrink": .shorterSideAtMost(side)
        case "center-crop": .shorterSideCenterCrop(side: side, width: width, height: height)
        case "letterbox": .letterbox(width: width, height: height)
        default: .none
        }
    }

    public mutating func start(_ context: NodeContext) throws {
        self.context = context
        guard let url = context.input?.url else {
            throw NodeError(code: .invalidGraph, message: "decode needs an input file; run it with `tandem run` or give GraphExecution an input")
        }
        // The header once: the stated duration (for the truncation check) and which streams exist. When it
        // cannot be read, the readers below fail with the reason.
        let header = try? MediaFile.open(url).info
        fileDuration = header?.durationSeconds
        clockOrigin = header?.startSeconds ?? 0
        // A stream asked for by number, or a file whose header cannot be read, counts as there: the reader
        // reports what is wrong with it.
        func has(_ kind: MediaInfo.StreamType) -> Bool {
            let requested = kind == .audio ? audioOptions.streamIndex : videoOptions.streamIndex
            return requested != nil || header.map { $0.firstStream(kind) != nil } ?? true
        }
        if context.connectedOutputs.contains("audio") {
            if skipMissingAudio && !has(.audio) {
                context.warn("no audio stream: the audio output ends without samples")
            } else {
                let reader = try AudioReader(url: url, options: audioOptions)
                audio = reader
                if audioOptions.streamIndex == nil, let header, let note = Self.streamChoice(reader.stream, among: header) { context.warn(note) }
                nextChunk = try reader.next()
            }
        }
        if context.connectedOutputs.contains("video") {
            if skipMissingVideo && !has(.video) {
                context.warn("no video stream: the video output ends without frames")
            } else {
                let reader = try FrameReader(url: url, sampling: sampling, options: videoOptions)
                video = reader
                nextFrame = try nextSelectedFrame()
            }
        }
    }

    /// With several audio streams in the file (languages, a commentary, a second mix) and none asked for: which
    /// one is decoded and how to pick another, since every output then follows that one choice. nil with one stream.
    static func streamChoice(_ chosen: MediaInfo.Stream, among header: MediaInfo) -> String? {
        let others = header.streams.filter { $0.type == .audio && $0.index != chosen.index }
        guard !others.isEmpty else { return nil }
        func describe(_ s: MediaInfo.Stream) -> String {
            "#\(s.index) (" + ([s.codec] + [s.channelLayout, s.sampleRate.map { "\($0) Hz" }].compactMap { $0 }).joined(separator: ", ") + ")"
        }
        return "the file has \(others.count + 1) audio streams: decoded \(describe(chosen)), FFmpeg's choice; not \(others.map(describe).joined(separator: ", ")) "
            + "(audio_stream picks another, by the number `tandem probe` prints)"
    }

    public mutating func takeFrameSelection(_ selection: FrameSelection, onOutput port: String) -> Bool {
        guard port == "video", case .all = sampling, self.selection == nil else { return false }
        // `fps` is the reader's own sampling (the same `FpsSchedule`), which holds each frame
        // unconverted until it knows whether an instant shows it.
        if case .fps(let rate) = selection { sampling = .fps(rate) }
        self.selection = selection
        return true
    }

    /// The reader's next frame that `selection` keeps; the others are skipped without conversion.
    private mutating func nextSelectedFrame() throws -> VideoFrame? {
        guard let video else { return nil }
        switch selection {
        case .every(let n):
            while framesSeen % n != 0 {
                guard try video.skip() else { return nil }
                framesSeen += 1
            }
        case .first(let n):
            // Nothing after the first n is wanted: stop decoding video there.
            guard framesSeen < n else { return nil }
        case .fps, nil:
            break
        }
        framesSeen += 1
        return try video.next()
    }

    public mutating func produce(output: NodeOutput) throws -> Bool {
        guard nextChunk != nil || nextFrame != nil else {
            warnAboutDamage()
            return false
        }
        if let chunk = nextChunk, nextFrame.map({ chunk.startSeconds <= $0.seconds }) ?? true {
            try output.emit(.audio(chunk), port: "audio")
            audioEnd = chunk.startSeconds + Double(chunk.frameCount) / Double(chunk.sampleRate)
            nextChunk = try audio?.next()
        } else if let frame = nextFrame {
            try output.emit(.video(frame), port: "video")
            framesEmitted += 1
            nextFrame = try nextSelectedFrame()
        }
        return true
    }

    /// True when the video reader goes through the whole stream, so that it knows where it ends: every frame
    /// decoded, or `fps` (sequential, or over an exact packet index when the rate is low), whether this node's
    /// own sampling or a `sample-frames` choice taken over; not this node's other sparse samplings, nor `first`.
    private var readsWholeVideo: Bool {
        switch selection {
        case .first: false
        case .fps, .every: true
        case nil:
            switch sampling {
            case .all, .fps: true
            default: false
            }
        }
    }

    /// Says so when the file held less than it claims (packets FFmpeg could not decode, a stream that stops
    /// well before its stated duration: a truncated download, an interrupted recording), or when one stream
    /// ends well before the other (`lengthWarnings`). Each still gives a usable, shorter or patchier, result,
    /// so the run goes on, but "ok" alone would hide it.
    private mutating func warnAboutDamage() {
        guard let context else { return }
        func skippedPackets(_ kind: String, _ skipped: Int) {
            if skipped > 0 { context.warn("\(skipped) damaged \(kind) packet\(skipped == 1 ? "" : "s") skipped") }
        }
        // Sparse sampling ends before the stream by design: only a reader that went through the whole
        // stream (decoding every frame, or indexing every packet) says where it stops.
        let audioLength = audio.map { StreamLength(end: audioEnd ?? 0, stated: statedEnd(of: $0.stream)) }
        let videoLength = readsWholeVideo && framesEmitted > 0 ? video.map { StreamLength(end: $0.streamEndSeconds ?? 0, stated: statedEnd(of: $0.stream)) } : nil
        for warning in Self.lengthWarnings(audio: audioLength, video: videoLength, fileDuration: fileDuration) { context.warn(warning) }
        if let audio {
            skippedPackets("audio", audio.corruptPacketCount + audio.decodeErrorCount)
            if audio.gapSeconds > 0 { context.warn(String(format: "%.2f s of missing audio filled with silence to keep the rest in place", audio.gapSeconds)) }
        }
        if let change = video?.pictureSizeChange { context.warn("\(change)") }
        if video != nil, framesEmitted == 0 {
            context.warn("the video stream gave no picture (damaged, or cut before its first frame): the video output ends without frames")
        }
        if let video, readsWholeVideo { skippedPackets("video", video.corruptPacketCount + video.decodeErrorCount) }
        self.context = nil
    }

    /// Where `stream` should end on the file's clock by its own header entry (its start plus the duration it
    /// states: MP4 always, Matroska in a `DURATION` tag); nil when it states none.
    private func statedEnd(of stream: MediaInfo.Stream) -> Double? {
        stream.durationSeconds.map { $0 + (stream.startSeconds ?? clockOrigin) - clockOrigin }
    }

    /// Where a stream read through its whole length ended on the file's clock, and where its own header entry
    /// says it ends (`statedEnd(of:)`; nil when unstated).
    struct StreamLength {
        var end: Double
        var stated: Double?
    }

    /// What the streams' ends say, each sentence true of the file: a stream that stops well before the
    /// duration stated for it is truncated or damaged; a stream that ends well before the other, where that
    /// other reaches the file's end, is simply the shorter track (an audio track recorded for part of the
    /// video, a video cut shorter than its sound) — named, with both times, not taken for damage. With one
    /// stream read and no duration stated for it, the file's duration alone cannot tell the two apart, and
    /// the sentence says so.
    /// - Parameters:
    ///   - audio, video: the streams read through (nil: not decoded, or sampled sparsely).
    ///   - fileDuration: the container's duration (the longest stream's).
    static func lengthWarnings(audio: StreamLength?, video: StreamLength?, fileDuration: Double?) -> [String] {
        /// More than a second, and more than 5 %, short of `whole`.
        func short(_ end: Double, of whole: Double) -> Bool { whole - end > max(1, 0.05 * whole) }
        var warnings: [String] = []
        var damaged = false
        let streams = [("audio", audio), ("video", video)]
        for (index, (kind, length)) in streams.enumerated() {
            guard let length else { continue }
            let end = String(format: "%.1f", length.end)
            if let stated = length.stated {
                if short(length.end, of: stated) {
                    warnings.append("the \(kind) stream ends at \(end) s of the " + String(format: "%.1f", stated) + " s its header states (truncated or damaged?)")
                    damaged = true
                }
                continue
            }
            guard let file = fileDuration, short(length.end, of: file) else { continue }
            let other = streams[1 - index].1
            if let other, !short(other.end, of: file) { continue }  // the shorter track: said below
            let whole = String(format: "%.1f", file)
            warnings.append(other == nil
                ? "the \(kind) stream ends at \(end) s of the \(whole) s the file states (shorter than the file's other streams, or truncated or damaged)"
                : "the \(kind) stream ends at \(end) s of the \(whole) s the file states, and the \(streams[1 - index].0) at " + String(format: "%.1f", other!.end)
                  + " s (truncated or damaged?)")
            damaged = true
        }
        if !damaged, let audio, let video, short(min(audio.end, video.end), of: max(audio.end, video.end)) {
            let (shorter, longer) = audio.end < video.end ? (("audio", audio.end), ("video", video.end)) : (("video", video.end), ("audio", audio.end))
            warnings.append("the \(shorter.0) stream ends at " + String(format: "%.1f", shorter.1) + " s, " + String(format: "%.1f", longer.1 - shorter.1)
                            + " s before the \(longer.0) stream (" + String(format: "%.1f", longer.1) + " s): the file's \(shorter.0) track stops first (not a cut-off file)")
        }
        return warnings
    }
}
