import Foundation
import TandemCore
import TandemNN

/// Turns RGB24 frames into TimeSformer pixel values exactly as the checkpoint's
/// `preprocessor_config.json` says: resize (shorter side, or to a fixed size) with Pillow's
/// antialiased bilinear filter, center crop, rescale (1/255), normalise with the file's mean and std.
///
/// Read the checkpoint's file: transformers' class defaults (mean/std 0.5) differ from the
/// published TimeSformer checkpoints' (0.45 / 0.225).
public struct TimesformerPreprocessor: Sendable, Equatable, Decodable {
    /// A target size: `shortest_edge`, or `height` and `width`.
    public struct Size: Sendable, Equatable, Decodable {
        public var shortestEdge: Int?
        public var height: Int?
        public var width: Int?
        enum CodingKeys: String, CodingKey { case shortestEdge = "shortest_edge", height, width }
        public init(shortestEdge: Int? = nil, height: Int? = nil, width: Int? = nil) {
            self.shortestEdge = shortestEdge
            self.height = height
            self.width = width
        }
    }

    /// Which square to cut from the resized frame. The official three-crop test takes
    /// `.start`, `.center` and `.end` along the longer side.
    public enum Crop: String, Sendable, CaseIterable {
        /// Left (landscape) or top (portrait).
        case start
        /// transformers' center crop: offset ⌊(size − crop) / 2⌋.
        case center
        /// Right (landscape) or bottom (portrait).
        case end
    }

    /// An error preparing frames.
    public struct Error: Swift.Error, Sendable, CustomStringConvertible {
        public struct Code: Hashable, Sendable {
            public let name: String
            public static let unsupportedLayout = Code(name: "unsupportedLayout")
            public static let unsupportedResample = Code(name: "unsupportedResample")
            public static let frameTooSmall = Code(name: "frameTooSmall")
            public static let noFrames = Code(name: "noFrames")
        }
        public var code: Code
        public var message: String
        public var description: String { "TimeSformer preprocessing error (\(code.name)): \(message)" }
    }

    public var doResize = true
    public var size = Size(shortestEdge: 224)
    /// Pillow filter number: 2 bilinear (the checkpoints'), 3 bicubic.
    public var resample = 2
    public var doCenterCrop = true
    public var cropSize = Size(height: 224, width: 224)
    public var doRescale = true
    public var rescaleFactor: Double = 1.0 / 255
    public var doNormalize = true
    public var imageMean: [Double] = [0.45, 0.45, 0.45]
    public var imageStd: [Double] = [0.225, 0.225, 0.225]

    enum CodingKeys: String, CodingKey {
        case doResize = "do_resize", size, resample, doCenterCrop = "do_center_crop", cropSize = "crop_size"
        case doRescale = "do_rescale", rescaleFactor = "rescale_factor", doNormalize = "do_normalize"
        case imageMean = "image_mean", imageStd = "image_std"
    }

