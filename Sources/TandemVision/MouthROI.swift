/// The mouth region of a tracked face and the normalised lip crops lip-reading models take.
///
/// Without landmarks the mouth is placed from the face box geometry: OpenCV's frontal-face boxes
/// run from mid-forehead to just below the chin, so the mouth sits in the lower third, centred
/// (x from 25 % to 75 % of the width, y from 62 % to 92 % of the height). When a smile cascade is
/// given, a smile found in the lower half of the face re-centres the region, which helps with
/// boxes that sit high or low on the face.
public struct MouthROI: Sendable {
    /// Crop side before and after the centre crop, as AV-HuBERT and Auto-AVSR use (96 → 88).
    public static let cropSize = 96
    public static let modelSize = 88
    /// Normalisation of the 0…1 grey crop, from AV-HuBERT / Auto-AVSR preprocessing.
    public static let mean: Float = 0.421
    public static let std: Float = 0.165

    /// Optional refinement with `haarcascade_smile.xml`.
    public var smileDetector: FaceDetector?
    /// Widths of smile looked for, as fractions of the face box's width. A mouth spans roughly a third
    /// to a half of a frontal face box; hits far smaller are texture (teeth, a dimple), far larger the
    /// whole chin. Limiting the pyramid to these sizes skips its finest levels, which hold most of
    /// the windows, so the refinement costs a fraction of a scan for every size.
    public var smileWidths: ClosedRange<Double>

    public init(smileDetector: FaceDetector? = nil, smileWidths: ClosedRange<Double> = 0.25...0.75) {
        self.smileDetector = smileDetector
        self.smileWidths = smileWidths
    }

    /// The mouth box from the face box alone.
    public static func geometricRegion(face: FaceBox) -> FaceBox {
        let w = Double(face.width), h = Double(face.height)
        return FaceBox(x: face.x + Int((0.25 * w).rounded()), y: face.y + Int((0.62 * h).rounded()),
                       width: max(1, Int((0.5 * w).rounded())), height: max(1, Int((0.30 * h).rounded())))
    }

    /// The mouth box for `face` in `image`: geometric, re-centred on a smile when the smile
    /// detector finds one in the lower half of the face (the largest, if several).
    public func region(face: FaceBox, in image: GrayImage) -> FaceBox {
        let geometric = Self.geometricRegion(face: face)
        guard var smileDetector,
              let lower = FaceBox(x: face.x, y: face.y + face.height / 2, width: face.width, height: face.height / 2)
                .clipped(width: image.width, height: image.height),
              lower.width >= smileDetector.cascade.windowWidth, lower.height >= smileDetector.cascade.windowHeight
        else { return geometric }
        let crop = image.cropped(to: lower)
        let aspect = Double(smileDetector.cascade.windowHeight) / Double(smileDetector.cascade.windowWidth)
        let smallest = max(smileDetector.cascade.windowWidth, Int((smileWidths.lowerBound * Double(face.width)).rounded(.down)))
        let largest = max(smallest, Int((smileWidths.upperBound * Double(face.width)).rounded(.up)))
        smileDetector.minSize = (smallest, Int((Double(smallest) * aspect).rounded(.down)))
        smileDetector.maxSize = (largest, Int((Double(largest) * aspect).rounded(.up)))
        guard let smile = smileDetector.detect(in: crop).max(by: { $0.area < $1.area }) else { return geometric }
        let cx = Double(lower.x) + smile.centerX, cy = Double(lower.y) + smile.centerY
        // Keep the geometric size (smile boxes vary with the expression) but move it onto the smile,
        // no further than a quarter of the face, so a false smile on the chin cannot drag it away.
        let limitX = Double(face.width) / 4, limitY = Double(face.height) / 4
        let dx = max(-limitX, min(limitX, cx - geometric.centerX)), dy = max(-limitY, min(limitY, cy - geometric.centerY))
        return FaceBox(x: geometric.x + Int(dx.rounded()), y: geometric.y + Int(dy.rounded()),
                       width: geometric.width, height: geometric.height)
    }

    /// Bilinear resampling of the square `side × side` (in source pixels) centred at (`cx`, `cy`) to
    /// `size × size`; pixels outside the image repeat the nearest edge.
    public static func resample(_ image: GrayImage, centerX cx: Double, centerY cy: Double, side: Double,
                                width outW: Int, height outH: Int, sideY: Double? = nil) -> GrayImage {
        let sy = sideY ?? side
        var out = [UInt8](repeating: 0, count: outW * outH)
        let x0 = cx - side / 2, y0 = cy - sy / 2
        for oy in 0..<outH {
            let fy = min(max(y0 + (Double(oy) + 0.5) * sy / Double(outH) - 0.5, 0), Double(image.height - 1))
            let iy = Int(fy), ty = fy - Double(iy), iy1 = min(iy + 1, image.height - 1)
            for ox in 0..<outW {
                let fx = min(max(x0 + (Double(ox) + 0.5) * side / Double(outW) - 0.5, 0), Double(image.width - 1))
                let ix = Int(fx), tx = fx - Double(ix), ix1 = min(ix + 1, image.width - 1)
                func p(_ x: Int, _ y: Int) -> Double { Double(image.pixels[y * image.width + x]) }
                let top = p(ix, iy) * (1 - tx) + p(ix1, iy) * tx
                let bottom = p(ix, iy1) * (1 - tx) + p(ix1, iy1) * tx
                out[oy * outW + ox] = UInt8(max(0, min(255, (top * (1 - ty) + bottom * ty).rounded())))
            }
        }
        return GrayImage(width: outW, height: outH, pixels: out)
    }

    /// The model input for one frame: a 96×96 grey crop around the mouth (side 1.6 × the mouth
    /// width, so lips, philtrum and chin fit as in the aligned AV-HuBERT crops), its centre 88×88,
    /// scaled to 0…1 and normalised with mean 0.421, std 0.165.
    /// - Returns: `88 × 88` floats, row-major.
    public static func normalizedCrop(_ image: GrayImage, mouth: FaceBox) -> [Float] {
        let side = max(8, 1.6 * Double(mouth.width))
        let crop = resample(image, centerX: mouth.centerX, centerY: mouth.centerY, side: side, width: cropSize, height: cropSize)
        let margin = (cropSize - modelSize) / 2
        var out = [Float](repeating: 0, count: modelSize * modelSize)
        for y in 0..<modelSize {
            for x in 0..<modelSize {
                let v = Float(crop.pixels[(y + margin) * cropSize + x + margin]) / 255
                out[y * modelSize + x] = (v - mean) / std
            }
        }
        return out
    }
}
