import Foundation
import TandemCore
import TandemMedia
import TandemModels
import TandemNN
import TandemVision

/// `sound-of-pixels`: separation with the published Sound of Pixels MUSIC model (`SoundOfPixels`),
/// one source per region of the picture: the user's `regions`, or a grid (columns by default: one
/// player per column).
///
/// Around every 6 s window the frame net sees the whole picture (3 frames 3 s apart, shorter side
/// resized to the model's size, not cropped: the net is convolutional), and each region's K weights are
/// its feature map pooled over the region (max over frames and the feature pixels the region covers,
/// then sigmoid), as the paper selects a pixel and the repository's `forward_multiframe` pools a whole
/// frame; the sliding-window `SoundOfPixels.Stream` separates the recording with cross-faded windows
/// as it arrives: a window is separated once the frames around its centre are in, the finished samples
/// are sent on, and only the frames later windows can still pick are kept, so memory does not grow with
/// the input. Audio must arrive at the model's 11025 Hz mono and frames
/// at its 8 fps (`decode` with `sample_rate: 11025, channels: 1, sampling: fps, fps: 8`).
/// Outputs follow `separate`'s protocol (`sources` per stretch, one packet per region, then `notes`
/// and `regions` at the end), so `write-sources` writes them.
///
/// The weights are the official checkpoints converted by `Tools/convert_sound_of_pixels.py`; a
/// missing file is reported when the pipeline is validated, before any input is opened.
public struct SoundOfPixelsNode: ValidatingNode {
    public static let descriptor = NodeDescriptor(
        kind: "sound-of-pixels", doc: "Separate the sound of each picture region with Sound of Pixels (converted safetensors weights).",
        inputs: [PortSpec("audio", .audio, "11025 Hz mono (decode with sample_rate: 11025, channels: 1)"),
                 PortSpec("video", .video, "RGB frames at 8 fps (decode with sampling: fps, fps: 8)")],
        outputs: [PortSpec("sources", .audio, "per stretch of time, one packet per region in the order of regions"),
                  PortSpec("regions", .segments, "one segment per source carrying its region (name, box, confidence 1)"),
                  PortSpec("notes", .segments, "what was done, one sentence per segment label")],
        parameters: [
            ParameterSpec("weights", .string, default: .string("Models/sound-of-pixels.safetensors"),
                          "the safetensors file made by Tools/convert_sound_of_pixels.py"),
            ParameterSpec("grid", .string, default: .string("1x2"), "ROWSxCOLUMNS regions, one source each (when no regions are given)"),
            ParameterSpec("regions", .string, default: .string(""),
                          "the players' regions in video pixels, 'x,y,w,h;x,y,w,h', one source each; empty: the grid"),
            ParameterSpec("masks", .choice(["binary", "ratio"]), default: .string("binary"), "binary masks (published) or sigmoid ratio masks"),
            ParameterSpec("window_samples", .int(1023...1_048_575), default: .int(SoundOfPixelsConfiguration().windowSamples),
                          "samples per window (published: 65535); only reduced networks trained otherwise need another"),
            ParameterSpec("image_size", .int(16...1024), default: .int(SoundOfPixelsConfiguration().imageSize),
                          "frame side the frame net sees (published: 224)"),
        ])

    public static func problems(in parameters: NodeParameters) -> [NodeParameterProblem] {
        var problems: [NodeParameterProblem] = []
        let path = parameters.string("weights")
        let url = ModelDirectory.resolve(path)
        if path.isEmpty || !FileManager.default.fileExists(atPath: url.path) {
            problems.append(NodeParameterProblem(parameter: "weights", message: "Sound of Pixels weights \(url.path) do not exist: \(SoundOfPixels.howToObtain)"))
        }
        let grid: (rows: Int, columns: Int)? = try? SeparateNode.grid(parameters.string("grid"))
        if grid == nil {
            problems.append(NodeParameterProblem(parameter: "grid", message: "grid wants ROWSxCOLUMNS (each 1...16), got '\(parameters.string("grid"))'"))
        }
        do { _ = try SeparateNode.regions(parameters.string("regions")) } catch let error as NodeError {
            problems.append(NodeParameterProblem(parameter: "regions", message: error.message))
        } catch {
            problems.append(NodeParameterProblem(parameter: "regions", message: "\(error)"))
        }
        return problems
    }

    private let weights: URL
    private let grid: (rows: Int, columns: Int)
    /// User regions in the source video's pixels.
    private let userRegions: [MotionRegion]?
    private let configuration: SoundOfPixelsConfiguration
    private var input: URL?
    private var model: SoundOfPixels?
    /// Audio received but not yet given to the stream: its windows wait for the frames around their centres.
    private var queued: [AudioBuffer] = []
    private var queuedFrames = 0
    private var audioFormat: AudioBuffer?
    /// Samples handed on per source so far (the next stretch's position).
    private var emitted = 0
    private var stream: SoundOfPixels.Stream?
    private var frames = FrameWindow()
    /// The regions on the received frames, fixed by the first frame.
    private var regions: [(label: String, x: Int, y: Int, width: Int, height: Int)] = []
    /// Source video pixels per received-frame pixel (frames may be decoded smaller).
    private var regionScale = 1.0

