/// The pixel layouts Tandem hands between stages.
public enum PixelLayout: String, Sendable, Hashable, CaseIterable {
    /// Packed 8-bit R, G, B; `stride` bytes per row.
    case rgb24
    /// 8-bit luma; `stride` bytes per row.
    case gray8
    /// Float32 planes, channel-major (C×H×W), values as the converter produced them (0…1 unless normalised).
    case float32CHW
}

/// One decoded (and possibly converted) video frame with its exact position.
///
/// `pts` is in the stream's own `timeBase`; `frameIndex` is the frame's index in decode
/// (presentation) order counted from the first frame a full sequential decode yields,
/// so it is the same whether the frame was reached by seeking or by decoding from the start.
public struct VideoFrame: Sendable, Equatable {
    public var layout: PixelLayout
    public var width: Int
    public var height: Int
    /// The picture's size as a viewer sees it (pixels made square, turned upright, as the reader was told
    /// to), before the decoder scaled or cropped it: nodes that report positions in the source's pixels
    /// (regions a user gives, boxes they write) scale by it, so they never reopen the file to learn it.
    /// Equal to `width`×`height` for a frame made in memory.
    public var sourceWidth: Int
    public var sourceHeight: Int
    /// Bytes per row for 8-bit layouts; elements per row (== width) for `float32CHW`.
    public var stride: Int
    /// Pixel bytes for 8-bit layouts (empty for float layouts).
    public var bytes: SharedArray<UInt8>
    /// Float planes for `float32CHW` (empty otherwise).
    public var floats: SharedArray<Float>
    public var pts: Int64
    public var timeBase: Rational
    public var frameIndex: Int
    /// The exact presentation instant on the file's shared clock, what graphs align on.
    public var time: MediaTime
    /// Presentation time in seconds on the file's shared clock (start time removed), derived from `time`.
    public var seconds: Double { time.seconds }
    public var isKeyFrame: Bool

    public init(
        layout: PixelLayout, width: Int, height: Int, stride: Int,
        bytes: SharedArray<UInt8> = SharedArray([]), floats: SharedArray<Float> = SharedArray([]),
        pts: Int64, timeBase: Rational, frameIndex: Int, seconds: Double, isKeyFrame: Bool = false, time: MediaTime? = nil,
        sourceWidth: Int? = nil, sourceHeight: Int? = nil
    ) {
        self.layout = layout
        self.width = width
        self.height = height
        self.sourceWidth = sourceWidth ?? width
        self.sourceHeight = sourceHeight ?? height
        self.stride = stride
        self.bytes = bytes
        self.floats = floats
        self.pts = pts
        self.timeBase = timeBase
        self.frameIndex = frameIndex
        self.isKeyFrame = isKeyFrame
        // A frame made without a clock time (a rendered picture) is placed at `seconds` exactly, which is
        // on the file clock (its pts may not be). Decoders always pass the exact time.
        self.time = time ?? MediaTime(seconds: seconds)
    }

    /// Number of channels for the layout (3 for rgb24 and float32CHW, 1 for gray8).
    public var channelCount: Int { layout == .gray8 ? 1 : 3 }
}
