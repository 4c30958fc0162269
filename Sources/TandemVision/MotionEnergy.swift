import TandemCore

/// Per-frame motion energy of image regions: the mean absolute difference of consecutive luma
/// frames inside each region, scaled to 0…1.
///
/// Frame differencing is the cheapest motion cue that still follows a player's gestures: a bow
/// stroke, a strum or a key press moves pixels exactly when a note starts. Motion-informed
/// separation (Parekh et al., "Motion informed audio source separation", ICASSP 2017) correlates
/// such curves with the activations of spectral components. The regions are a regular grid or any
/// rectangles the caller gives (a face box, a detected player); they are clipped to the frame.
///
/// ```swift
/// var motion = try MotionEnergy(regions: MotionRegion.grid(rows: 1, columns: 2, width: w, height: h))
/// for frame in frames { let energies = try motion.append(frame) }   // one value per region
/// motion.series[1]                                                  // the right half over time
/// ```
public struct MotionEnergy: Sendable {
    public let regions: [MotionRegion]
    /// One curve per region (`series[region][frame]`); the first frame has no predecessor and scores 0.
    public private(set) var series: [[Float]]
    /// Presentation time in seconds of each frame appended.
    public private(set) var times: [Double] = []
    private var previous: GrayImage?

    /// Motion energy over the given rectangles.
    /// - Throws: `VisionError(.invalidParameter)` when there is no region or one is empty.
    public init(regions: [MotionRegion]) throws {
        guard !regions.isEmpty else { throw VisionError(.invalidParameter, "motion energy needs at least one region") }
        if let empty = regions.first(where: { $0.width <= 0 || $0.height <= 0 }) {
            throw VisionError(.invalidParameter, "empty region \(empty)")
        }
        self.regions = regions
        series = Array(repeating: [], count: regions.count)
    }

    /// Motion energy of one arbitrary rectangle.
    public init(region: MotionRegion) throws { try self.init(regions: [region]) }

    /// Adds the next frame (gray8, rgb24 or float32CHW) and returns its energy per region.
    /// - Throws: `VisionError` for an unreadable frame, a size change, or a region outside the frame.
    @discardableResult
    public mutating func append(_ frame: VideoFrame) throws -> [Float] {
        try append(GrayImage(frame), time: frame.seconds)
    }

    /// Adds the next luma image and returns its energy per region.
    /// - Throws: `VisionError(.sizeChanged)` when the size differs from the previous image's,
    ///   `.invalidParameter` when a region does not overlap the image.
    @discardableResult
    public mutating func append(_ image: GrayImage, time: Double) throws -> [Float] {
        var energies = [Float](repeating: 0, count: regions.count)
        if let previous {
            guard previous.width == image.width, previous.height == image.height else {
                throw VisionError(.sizeChanged, "frame \(times.count) is \(image.width)×\(image.height), the one before was \(previous.width)×\(previous.height)")
            }
            for (i, region) in regions.enumerated() {
                energies[i] = try Self.meanAbsoluteDifference(previous, image, in: region)
            }
        } else {
            for region in regions { _ = try Self.clipped(region, width: image.width, height: image.height) }
        }
        for i in regions.indices { series[i].append(energies[i]) }
        times.append(time)
        previous = image
        return energies
    }

    /// The mean of `|a − b| / 255` over `region` (clipped to the images).
    /// - Throws: `VisionError` when the images differ in size or the region lies outside them.
    /// - Complexity: O(region area).
    public static func meanAbsoluteDifference(_ a: GrayImage, _ b: GrayImage, in region: MotionRegion) throws -> Float {
        guard a.width == b.width, a.height == b.height else {
            throw VisionError(.sizeChanged, "\(a.width)×\(a.height) vs \(b.width)×\(b.height)")
        }
        let r = try clipped(region, width: a.width, height: a.height)
        var total = 0
        a.pixels.withUnsafeBufferPointer { p in
            b.pixels.withUnsafeBufferPointer { q in
                for y in r.y..<(r.y + r.height) {
                    let row = y * a.width
                    var rowSum = 0
                    for x in r.x..<(r.x + r.width) {
                        let d = Int(p[row + x]) - Int(q[row + x])
                        rowSum += d < 0 ? -d : d
                    }
                    total += rowSum
                }
            }
        }
        return Float(Double(total) / (255 * Double(r.area)))
    }

    static func clipped(_ region: MotionRegion, width: Int, height: Int) throws -> MotionRegion {
        let left = max(0, region.x), top = max(0, region.y)
        let right = min(width, region.x + region.width), bottom = min(height, region.y + region.height)
        guard right > left, bottom > top else {
            throw VisionError(.invalidParameter, "\(region) lies outside the \(width)×\(height) frame")
        }
        return MotionRegion(x: left, y: top, width: right - left, height: bottom - top, label: region.label)
    }
}
