import CFFmpeg
import TandemCore

/// Turns decoded frames into `VideoFrame` pixels: scale (libswscale), rotate, crop or letterbox,
/// and convert to the output layout.
///
/// libswscale does the colour conversion and the scaling on the decoded (unrotated) picture at the
/// scaled size; rotation, crop and bars are then a cheap copy of the small result. When there is
/// no rotation and no crop, libswscale writes straight into the output.
final class FrameConverter {
    let options: VideoDecodeOptions
    /// Clockwise quarter turns for display: 0, 90, 180 or 270.
    let rotation: Int
    private let scaler: FFScaler
    /// Bytes allowed past the end of a destination handed to libswscale (see `convert`).
    static let scalerPadding = 256

    /// Bytes per row of a destination handed to libswscale: `width` rounded up to whole blocks of 16
    /// pixels. Its vectorised colour converters (YUV 4:2:0 → RGB24 among them) write whole blocks of 8
    /// pixels and, when the last block would pass the stride, skip it and leave the row's last pixels
    /// unwritten: with rows packed tight, a width that is not a multiple of 8 kept whatever memory held
    /// in its last columns (black, or different bytes from run to run).
    static func scalerStride(width: Int, channels: Int) -> Int { (width + 15) / 16 * 16 * channels }
    private var scratch: [UInt8] = []
    /// The decoded size every picture is converted as: the first converted picture's. A stream whose
    /// pictures change size (recordings joined end to end, captures of an adaptive stream) keeps its
    /// first output size, so every node downstream sees one frame size; a picture of another size is
    /// fitted into that output, its aspect kept (letterboxed).
    private(set) var referenceSize: (width: Int, height: Int)?
    /// `referenceSize` as shown, before rotation: its width stretched by the pixels' aspect (`squarePixels`).
    private(set) var referenceShownSize: (width: Int, height: Int)?
    /// The first decoded size that differed from `referenceSize`, if any.
    private(set) var changedSize: (width: Int, height: Int)?
    /// The stream's sample aspect ratio, for frames that do not carry their own.
    private let streamPixelAspect: (num: Int, den: Int)?

    init(options: VideoDecodeOptions, rotation: Int, streamPixelAspect: (num: Int, den: Int)? = nil) {
        self.options = options
        self.rotation = options.applyRotation ? rotation : 0
        self.streamPixelAspect = streamPixelAspect
        let filter: Int32 = switch options.interpolation {
        case .nearest: tandem_SWS_POINT
        case .fastBilinear: tandem_SWS_FAST_BILINEAR
        case .bilinear: tandem_SWS_BILINEAR
        case .area: tandem_SWS_AREA
        case .bicubic: tandem_SWS_BICUBIC
        }
        scaler = FFScaler(flags: filter)
    }

    private var bytesPerPixel: Int { options.layout == .gray8 ? 1 : 3 }
    private var packedFormat: AVPixelFormat { options.layout == .gray8 ? AV_PIX_FMT_GRAY8 : AV_PIX_FMT_RGB24 }

    /// The output size for a decoded `width`×`height` frame.
    func geometry(width: Int, height: Int) -> FrameGeometry {
        let turned = rotation % 180 != 0
        return FrameGeometry.make(width: turned ? height : width, height: turned ? width : height, mode: options.resize)
            .limited(toSide: options.maximumSide)
    }

    /// `frame`'s size as shown, before rotation: with `squarePixels`, the stored width times the pixels'
    /// aspect (the frame's own, else the stream's), as FFmpeg's players show it; the height is kept.
    func shownSize(of frame: FFFrame) -> (width: Int, height: Int) {
        guard options.squarePixels, let aspect = frame.sampleAspectRatio ?? streamPixelAspect, aspect.num != aspect.den else {
            return (frame.width, frame.height)
        }
        return (max(1, Int((Double(frame.width) * Double(aspect.num) / Double(aspect.den)).rounded())), frame.height)
    }

