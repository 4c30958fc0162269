import Dispatch
import Foundation
import TandemCore

/// Motion energy on a fine grid of square cells, kept for every frame: the input to region finding.
///
/// Each frame is compared with the one before after undoing what the whole picture does, so that
/// only local motion — a player — scores:
/// - **light**: the previous frame's luma is matched to the current one's mean and spread (a global
///   gain and offset), so fades, flicker and a stage light that follows the music do not move;
/// - **camera**: a global translation is found by matching the row and column luma profiles, and
///   the previous frame is compared shifted by it (pans, shake);
/// - **sub-pixel drift and zoom**: a pixel scores only its distance to the range of the previous
///   frame's 3×3 neighbourhood, so edges that slide by less than a pixel (shake, a slow zoom,
///   compression noise) do not;
/// - **what is left everywhere**: the frame's median cell energy (a residue of the above touches
///   every cell; a player touches few) is subtracted;
/// - **scene cuts and flashes**: a frame whose median cell energy is still above `cutLevel` after all
///   that is a new picture, not motion; it scores 0.
/// A whole video costs a few passes per pixel per frame; the curves of any region can be read back
/// afterwards (`series(for:)`) without decoding the video again.
///
/// Memory is one row of cells per time step (9 KB for 256×144 in 4-pixel cells: 830 MB for an hour
/// at 25 fps). With a `stepBudget` the map keeps at most that many steps: once full, neighbouring
/// steps are averaged in pairs and later frames are averaged `framesPerStep` at a time, so a long
/// video is mapped at a coarser time step in bounded memory. Each frame's full-rate row is returned by
/// `append` for callers that keep it elsewhere (on disk) for the curves of the regions found.
public struct MotionMap: Sendable {
    /// Side of a cell in pixels (edge cells may be smaller).
    public let cellSize: Int
    /// Whether global changes (light, camera, cuts) are undone before measuring motion.
    public let compensatesGlobalMotion: Bool
    /// Median cell energy (mean |Δluma| / 255) above which a frame is taken for a cut or flash.
    public var cutLevel: Float = 0.05
    /// Largest camera translation searched between consecutive frames, as a fraction of the shorter side.
    public var maximumShiftFraction = 0.06
    public private(set) var width = 0
    public private(set) var height = 0
    public private(set) var rows = 0
    public private(set) var columns = 0
    /// Pixels per cell (edge cells hold fewer).
    private var cellPixels: [Int] = []
    /// Frame-major: `energies[frame * cellCount + cell]`, mean |Δluma| / 255 in the cell.
    public private(set) var energies: [Float] = []
    public private(set) var times: [Double] = []
    /// Frames taken for cuts or flashes (their energies are 0).
    public private(set) var cuts: [Int] = []
    /// The camera translation found at each frame (pixels, current relative to previous).
    public private(set) var shifts: [(x: Int, y: Int)] = []
    /// The last frame, prepared for the next comparison (its profiles, quartiles and neighbourhood range).
    private var previous: MotionFrame?
    /// Threads a frame's cell energies may be computed on (bands of cell rows, each summed in the same
    /// order, so the map is the same at every count); nil: the running graph's width
    /// (`ComputeContext.current`), else 1.
    public var threads: Int?
    /// Most time steps kept (nil: one per frame, without bound). Even, at least 2.
    public var stepBudget: Int? {
        didSet { stepBudget = stepBudget.map { max(2, $0 + $0 % 2) } }
    }
    /// Frames averaged into one time step (1 until the budget was first reached; then doubling).
    public private(set) var framesPerStep = 1
    /// Frames appended so far (`frameCount` counts time steps).
    public private(set) var framesAppended = 0
    /// Frames of the step being gathered (summed), while `framesPerStep` > 1.
    private var pendingCells: [Float] = []
    private var pendingTime = 0.0
    private var pendingCount = 0

    /// - Parameters:
    ///   - cellSize: cell side in pixels (≥ 1); 4–16 keeps the map small and the regions precise enough.
    ///   - compensatesGlobalMotion: undo light and camera changes first (false: plain frame differences).
    public init(cellSize: Int = 8, compensatesGlobalMotion: Bool = true) {
        precondition(cellSize >= 1, "cell size must be at least 1")
        self.cellSize = cellSize
        self.compensatesGlobalMotion = compensatesGlobalMotion
    }

