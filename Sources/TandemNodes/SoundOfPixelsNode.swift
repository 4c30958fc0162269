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
/// frame; the sliding-window `SoundOfPixels.Stream` separates the whole recording with cross-faded windows. Audio must arrive at the model's 11025 Hz mono and frames
/// at its 8 fps (`decode` with `sample_rate: 11025, channels: 1, sampling: fps, fps: 8`).
/// Outputs follow `separate`'s protocol (`sources`, `regions`, `notes`), so `write-sources` writes them.
///
/// The weights are the official checkpoints converted by `Tools/convert_sound_of_pixels.py`; a
/// missing file is reported when the pipeline is validated, before any input is opened.
public struct SoundOfPixelsNode: ValidatingNode {
    public static let descriptor = NodeDescriptor(
        kind: "sound-of-pixels", doc: "Separate the sound of each picture region with Sound of Pixels (converted safetensors weights).",
        inputs: [PortSpec("audio", .audio, "11025 Hz mono (decode with sample_rate: 11025, channels: 1)"),
                 PortSpec("video", .video, "RGB frames at 8 fps (decode with sampling: fps, fps: 8)")],
        outputs: [PortSpec("sources", .audio, "one whole-length packet per source, in the order of regions"),
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
    private var chunks: [AudioBuffer] = []
    private var frames: [VideoFrame] = []

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
        if let regions = userRegions, let url = input,
           let stream = try? MediaFile.open(url.path).info.firstStream(.video), let width = stream.width, let height = stream.height,
           let problem = MotionGuidedSeparation.problems(with: regions, width: width, height: height).first {
            throw NodeError(code: .invalidParameters, message: "sound-of-pixels: \(url.lastPathComponent): \(problem)")
        }
        let url = weights
        var model = try ModelCache.shared.model("sound-of-pixels:" + url.standardizedFileURL.path) { try SoundOfPixels(weightsAt: url) }
        model.configuration = configuration
        self.model = model
    }

    public mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        switch packet {
        case .audio(let chunk): chunks.append(chunk)
        case .video(let frame): frames.append(frame)
        default: break
        }
    }

    public mutating func finish(output: NodeOutput) throws {
        guard let model, let audio = try AudioBuffer(joining: chunks) else {
            throw NodeError(code: .nodeFailed, message: "sound-of-pixels: the input has no audio, nothing to separate (video-only file?)")
        }
        chunks = []
        let rate = model.configuration.sampleRate
        guard audio.sampleRate == rate, audio.channelCount == 1 else {
            throw NodeError(code: .nodeFailed, message: "sound-of-pixels needs \(rate) Hz mono audio, got \(audio.sampleRate) Hz × "
                            + "\(audio.channelCount); decode with sample_rate: \(rate), channels: 1")
        }
        guard let first = frames.first else {
            throw NodeError(code: .nodeFailed, message: "sound-of-pixels: the input has no video frames; Sound of Pixels needs the picture "
                            + "(use the separate node, which falls back to an audio-only split)")
        }
        let stream = input.flatMap { try? MediaFile.open($0.path).info.firstStream(.video) }
        // Source video pixels per received-frame pixel (frames may be decoded smaller).
        let scale = stream?.width.map { Double($0) / Double(first.width) } ?? 1
        // Regions on the received frames.
        var regions: [(label: String, x: Int, y: Int, width: Int, height: Int)] = []
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
        let frames = self.frames
        let origin = audio.startSeconds
        let boxes = regions.map { ($0.x, $0.y, $0.width, $0.height) }
        let separated = try model.separateRecording(audio.channels[0].array, sources: regions.count) { center in
            let picked = model.configuration.frameOffsets.map { offset in Self.nearest(frames, to: origin + center + offset) }
            return try Self.regionVectors(model, frames: picked, boxes: boxes)
        }
        self.frames = []
        let start = audio.time, end = audio.endTime
        try output.emit(.segments([Segment(start: start, end: end, label: "Sound of Pixels, \(userRegions == nil ? "\(grid.rows)x\(grid.columns) grid" : "\(regions.count) given") regions pooled from one feature map, "
                                           + (configuration.binaryMask ? "binary" : "ratio") + " masks", score: 0)]), port: "notes")
        try output.emit(.segments(regions.map { region in
            let box = [region.x, region.y, region.width, region.height].map { Int(Double($0) * scale) }
            return Segment(start: start, end: end, region: PictureRegion(
                label: region.label, box: PictureRegion.Box(x: box[0], y: box[1], width: box[2], height: box[3]), confidence: 1))
        }), port: "regions")
        for samples in separated {
            try output.emit(.audio(AudioBuffer(sampleRate: rate, channelLayout: audio.channelLayout, firstSample: audio.firstSample,
                                               channels: [SharedArray(samples)])), port: "sources")
        }
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