    /// Converts `frame`. The position fields are filled by the caller.
    func convert(_ frame: FFFrame, path: String) throws -> (width: Int, height: Int, stride: Int, bytes: SharedArray<UInt8>, floats: SharedArray<Float>) {
        let reference = referenceSize ?? (frame.width, frame.height)
        referenceSize = reference
        let referenceShown = referenceShownSize ?? shownSize(of: frame)
        referenceShownSize = referenceShown
        var g = geometry(width: referenceShown.width, height: referenceShown.height)
        if (frame.width, frame.height) != reference {
            if changedSize == nil { changedSize = (frame.width, frame.height) }
            let shown = shownSize(of: frame)
            let turned = rotation % 180 != 0
            g = FrameGeometry.make(width: turned ? shown.height : shown.width, height: turned ? shown.width : shown.height,
                                   mode: .letterbox(width: g.outputWidth, height: g.outputHeight))
        }
        let topFieldOnly = options.deinterlace && frame.isInterlaced && frame.height >= 2 && FFScaler.canSplitFields(frame.format)
        let channels = bytesPerPixel
        let outStride = g.outputWidth * channels
        var packed: SharedArray<UInt8>
        if rotation == 0 && g.isIdentityPlacement && Self.scalerStride(width: g.scaledWidth, channels: channels) == outStride {
            let count = outStride * g.outputHeight
            // Room past the end: libswscale's vectorised converters write whole blocks of pixels,
            // up to a block beyond the last one of a row, so the last row spills over.
            let elements = try [UInt8](unsafeUninitializedCapacity: count + FrameConverter.scalerPadding) { buffer, initialized in
                try scaler.scale(frame, topFieldOnly: topFieldOnly, to: packedFormat, width: g.scaledWidth, height: g.scaledHeight,
                                 destination: buffer.baseAddress!, stride: outStride, path: path)
                initialized = count
            }
            packed = SharedArray(elements)
        } else {
            // Scale in the decoded orientation, then place (rotate, crop, pad, or drop the rows' padding) into the output.
            let turned = rotation % 180 != 0
            let sw = turned ? g.scaledHeight : g.scaledWidth, sh = turned ? g.scaledWidth : g.scaledHeight
            let scratchStride = Self.scalerStride(width: sw, channels: channels)
            if scratch.count < scratchStride * sh + FrameConverter.scalerPadding {
                scratch = [UInt8](repeating: 0, count: scratchStride * sh + FrameConverter.scalerPadding)
            }
            try scratch.withUnsafeMutableBufferPointer { buffer in
                try scaler.scale(frame, topFieldOnly: topFieldOnly, to: packedFormat, width: sw, height: sh, destination: buffer.baseAddress!, stride: scratchStride, path: path)
            }
            packed = SharedArray(repeating: 0, count: outStride * g.outputHeight)
            scratch.withUnsafeBufferPointer { source in
                packed.withUnsafeMutableBufferPointer { output in
                    place(source.baseAddress!, sw: sw, sh: sh, stride: scratchStride, into: output.baseAddress!, geometry: g, channels: channels)
                }
            }
        }
        if options.layout == .float32CHW {
            let plane = g.outputWidth * g.outputHeight
            let floats = SharedArray<Float>(unsafeUninitializedCount: plane * 3) { output in
                packed.withUnsafeBufferPointer { rgb in
                    for i in 0..<plane {
                        output[i] = Float(rgb[3 * i]) / 255
                        output[plane + i] = Float(rgb[3 * i + 1]) / 255
                        output[2 * plane + i] = Float(rgb[3 * i + 2]) / 255
                    }
                }
            }
            return (g.outputWidth, g.outputHeight, g.outputWidth, SharedArray([]), floats)
        }
        return (g.outputWidth, g.outputHeight, outStride, packed, SharedArray([]))
    }

    /// Copies the scaled picture `source` (`sw`×`sh`, decoded orientation, `stride` bytes per row) into the
    /// output, turning it by `rotation` and placing it at the geometry's offset; the rest stays black.
    private func place(_ source: UnsafePointer<UInt8>, sw: Int, sh: Int, stride srcStride: Int, into output: UnsafeMutablePointer<UInt8>,
                       geometry g: FrameGeometry, channels: Int) {
        // The output rectangle the picture covers, clipped to the output.
        let x0 = max(0, g.offsetX), x1 = min(g.outputWidth, g.offsetX + g.scaledWidth)
        let y0 = max(0, g.offsetY), y1 = min(g.outputHeight, g.offsetY + g.scaledHeight)
        guard x0 < x1, y0 < y1 else { return }
        let outStride = g.outputWidth * channels
        for y in y0..<y1 {
            let dy = y - g.offsetY  // row in the displayed (turned) picture
            let row = output + y * outStride
            if rotation == 0 {
                let dx = x0 - g.offsetX
                (row + x0 * channels).update(from: source + dy * srcStride + dx * channels, count: (x1 - x0) * channels)
                continue
            }
            for x in x0..<x1 {
                let dx = x - g.offsetX
                // Displayed (dx, dy) comes from decoded (sx, sy).
                let (sx, sy): (Int, Int) = switch rotation {
                case 90: (dy, sh - 1 - dx)
                case 180: (sw - 1 - dx, sh - 1 - dy)
                default: (sw - 1 - dy, dx)  // 270
                }
                let from = source + sy * srcStride + sx * channels
                let to = row + x * channels
                for c in 0..<channels { to[c] = from[c] }
            }
        }
    }
}
