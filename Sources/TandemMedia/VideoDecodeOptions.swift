import TandemCore

/// How `FrameReader` decodes and converts frames.
public struct VideoDecodeOptions: Sendable, Hashable {
    /// Output pixel layout: packed rgb24, gray8, or Float32 C×H×W in 0…1.
    public var layout: PixelLayout
    public var resize: ResizeMode
    /// Decoder threads (`thread_count`, frame and slice threading); 0 lets FFmpeg choose
    /// (one per core plus one, as PyAV's `thread_type = "AUTO"` also gets).
    public var threads: Int
    /// Turn frames upright according to the stream's display matrix.
    public var applyRotation: Bool
    /// Show non-square pixels as the file asks (its sample aspect ratio): a 720×576 PAL picture with
    /// 64:45 pixels is converted as 1024×576. Faces and players keep their proportions, and sizes and
    /// regions are the picture as a viewer sees it. Off: the stored pixels, as PyAV and torchvision read them.
    public var squarePixels: Bool
    /// Convert a picture the decoder marks as interlaced from its top field only, stretched back to
    /// full height: moving edges lose the comb of two fields taken 1/50 s apart, which motion and face
    /// detection would otherwise see; still detail loses half its rows. Progressive pictures are untouched.
    public var deinterlace: Bool
    /// The video stream to read; `nil` picks FFmpeg's best video stream.
    public var streamIndex: Int?
    /// The libswscale filter used when resizing.
    public var interpolation: Interpolation
    /// The longest side a frame may have after `resize` (`none`, `shorterSide` and `shorterSideAtMost`, whose
    /// output is the whole scaled picture): a longer picture is scaled down further, keeping its aspect ratio.
    /// A 1-pixel-wide video brought to a 144-pixel shorter side would otherwise be 25920 pixels long.
    /// `nil`: no limit.
    public var maximumSide: Int?

    /// libswscale's scaling filters (`SWS_*`), cheapest first.
    public enum Interpolation: String, Sendable, Hashable, Codable, CaseIterable {
        /// Nearest neighbour (`SWS_POINT`).
        case nearest
        /// Two-tap bilinear even when shrinking (`SWS_FAST_BILINEAR`): faster, aliases on large reductions.
        case fastBilinear
        /// Bilinear, widened when shrinking so every source pixel counts (`SWS_BILINEAR`), the default.
        case bilinear
        /// Area averaging (`SWS_AREA`).
        case area
        /// Bicubic (`SWS_BICUBIC`).
        case bicubic
    }

    public init(layout: PixelLayout = .rgb24, resize: ResizeMode = .none, threads: Int = 0,
                applyRotation: Bool = true, streamIndex: Int? = nil, interpolation: Interpolation = .bilinear,
                squarePixels: Bool = true, deinterlace: Bool = true) {
        self.layout = layout
        self.resize = resize
        self.threads = threads
        self.applyRotation = applyRotation
        self.streamIndex = streamIndex
        self.interpolation = interpolation
        self.squarePixels = squarePixels
        self.deinterlace = deinterlace
    }
}