    public var cellCount: Int { rows * columns }
    /// Time steps kept: one per frame unless `stepBudget` made the map coarser.
    public var frameCount: Int { times.count }

    /// Adds a decoded frame.
    /// - Returns: the frame's cell energies (full rate, whatever the map keeps).
    /// - Throws: `VisionError` for an unreadable frame or a size change.
    @discardableResult
    public mutating func append(_ frame: VideoFrame) throws -> [Float] { try append(GrayImage(frame), time: frame.seconds) }

    /// Adds a luma image; the first image of the map fixes its size and scores 0 everywhere.
    /// - Returns: the frame's cell energies (full rate, whatever the map keeps).
    /// - Throws: `VisionError(.sizeChanged)` when the size differs from the first image's.
    /// - Complexity: O(pixels · shift radius) for the profiles, O(pixels) otherwise.
    @discardableResult
    public mutating func append(_ image: GrayImage, time: Double) throws -> [Float] {
        if previous == nil && times.isEmpty {
            width = image.width
            height = image.height
            rows = (height + cellSize - 1) / cellSize
            columns = (width + cellSize - 1) / cellSize
            cellPixels = [Int](repeating: 0, count: rows * columns)
            for y in 0..<height { for x in 0..<width { cellPixels[(y / cellSize) * columns + x / cellSize] += 1 } }
            // The whole budget at once (address space only until rows are written): growing by doubling would
            // copy the map, holding it twice for a moment, each time it doubled.
            if let stepBudget { energies.reserveCapacity(stepBudget * rows * columns) }
        }
        guard image.width == width, image.height == height else {
            throw VisionError(.sizeChanged, "frame \(framesAppended) is \(image.width)×\(image.height), the map is \(width)×\(height)")
        }
        var cells = [Float](repeating: 0, count: cellCount)
        var shift = (x: 0, y: 0)
        let frame = compensatesGlobalMotion ? MotionFrame(image) : MotionFrame(plain: image)
        if let previous {
            if compensatesGlobalMotion {
                let comparison = GlobalMotion(previous: previous, current: frame, maximumShift: max(1, Int(maximumShiftFraction * Double(min(width, height)))))
                shift = comparison.shift
                cells = Self.cellEnergies(comparison, cellSize: cellSize, rows: rows, columns: columns, threads: threads ?? ComputeContext.current?.threads ?? 1)
                let median = OrderStatistic.median(cells)
                if median > cutLevel {
                    cuts.append(framesAppended)
                    cells = [Float](repeating: 0, count: cellCount)
                } else {
                    for c in cells.indices { cells[c] = max(0, cells[c] - median) }
                }
            } else {
                cells = Self.plainDifference(previous.image, image, cellSize: cellSize, columns: columns, cellPixels: cellPixels)
            }
        }
        shifts.append(shift)
        previous = frame
        framesAppended += 1
        if framesPerStep == 1 {
            energies.append(contentsOf: cells)
            times.append(time)
        } else {
            if pendingCount == 0 { pendingCells = [Float](repeating: 0, count: cellCount); pendingTime = 0 }
            for c in cells.indices { pendingCells[c] += cells[c] }
            pendingTime += time
            pendingCount += 1
            if pendingCount == framesPerStep {
                let scale = 1 / Float(framesPerStep)
                energies.append(contentsOf: pendingCells.map { $0 * scale })
                times.append(pendingTime / Double(framesPerStep))
                pendingCount = 0
            }
        }
        if let stepBudget, times.count >= stepBudget, pendingCount == 0 { halveTimeResolution() }
        return cells
    }

    /// Averages neighbouring time steps in pairs (an odd last step is kept as the start of the next).
    ///
    /// In place: step `p` is written over after steps `2p` and `2p + 1` were read, and the storage keeps its
    /// capacity, so the map never holds a second copy of itself and never grows past its budget (a new
    /// array per halving cost half the map again at each halving, and its refill after it).
    private mutating func halveTimeResolution() {
        let count = times.count, pairs = count / 2, cells = cellCount
        var leftover: [Float] = []
        var leftoverTime = 0.0
        if count % 2 == 1 {
            leftover = Array(energies[(count - 1) * cells..<count * cells])
            leftoverTime = times[count - 1]
        }
        energies.withUnsafeMutableBufferPointer { e in
            for p in 0..<pairs {
                let a = 2 * p * cells, b = a + cells
                for c in 0..<cells { e[p * cells + c] = (e[a + c] + e[b + c]) / 2 }
            }
        }
        energies.removeLast((count - pairs) * cells)
        for p in 0..<pairs { times[p] = (times[2 * p] + times[2 * p + 1]) / 2 }
        times.removeLast(count - pairs)
        if !leftover.isEmpty {
            // The odd step holds `framesPerStep` frames: half of the new step, gathered as its sum.
            pendingCells = leftover.map { $0 * Float(framesPerStep) }
            pendingTime = leftoverTime * Double(framesPerStep)
            pendingCount = framesPerStep
        }
        framesPerStep *= 2
    }