    /// The frames later windows may still pick (by nearest time), shared with the stream's callback.
    final class FrameWindow {
        var frames: [VideoFrame] = []
        var latestSeconds = -Double.infinity

        /// Keeps the frames a window centred at or after `seconds` can pick: the last one at or before it, and all after.
        func drop(before seconds: Double) {
            guard let keep = frames.lastIndex(where: { $0.seconds <= seconds }), keep > 0 else { return }
            frames.removeFirst(keep)
        }
    }

    /// Audio waits at most this long beyond the frames it needs; past it the video is taken to have ended.
    static let frameWaitSeconds = 20.0

    public init(parameters: NodeParameters) throws {
        if let problem = Self.problems(in: parameters).first { throw NodeError(code: .invalidParameters, message: problem.message) }
        weights = ModelDirectory.resolve(parameters.string("weights"))
        grid = try SeparateNode.grid(parameters.string("grid")) ?? (1, 2)
        userRegions = try SeparateNode.regions(parameters.string("regions"))
        var configuration = SoundOfPixelsConfiguration()
        configuration.binaryMask = parameters.string("masks") == "binary"
        configuration.windowSamples = parameters.int("window_samples")
        configuration.imageSize = parameters.int("image_size")
        self.configuration = configuration
    }

    public mutating func start(_ context: NodeContext) throws {
        input = context.input?.url
        let url = weights
        var model = try ModelCache.shared.model("sound-of-pixels:" + url.standardizedFileURL.path) { try SoundOfPixels(weightsAt: url) }
        model.configuration = configuration
        self.model = model
    }