    /// The published checkpoints' settings (224 shorter side, 224² crop, mean 0.45, std 0.225).
    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TimesformerPreprocessor()
        doResize = try c.decodeIfPresent(Bool.self, forKey: .doResize) ?? d.doResize
        size = try c.decodeIfPresent(Size.self, forKey: .size) ?? d.size
        resample = try c.decodeIfPresent(Int.self, forKey: .resample) ?? d.resample
        doCenterCrop = try c.decodeIfPresent(Bool.self, forKey: .doCenterCrop) ?? d.doCenterCrop
        cropSize = try c.decodeIfPresent(Size.self, forKey: .cropSize) ?? d.cropSize
        doRescale = try c.decodeIfPresent(Bool.self, forKey: .doRescale) ?? d.doRescale
        rescaleFactor = try c.decodeIfPresent(Double.self, forKey: .rescaleFactor) ?? d.rescaleFactor
        doNormalize = try c.decodeIfPresent(Bool.self, forKey: .doNormalize) ?? d.doNormalize
        imageMean = try Self.perChannel(c, .imageMean) ?? d.imageMean
        imageStd = try Self.perChannel(c, .imageStd) ?? d.imageStd
    }

    private static func perChannel(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> [Double]? {
        if let single = try? c.decodeIfPresent(Double.self, forKey: key) { return [single, single, single] }
        return try c.decodeIfPresent([Double].self, forKey: key)
    }

    /// Reads `preprocessor_config.json` from a checkpoint directory.
    /// - Throws: `WeightsError(.missingFile)` or `.invalidConfiguration`.
    public static func load(directory: URL) throws -> TimesformerPreprocessor {
        let file = directory.appendingPathComponent("preprocessor_config.json")
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw WeightsError(.missingFile, file: file.path, "preprocessor_config.json is missing from the model directory. " + TimesformerModel.howToObtain)
        }
        do {
            return try JSONDecoder().decode(TimesformerPreprocessor.self, from: data)
        } catch {
            throw WeightsError(.invalidConfiguration, file: file.path, "cannot decode the preprocessor configuration: \(error)")
        }
    }

    /// The resized (height, width) for an input, as transformers computes it (`int()` truncation for the long side).
    public func resizedSize(height: Int, width: Int) -> (height: Int, width: Int) {
        guard doResize else { return (height, width) }
        if let edge = size.shortestEdge {
            if width <= height { return (Int(Double(edge) * Double(height) / Double(width)), edge) }
            return (edge, Int(Double(edge) * Double(width) / Double(height)))
        }
        return (size.height ?? height, size.width ?? width)
    }

    /// One frame → [3, H, W].
    public func pixels(frame: VideoFrame, crop: Crop = .center) throws -> Tensor {
        guard frame.layout == .rgb24 else {
            throw Error(code: .unsupportedLayout, message: "frames must be rgb24, got \(frame.layout)")
        }
        guard let filter = PILResize.Filter(rawValue: resample) else {
            throw Error(code: .unsupportedResample, message: "resample \(resample) (only 2 bilinear and 3 bicubic are implemented)")
        }
        let (outH, outW) = resizedSize(height: frame.height, width: frame.width)
        // The same size is a copy without the row padding (Pillow's resize skips both passes).
        let resized = PILResize.resize(frame.bytes.array, width: frame.width, height: frame.height, stride: frame.stride,
                                       toWidth: outW, height: outH, filter: filter)
        let cropH = doCenterCrop ? (cropSize.height ?? outH) : outH
        let cropW = doCenterCrop ? (cropSize.width ?? outW) : outW
        guard cropH <= outH, cropW <= outW else {
            // transformers pads small images before cropping; frames that small are not video.
            throw Error(code: .frameTooSmall, message: "resized frame \(outW)×\(outH) is smaller than the \(cropW)×\(cropH) crop")
        }
        var top = (outH - cropH) / 2, left = (outW - cropW) / 2
        switch crop {
        case .center: break
        case .start: if outH > outW { top = 0 } else { left = 0 }
        case .end: if outH > outW { top = outH - cropH } else { left = outW - cropW }
        }
        let scale = doRescale ? rescaleFactor : 1
        let mean = doNormalize ? imageMean : [0, 0, 0], std = doNormalize ? imageStd : [1, 1, 1]
        return Tensor(shape: [3, cropH, cropW]) { out in
            for c in 0..<3 {
                for y in 0..<cropH {
                    for x in 0..<cropW {
                        let value = Double(resized[((top + y) * outW + left + x) * 3 + c]) * scale
                        out[(c * cropH + y) * cropW + x] = Float((value - mean[c]) / std[c])
                    }
                }
            }
        }
    }

    /// A clip of frames → [T, 3, H, W].
    public func pixels(frames: [VideoFrame], crop: Crop = .center) throws -> Tensor {
        guard !frames.isEmpty else { throw Error(code: .noFrames, message: "a clip needs at least one frame") }
        let planes = try frames.map { try pixels(frame: $0, crop: crop) }
        return Tensor.concatenate(planes.map { $0.reshaped([1] + $0.shape) }, axis: 0)
    }

    /// Every view of a video for multi-view testing: each clip (frames chosen by `ClipSampler`)
    /// cut at each crop, clip-major — the official test's 3 crops × N clips with
    /// `crops: [.start, .center, .end]`. Pass the result to `TimesformerModel.predict(views:)`.
    public func views(clips: [[VideoFrame]], crops: [Crop] = [.center]) throws -> [Tensor] {
        try clips.flatMap { frames in try crops.map { try pixels(frames: frames, crop: $0) } }
    }
}
