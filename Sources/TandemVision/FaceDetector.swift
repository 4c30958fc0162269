import Foundation

/// Finds objects (faces, smiles) with a Haar cascade over an image pyramid, as OpenCV's
/// `CascadeClassifier.detectMultiScale` does, then groups overlapping hits.
///
/// The scan reproduces OpenCV's CPU path: scales 1, f, f², … while the window fits, each level a
/// linear shrink of the image to `round(size / scale)`, windows every 2 pixels below scale 2 and
/// every pixel above, a position skipped after a first-stage rejection, and hits mapped back as
/// `round(x·scale), round(y·scale), round(24·scale)`. Grouping is `groupRectangles` with eps 0.2.
public struct FaceDetector: Sendable {
    public var cascade: HaarCascade
    /// Pyramid step (OpenCV `scaleFactor`), > 1.
    public var scaleFactor: Double
    /// Hits a group needs beyond one to be kept (OpenCV `minNeighbors`); 0 returns the raw hits.
    public var minNeighbors: Int
    /// Smallest and largest object size to look for; nil means the cascade window / the image.
    public var minSize: (width: Int, height: Int)?
    public var maxSize: (width: Int, height: Int)?

    /// - Throws: `VisionError(.invalidParameter)` for a scale factor ≤ 1 or negative `minNeighbors`.
    public init(cascade: HaarCascade, scaleFactor: Double = 1.1, minNeighbors: Int = 3,
                minSize: (width: Int, height: Int)? = nil, maxSize: (width: Int, height: Int)? = nil) throws {
        guard scaleFactor > 1, scaleFactor.isFinite else { throw VisionError(.invalidParameter, "scaleFactor \(scaleFactor) must be > 1") }
        guard minNeighbors >= 0 else { throw VisionError(.invalidParameter, "minNeighbors \(minNeighbors) must be ≥ 0") }
        self.cascade = cascade
        self.scaleFactor = scaleFactor
        self.minNeighbors = minNeighbors
        self.minSize = minSize
        self.maxSize = maxSize
    }

    /// The pyramid scales OpenCV would scan for an image of this size.
    public func scales(width: Int, height: Int) -> [Float] {
        let maxW = maxSize?.width ?? width, maxH = maxSize?.height ?? height
        let minW = minSize?.width ?? 0, minH = minSize?.height ?? 0
        var scales: [Float] = []
        var factor = 1.0
        while true {
            let w = Int((Double(cascade.windowWidth) * factor).rounded(.toNearestOrEven))
            let h = Int((Double(cascade.windowHeight) * factor).rounded(.toNearestOrEven))
            if w > maxW || h > maxH || w > width || h > height { break }
            if w >= minW && h >= minH { scales.append(Float(factor)) }
            factor *= scaleFactor
        }
        return scales
    }

    /// Every window the cascade accepts, before grouping.
    /// - Complexity: about 1.2 × (pixels / 4) window tests at the finest scales, most ending in stage 0–2.
    public func candidates(in image: GrayImage) -> [FaceBox] {
        var found: [FaceBox] = []
        let winW = cascade.windowWidth, winH = cascade.windowHeight
        let tilted = cascade.hasTiltedFeatures
        let scales = scales(width: image.width, height: image.height)
        guard let first = scales.first else { return [] }
        // OpenCV splits rows into stripes sized from the finest level's width; the integer division in
        // the stripe size can leave a level's last row unscanned, and we reproduce that.
        let firstWorkWidth = max(Int((Float(image.width) / first).rounded(.toNearestOrEven)) + 1 - winW, 0)
        let stripes = max(1, (firstWorkWidth + 31) / 32)
        // Every level is laid out with the finest level's row stride, so the cascade is compiled once.
        let stride = Int((Float(image.width) / first).rounded(.toNearestOrEven)) + 1
        let compiled = HaarCascade.CompiledCascade(cascade, stride: stride)
        for scale in scales {
            let w = Int((Float(image.width) / scale).rounded(.toNearestOrEven))
            let h = Int((Float(image.height) / scale).rounded(.toNearestOrEven))
            let level = Self.resizeLinear(image, width: w, height: h)
            let integral = level.pixels.withUnsafeBufferPointer {
                HaarCascade.IntegralImages($0, width: w, height: h, stride: stride, withTilted: tilted)
            }
            let step = scale >= 2 ? 1 : 2
            let boxW = Int((Float(winW) * scale).rounded(.toNearestOrEven))
            let boxH = Int((Float(winH) * scale).rounded(.toNearestOrEven))
            let workW = max(w + 1 - winW, 0), workH = max(h + 1 - winH, 0)
            let stripeSize = max((workH / step + stripes - 1) / stripes, 1) * step
            let rowEnd = min(stripes * stripeSize, workH)
            var y = 0
            while y < rowEnd {
                var x = 0
                while x < workW {
                    let result = compiled.evaluate(integral, x: x, y: y)
                    if result > 0 {
                        found.append(FaceBox(x: Int((Float(x) * scale).rounded(.toNearestOrEven)),
                                             y: Int((Float(y) * scale).rounded(.toNearestOrEven)),
                                             width: boxW, height: boxH))
                    }
                    // A window that fails the first stage is in a flat or face-less area: skip a step.
                    if result == 0 { x += step }
                    x += step
                }
                y += step
            }
        }
        return found
    }

    /// The candidates of a scan of `region` alone (clipped to the image) for objects `sizes` pixels wide,
    /// in frame pixels: a re-detection of an object known to be there, at a fraction of a full scan's
    /// cost (the finest pyramid levels, which hold most windows, are skipped). Windows sit on the
    /// region's own grid, so hits can differ from a full scan's by the scan step.
    public func candidates(in image: GrayImage, region: FaceBox, sizes: ClosedRange<Int>) -> [FaceBox] {
        guard let region = region.clipped(width: image.width, height: image.height) else { return [] }
        var scan = self
        let aspect = Double(cascade.windowHeight) / Double(cascade.windowWidth)
        scan.minSize = (max(sizes.lowerBound, minSize?.width ?? 0), max(Int(Double(sizes.lowerBound) * aspect), minSize?.height ?? 0))
        scan.maxSize = (min(sizes.upperBound, maxSize?.width ?? .max), min(Int((Double(sizes.upperBound) * aspect).rounded(.up)), maxSize?.height ?? .max))
        return scan.candidates(in: image.cropped(to: region)).map {
            FaceBox(x: $0.x + region.x, y: $0.y + region.y, width: $0.width, height: $0.height)
        }
    }

    /// Detected objects: the candidates grouped by `groupRectangles(minNeighbors, 0.2)` and
    /// clipped to the image, as `detectMultiScale` returns them.
    public func detect(in image: GrayImage) -> [FaceBox] {
        let grouped = Self.groupRectangles(candidates(in: image), threshold: minNeighbors, eps: 0.2)
        return grouped.compactMap { $0.clipped(width: image.width, height: image.height) }
    }
}