    public mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        switch packet {
        case .audio(let chunk):
            guard chunk.frameCount > 0 else { return }
            if audioFormat == nil {
                let rate = configuration.sampleRate
                guard chunk.sampleRate == rate, chunk.channelCount == 1 else {
                    throw NodeError(code: .nodeFailed, message: "sound-of-pixels needs \(rate) Hz mono audio, got \(chunk.sampleRate) Hz × "
                                    + "\(chunk.channelCount); decode with sample_rate: \(rate), channels: 1")
                }
                audioFormat = chunk
            }
            queued.append(chunk)
            queuedFrames += chunk.frameCount
            try pushReady(output: output, final: false)
        case .video(let frame):
            if frames.frames.isEmpty { try checkRegions(against: frame) }
            frames.frames.append(frame)
            frames.latestSeconds = max(frames.latestSeconds, frame.seconds)
            try pushReady(output: output, final: false)
        default: break
        }
    }

    /// Gives the stream the queued audio whose windows have their frames, and sends on what it finished;
    /// with `final`, everything left, then the stream's last window.
    private mutating func pushReady(output: NodeOutput, final: Bool) throws {
        guard let format = audioFormat, let model else { return }
        // Once a frame arrived one is always kept (the window drops only frames no later window can pick).
        guard let first = frames.frames.first else {
            if final {
                throw NodeError(code: .nodeFailed, message: "sound-of-pixels: the input has no video frames; Sound of Pixels needs the picture "
                                + "(use the separate node, which falls back to an audio-only split)")
            }
            return
        }
        let config = model.configuration
        let rate = Double(config.sampleRate)
        let origin = format.startSeconds
        let latest = config.frameOffsets.max() ?? 0
        while let chunk = queued.first {
            if !final {
                // The last window this chunk can complete is centred half a window before its end; its
                // frames are decided once a frame at or after its latest offset has arrived.
                let end = Double(emittedInput + chunk.frameCount) / rate
                let needed = origin + end - config.windowSeconds / 2 + latest
                let waitedTooLong = Double(queuedFrames) / rate > Self.frameWaitSeconds + config.windowSeconds
                guard frames.latestSeconds >= needed || waitedTooLong else { return }
            }
            queued.removeFirst()
            queuedFrames -= chunk.frameCount
            let stream = try makeStream(model: model, first: first, origin: origin)
            try send(try stream.push(chunk.channels[0].array), format: format, output: output)
            emittedInput += chunk.frameCount
        }
        if final, let stream { try send(try stream.finish(), format: format, output: output) }
    }

    /// Samples given to the stream so far.
    private var emittedInput = 0

    /// The user's regions against the video's size, which the first frame carries (`sourceWidth`/`sourceHeight`):
    /// a region outside the picture fails this input, naming it, before anything is separated.
    private func checkRegions(against frame: VideoFrame) throws {
        if let userRegions,
           let problem = MotionGuidedSeparation.problems(with: userRegions, width: frame.sourceWidth, height: frame.sourceHeight).first {
            throw NodeError(code: .invalidParameters, message: "sound-of-pixels: \(input?.lastPathComponent ?? "the input"): \(problem)")
        }
    }

    /// The stream, made at the first window: the regions are placed on the first frame's picture.
    private mutating func makeStream(model: SoundOfPixels, first: VideoFrame, origin: Double) throws -> SoundOfPixels.Stream {
        if let stream { return stream }
        let scale = Double(first.sourceWidth) / Double(first.width)
        regionScale = scale
        if let userRegions {
            for (i, r) in userRegions.enumerated() {
                let x = Int(Double(r.x) / scale), y = Int(Double(r.y) / scale)
                let box = (x, y, max(1, min(first.width - x, Int(Double(r.width) / scale))), max(1, min(first.height - y, Int(Double(r.height) / scale))))
                guard x >= 0, y >= 0, x < first.width, y < first.height else {
                    throw NodeError(code: .invalidParameters, message: "sound-of-pixels: region \(r.x),\(r.y),\(r.width),\(r.height) lies outside the picture")
                }
                regions.append(("region\(i)", box.0, box.1, box.2, box.3))
            }
        } else {
            let columnWidth = first.width / grid.columns, rowHeight = first.height / grid.rows
            for r in 0..<grid.rows {
                for c in 0..<grid.columns {
                    regions.append(("r\(r)c\(c)", c * columnWidth, r * rowHeight, columnWidth, rowHeight))
                }
            }
        }
        let boxes = regions.map { ($0.x, $0.y, $0.width, $0.height) }
        let window = frames
        let offsets = model.configuration.frameOffsets
        let earliest = offsets.min() ?? 0
        let stream = SoundOfPixels.Stream(model: model, sources: regions.count) { center in
            let picked = offsets.map { offset in Self.nearest(window.frames, to: origin + center + offset) }
            // Later windows are centred later: frames before this centre's earliest pick are not needed again.
            window.drop(before: origin + center + earliest)
            return try Self.regionVectors(model, frames: picked, boxes: boxes)
        }
        self.stream = stream
        return stream
    }

    /// Sends one stretch (one array per source) as one packet per region at its exact position.
    private mutating func send(_ sources: [[Float]], format: AudioBuffer, output: NodeOutput) throws {
        guard let count = sources.first?.count, count > 0 else { return }
        for samples in sources {
            try output.emit(.audio(AudioBuffer(sampleRate: format.sampleRate, channelLayout: format.channelLayout,
                                               firstSample: format.firstSample + Int64(emitted), channels: [SharedArray(samples)])), port: "sources")
        }
        emitted += count
    }

    public mutating func finish(output: NodeOutput) throws {
        guard audioFormat != nil else {
            throw NodeError(code: .nodeFailed, message: "sound-of-pixels: \(MissingAudio.reason(in: input)); nothing to separate")
        }
        try pushReady(output: output, final: true)
        let format = audioFormat!
        let scale = regionScale
        let start = format.time, end = MediaTime(sample: format.firstSample + Int64(emitted), rate: format.sampleRate)
        frames = FrameWindow()
        stream = nil
        try output.emit(.segments([Segment(start: start, end: end, label: "Sound of Pixels, \(userRegions == nil ? "\(grid.rows)x\(grid.columns) grid" : "\(regions.count) given") regions pooled from one feature map, "
                                           + (configuration.binaryMask ? "binary" : "ratio") + " masks", score: 0)]), port: "notes")
        try output.emit(.segments(regions.enumerated().map { i, region in
            // The user's boxes are reported as given (back from the received frames' pixels they would round).
            let box = userRegions.map { [$0[i].x, $0[i].y, $0[i].width, $0[i].height] }
                ?? [region.x, region.y, region.width, region.height].map { Int(Double($0) * scale) }
            return Segment(start: start, end: end, region: PictureRegion(
                label: region.label, box: PictureRegion.Box(x: box[0], y: box[1], width: box[2], height: box[3]), confidence: 1))
        }), port: "regions")
    }

    /// Each box's K weights: the frame net run once over the whole (uncropped) frames, its feature map
    /// pooled over the feature pixels each box covers (boxes in the frames' pixels).
    static func regionVectors(_ model: SoundOfPixels, frames: [VideoFrame], boxes: [(Int, Int, Int, Int)]) throws -> [[Float]] {
        let tensor = try model.frameTensor(frames, centerCrop: false)
        let features = model.frameFeatures(tensor)
        let width = frames[0].width, height = frames[0].height
        return boxes.map { box in
            let range = SoundOfPixels.featureRange(of: box, imageWidth: width, imageHeight: height,
                                                   featureWidth: features.shape[3], featureHeight: features.shape[2])
            return model.imageVector(fromFeatures: features, rows: range.rows, columns: range.columns)
        }
    }

    /// The frame whose time is closest to `seconds` (`frames` in time order, not empty).
    static func nearest(_ frames: [VideoFrame], to seconds: Double) -> VideoFrame {
        var low = 0, high = frames.count - 1
        while low < high {
            let middle = (low + high) / 2
            if frames[middle].seconds < seconds { low = middle + 1 } else { high = middle }
        }
        if low > 0, abs(frames[low - 1].seconds - seconds) <= abs(frames[low].seconds - seconds) { return frames[low - 1] }
        return frames[low]
    }
}
