/// Where the scaled picture sits in the output: the geometry `FrameConverter` carries out.
struct FrameGeometry: Equatable {
    /// Size of the whole scaled picture, display orientation.
    var scaledWidth: Int
    var scaledHeight: Int
    /// Size of the output frame.
    var outputWidth: Int
    var outputHeight: Int
    /// Position of the scaled picture's top-left corner in the output (negative = cropped).
    var offsetX: Int
    var offsetY: Int

    /// The geometry for a `width`×`height` picture (display orientation) under `mode`.
    static func make(width: Int, height: Int, mode: ResizeMode) -> FrameGeometry {
        func rounded(_ value: Double) -> Int { max(1, Int(value.rounded())) }
        switch mode {
        case .none:
            return FrameGeometry(scaledWidth: width, scaledHeight: height, outputWidth: width, outputHeight: height, offsetX: 0, offsetY: 0)
        case .exact(let w, let h):
            return FrameGeometry(scaledWidth: w, scaledHeight: h, outputWidth: w, outputHeight: h, offsetX: 0, offsetY: 0)
        case .shorterSide(let side):
            let (w, h) = shorter(width, height, side)
            return FrameGeometry(scaledWidth: w, scaledHeight: h, outputWidth: w, outputHeight: h, offsetX: 0, offsetY: 0)
        case .shorterSideAtMost(let side):
            guard min(width, height) > side else { return make(width: width, height: height, mode: .none) }
            return make(width: width, height: height, mode: .shorterSide(side))
        case .shorterSideCenterCrop(let side, let cw, let ch):
            let (w, h) = shorter(width, height, side)
            // torchvision's center_crop: top = round((H - h) / 2); a crop larger than the picture pads.
            let x = Int((Double(w - cw) / 2).rounded()), y = Int((Double(h - ch) / 2).rounded())
            return FrameGeometry(scaledWidth: w, scaledHeight: h, outputWidth: cw, outputHeight: ch, offsetX: -x, offsetY: -y)
        case .letterbox(let bw, let bh):
            let scale = min(Double(bw) / Double(width), Double(bh) / Double(height))
            let w = min(bw, rounded(Double(width) * scale)), h = min(bh, rounded(Double(height) * scale))
            return FrameGeometry(scaledWidth: w, scaledHeight: h, outputWidth: bw, outputHeight: bh, offsetX: (bw - w) / 2, offsetY: (bh - h) / 2)
        }
        func shorter(_ w: Int, _ h: Int, _ side: Int) -> (Int, Int) {
            w <= h ? (side, rounded(Double(h) * Double(side) / Double(w))) : (rounded(Double(w) * Double(side) / Double(h)), side)
        }
    }

    /// The geometry scaled down, aspect ratio kept, so that neither side passes `side` (`VideoDecodeOptions.maximumSide`);
    /// only a geometry whose output is the whole scaled picture (a crop or letterbox is already bounded by its box).
    func limited(toSide side: Int?) -> FrameGeometry {
        guard let side, side > 0, isIdentityPlacement, max(outputWidth, outputHeight) > side else { return self }
        let scale = Double(side) / Double(max(outputWidth, outputHeight))
        let w = min(side, max(1, Int((Double(outputWidth) * scale).rounded()))), h = min(side, max(1, Int((Double(outputHeight) * scale).rounded())))
        return FrameGeometry(scaledWidth: w, scaledHeight: h, outputWidth: w, outputHeight: h, offsetX: 0, offsetY: 0)
    }

    /// True when the scaled picture is exactly the output (no crop, no bars).
    var isIdentityPlacement: Bool {
        offsetX == 0 && offsetY == 0 && scaledWidth == outputWidth && scaledHeight == outputHeight
    }
}
