import TandemCore

/// Motion energy on a fine grid of square cells, kept for every frame: the input to region finding.
///
/// One pass over each frame accumulates `|Δluma|` per cell, so a whole video costs one
/// subtraction per pixel per frame; the curves of any cell-aligned region can be read back
/// afterwards (`series(for:)`) without decoding the video again.
public struct MotionMap: Sendable {
    /// Side of a cell in pixels (edge cells may be smaller).
    public let cellSize: Int
    public private(set) var width = 0
    public private(set) var height = 0
    public private(set) var rows = 0
    public private(set) var columns = 0
    /// Pixels per cell (edge cells hold fewer).
    private var cellPixels: [Int] = []
    /// Frame-major: `energies[frame * cellCount + cell]`, mean |Δluma| / 255 in the cell.
    public private(set) var energies: [Float] = []
    public private(set) var times: [Double] = []
    private var previous: GrayImage?

    /// - Parameter cellSize: cell side in pixels (≥ 1); 8–16 keeps the map small and the regions precise enough.
    public init(cellSize: Int = 8) {
        precondition(cellSize >= 1, "cell size must be at least 1")
        self.cellSize = cellSize
    }

    public var cellCount: Int { rows * columns }
    public var frameCount: Int { times.count }

    /// Adds a decoded frame.
    /// - Throws: `VisionError` for an unreadable frame or a size change.
    public mutating func append(_ frame: VideoFrame) throws { try append(GrayImage(frame), time: frame.seconds) }

    /// Adds a luma image; the first image of the map fixes its size and scores 0 everywhere.
    /// - Throws: `VisionError(.sizeChanged)` when the size differs from the first image's.
    /// - Complexity: O(pixels).
    public mutating func append(_ image: GrayImage, time: Double) throws {
        if previous == nil && times.isEmpty {
            width = image.width
            height = image.height
            rows = (height + cellSize - 1) / cellSize
            columns = (width + cellSize - 1) / cellSize
            cellPixels = [Int](repeating: 0, count: rows * columns)
            for y in 0..<height { for x in 0..<width { cellPixels[(y / cellSize) * columns + x / cellSize] += 1 } }
        }
        guard image.width == width, image.height == height else {
            throw VisionError(.sizeChanged, "frame \(times.count) is \(image.width)×\(image.height), the map is \(width)×\(height)")
        }
        var sums = [Int](repeating: 0, count: cellCount)
        if let previous {
            let cs = cellSize, cols = columns, w = width
            previous.pixels.withUnsafeBufferPointer { p in
                image.pixels.withUnsafeBufferPointer { q in
                    for y in 0..<height {
                        let rowBase = (y / cs) * cols
                        let line = y * w
                        var x = 0
                        while x < w {
                            let end = min(w, x + cs)
                            var s = 0
                            for i in x..<end {
                                let d = Int(p[line + i]) - Int(q[line + i])
                                s += d < 0 ? -d : d
                            }
                            sums[rowBase + x / cs] += s
                            x = end
                        }
                    }
                }
            }
        }
        for c in 0..<cellCount { energies.append(Float(Double(sums[c]) / (255 * Double(max(cellPixels[c], 1))))) }
        times.append(time)
        previous = image
    }

    /// The mean energy of cell `cell` over all frames.
    public func meanEnergy(cell: Int) -> Float {
        guard frameCount > 0 else { return 0 }
        var s: Float = 0
        for t in 0..<frameCount { s += energies[t * cellCount + cell] }
        return s / Float(frameCount)
    }

    /// The energy curve of `cell`.
    public func series(cell: Int) -> [Float] { (0..<frameCount).map { energies[$0 * cellCount + cell] } }

    /// The pixel rectangle of a cell.
    public func rectangle(cell: Int) -> MotionRegion {
        let r = cell / columns, c = cell % columns
        let x = c * cellSize, y = r * cellSize
        return MotionRegion(x: x, y: y, width: min(cellSize, width - x), height: min(cellSize, height - y))
    }

    /// The energy curve of a region: the pixel-weighted mean of the cells whose centre lies in it
    /// (the nearest cell when none does). Exact for cell-aligned regions such as those `MotionRegionFinder` returns.
    public func series(for region: MotionRegion) -> [Float] {
        guard cellCount > 0 else { return [] }
        var members: [Int] = []
        for cell in 0..<cellCount {
            let rect = rectangle(cell: cell)
            let (cx, cy) = rect.center
            if cx >= Double(region.x) && cx < Double(region.x + region.width) && cy >= Double(region.y) && cy < Double(region.y + region.height) {
                members.append(cell)
            }
        }
        if members.isEmpty {
            let (rx, ry) = region.center
            let c = min(columns - 1, max(0, Int(rx) / cellSize)), r = min(rows - 1, max(0, Int(ry) / cellSize))
            members = [r * columns + c]
        }
        let total = Float(members.reduce(0) { $0 + cellPixels[$1] })
        return (0..<frameCount).map { t in
            var s: Float = 0
            for cell in members { s += energies[t * cellCount + cell] * Float(cellPixels[cell]) }
            return s / total
        }
    }
}