    /// A frame's cell energies, in bands of cell rows on up to `threads` threads when the frame is
    /// large enough to be worth it (each cell is summed by one thread in pixel order: the same values
    /// at every thread count).
    /// - Parameter bandPixels: pixels a band must hold to be worth a thread (below about 100 000 a band
    ///   costs less than waking one).
    static func cellEnergies(_ comparison: GlobalMotion, cellSize: Int, rows: Int, columns: Int, threads: Int,
                             bandPixels: Int = 100_000) -> [Float] {
        let bands = min(threads, rows, comparison.current.width * comparison.current.height / max(1, bandPixels))
        guard bands > 1 else { return comparison.cellEnergies(cellSize: cellSize, rows: rows, columns: columns) }
        let results = BandResults(count: bands)
        DispatchQueue.concurrentPerform(iterations: bands) { b in
            let band = (rows * b / bands)..<(rows * (b + 1) / bands)
            results.set(b, comparison.cellEnergies(cellSize: cellSize, rows: rows, columns: columns, cellRows: band))
        }
        return results.joined()
    }

    /// Mean |Δluma| / 255 per cell, no compensation.
    static func plainDifference(_ p: GrayImage, _ q: GrayImage, cellSize cs: Int, columns cols: Int, cellPixels: [Int]) -> [Float] {
        var sums = [Int](repeating: 0, count: cellPixels.count)
        let w = p.width
        let a = p.pixels.span, b = q.pixels.span
        do {
            var cells = sums.mutableSpan
            for y in 0..<(p.pixels.count / w) {
                let rowBase = (y / cs) * cols
                let line = y * w
                var x = 0
                while x < w {
                    let end = min(w, x + cs)
                    var s = 0
                    for i in (line + x)..<(line + end) {
                        let d = Int(a[i]) - Int(b[i])
                        s += d < 0 ? -d : d
                    }
                    cells[rowBase + x / cs] += s
                    x = end
                }
            }
        }
        return sums.indices.map { Float(Double(sums[$0]) / (255 * Double(max(cellPixels[$0], 1)))) }
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

    /// The cells whose centre lies in `region` (the nearest cell when none does).
    public func cells(in region: MotionRegion) -> [Int] {
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
        return members
    }

    /// The energy curve of a region: the pixel-weighted mean of the cells whose centre lies in it
    /// (the nearest cell when none does). Exact for cell-aligned regions such as those `MotionRegionFinder` returns.
    public func series(for region: MotionRegion) -> [Float] { series(for: region, rows: energies) }

    /// The energy curve of a region over `rows` laid out like `energies` (frame-major rows of
    /// `cellCount`), e.g. the full-rate rows `append` returned, kept elsewhere.
    public func series(for region: MotionRegion, rows: [Float]) -> [Float] {
        let members = cells(in: region)
        guard !members.isEmpty, cellCount > 0 else { return [] }
        let total = Float(members.reduce(0) { $0 + cellPixels[$1] })
        return (0..<(rows.count / cellCount)).map { t in
            var s: Float = 0
            for cell in members { s += rows[t * cellCount + cell] * Float(cellPixels[cell]) }
            return s / total
        }
    }
}

/// The bands of one frame's cell energies as the threads finish them.
/// `@unchecked Sendable`: every access holds `lock`.
private final class BandResults: @unchecked Sendable {
    private let lock = NSLock()
    private var bands: [[Float]]

    init(count: Int) { bands = Array(repeating: [], count: count) }

    func set(_ index: Int, _ values: [Float]) {
        lock.lock()
        bands[index] = values
        lock.unlock()
    }

    func joined() -> [Float] {
        lock.lock()
        defer { lock.unlock() }
        return bands.flatMap { $0 }
    }
}
