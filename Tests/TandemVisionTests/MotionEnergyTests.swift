import Testing
import TandemCore
@testable import TandemVision

/// Synthetic frames: a flat background with bright squares that move (or not) from frame to frame.
enum Synthetic {
    static func gray(width: Int, height: Int, background: UInt8 = 20, squares: [(x: Int, y: Int, size: Int)]) -> GrayImage {
        var pixels = [UInt8](repeating: background, count: width * height)
        for s in squares {
            for y in max(0, s.y)..<min(height, s.y + s.size) { for x in max(0, s.x)..<min(width, s.x + s.size) { pixels[y * width + x] = 220 } }
        }
        return GrayImage(width: width, height: height, pixels: pixels)
    }

    static func frame(_ image: GrayImage, index: Int) -> VideoFrame {
        VideoFrame(layout: .gray8, width: image.width, height: image.height, stride: image.width,
                   bytes: SharedArray(image.pixels), pts: Int64(index), timeBase: Rational(1, 10), frameIndex: index, seconds: Double(index) / 10)
    }
}

@Suite struct MotionEnergyTests {
    @Test func rgbFrameBecomesBT601Luma() throws {
        // Two pixels per row, row stride padded to 8 bytes.
        let bytes: [UInt8] = [255, 0, 0, 0, 255, 0, 9, 9, 0, 0, 255, 255, 255, 255, 9, 9]
        let frame = VideoFrame(layout: .rgb24, width: 2, height: 2, stride: 8, bytes: SharedArray(bytes),
                               pts: 0, timeBase: Rational(1, 1), frameIndex: 0, seconds: 0)
        let gray = try GrayImage(frame)
        #expect(gray.pixels == [77, 149, 29, 255])
    }

    @Test func shortFrameBufferIsRejected() {
        let frame = VideoFrame(layout: .rgb24, width: 4, height: 4, stride: 12, bytes: SharedArray([UInt8](repeating: 0, count: 20)),
                               pts: 0, timeBase: Rational(1, 1), frameIndex: 0, seconds: 0)
        #expect(throws: VisionError.self) { try GrayImage(frame) }
    }

    @Test func gridSeesMotionOnlyWhereTheSquareMoves() throws {
        let regions = try MotionRegion.grid(rows: 1, columns: 2, width: 32, height: 16)
        #expect(regions.map(\.width) == [16, 16])
        var motion = try MotionEnergy(regions: regions)
        let still = (x: 20, y: 4, size: 6)
        let a = Synthetic.gray(width: 32, height: 16, squares: [(2, 2, 4), still])
        let b = Synthetic.gray(width: 32, height: 16, squares: [(6, 2, 4), still])
        #expect(try motion.append(Synthetic.frame(a, index: 0)) == [0, 0])
        let energies = try motion.append(Synthetic.frame(b, index: 1))
        // The square moved by its own width: 2 · 16 pixels changed by 200 in the left 16×16 cell.
        #expect(abs(energies[0] - Float(32 * 200) / Float(255 * 256)) < 1e-6)
        #expect(energies[1] == 0)
        #expect(motion.series[0].count == 2 && motion.times == [0, 0.1])
    }

    @Test func arbitraryRectangleIsClippedToTheFrame() throws {
        let a = Synthetic.gray(width: 10, height: 10, squares: [])
        let b = Synthetic.gray(width: 10, height: 10, squares: [(8, 8, 2)])
        let inside = try MotionEnergy.meanAbsoluteDifference(a, b, in: MotionRegion(x: 8, y: 8, width: 5, height: 5))
        #expect(abs(inside - 200.0 / 255) < 1e-6)
        #expect(throws: VisionError.self) { try MotionEnergy.meanAbsoluteDifference(a, b, in: MotionRegion(x: 20, y: 0, width: 2, height: 2)) }
    }

    @Test func sizeChangeIsAnError() throws {
        var motion = try MotionEnergy(region: MotionRegion(x: 0, y: 0, width: 4, height: 4))
        try motion.append(Synthetic.gray(width: 8, height: 8, squares: []), time: 0)
        #expect(throws: VisionError.self) { try motion.append(Synthetic.gray(width: 9, height: 8, squares: []), time: 0.1) }
    }
}

@Suite struct MotionRegionFinderTests {
    /// Two squares in the left and right thirds of a 48×24 picture that move at different moments.
    static func twoPlayers(frames: Int = 24) throws -> MotionMap {
        var map = MotionMap(cellSize: 4)
        for t in 0..<frames {
            let left = (t % 6 < 3) ? 2 : 6           // jumps every 3 frames
            let right = (t % 4 < 2) ? 16 : 19        // jumps every 2 frames
            let image = Synthetic.gray(width: 48, height: 24, squares: [(left, 8, 6), (34, right - 8, 6)])
            try map.append(image, time: Double(t))
        }
        return map
    }

    @Test func connectedComponentsFindEachMovingSquare() throws {
        let map = try Self.twoPlayers()
        let regions = MotionRegionFinder().regions(in: map)
        #expect(regions.count == 2)
        #expect(regions[0].label == "motion0" && regions[0].x < 16 && regions[0].x + regions[0].width <= 16)
        #expect(regions[1].x >= 32)
        // The map's curve for a found region follows that square's jumps only.
        let curve = map.series(for: regions[0])
        #expect(curve[3] > 0 && curve[1] == 0)
    }

    @Test func kMeansSplitsTouchingPlayersByTheirTiming() throws {
        // Two touching 8×8 squares that flicker on their own beats: one blob, split in two by timing.
        var map = MotionMap(cellSize: 4)
        for t in 0..<30 {
            var squares: [(x: Int, y: Int, size: Int)] = []
            if t % 6 < 3 { squares.append((4, 8, 8)) }
            if t % 10 < 5 { squares.append((12, 8, 8)) }
            try map.append(Synthetic.gray(width: 40, height: 24, squares: squares), time: Double(t))
        }
        #expect(MotionRegionFinder().regions(in: map).count == 1)
        let split = MotionRegionFinder().regions(in: map, count: 2)
        #expect(split.count == 2)
        #expect(split.map(\.x) == [4, 12] && split.map(\.width) == [8, 8])
    }

    @Test func countKeepsTheBusiestSeparateRegions() throws {
        let map = try Self.twoPlayers()
        let one = MotionRegionFinder().regions(in: map, count: 1)
        #expect(one.count == 1)
        let two = MotionRegionFinder().regions(in: map, count: 2)
        #expect(two == MotionRegionFinder().regions(in: map))
    }

    @Test func piecesThatMoveTogetherAreOneRegion() throws {
        // One mover seen as two separate blobs (top and bottom edges of the same shape) flickering in step,
        // and a second mover on its own beat: two regions, not three.
        var map = MotionMap(cellSize: 4)
        for t in 0..<30 {
            var squares: [(x: Int, y: Int, size: Int)] = []
            if t % 6 < 3 { squares += [(4, 0, 4), (4, 16, 4)] }
            if t % 10 < 5 { squares.append((32, 8, 6)) }
            try map.append(Synthetic.gray(width: 48, height: 24, squares: squares), time: Double(t))
        }
        // The pieces here are single cells, smaller than the specks dropped by default.
        var finder = MotionRegionFinder()
        finder.minimumCells = 1
        let regions = finder.regions(in: map)
        #expect(regions.count == 2)
        #expect(regions[0].x == 4 && regions[0].y == 0 && regions[0].height == 20)
        finder.mergeCorrelation = 1.01
        finder.pieceGap = 0
        #expect(finder.regions(in: map).count == 3)
        #expect(MotionRegionFinder().regions(in: map).count == 1)
    }

    @Test func piecesOfOnePlayerMovingInTurnAreOneRegion() throws {
        // The two ends of one bow move in turn (never in the same frame) but in the same phrases; a second
        // player far away plays the same phrases. The ends are one region, the far player another.
        var map = MotionMap(cellSize: 4)
        for t in 0..<60 {
            let playing = t % 30 < 15
            var squares: [(x: Int, y: Int, size: Int)] = []
            if playing ? t % 4 < 2 : true { squares.append((4, 0, 4)) }
            if playing ? (t + 1) % 4 < 2 : true { squares.append((4, 16, 4)) }
            if playing ? t % 6 < 3 : true { squares.append((68, 8, 4)) }
            try map.append(Synthetic.gray(width: 80, height: 24, squares: squares), time: Double(t) / 25)
        }
        var finder = MotionRegionFinder()
        finder.minimumCells = 1
        // Frame by frame the ends are anti-correlated: the correlation merge alone keeps them apart.
        #expect(finder.correlation(finder.summedCurve([1], map: map), finder.summedCurve([4 * map.columns + 1], map: map)) < 0.5)
        let regions = finder.regions(in: map)
        #expect(regions.count == 2)
        #expect(regions[0].x == 4 && regions[0].y == 0 && regions[0].height == 20)
        #expect(regions[1].x == 68)
        // Without the piece merge, three; with no distance limit, the far player would be taken in too.
        finder.pieceGap = 0
        #expect(finder.regions(in: map).count == 3)
        finder.pieceGap = 20
        #expect(finder.regions(in: map).count == 1)
    }

    @Test func stillVideoHasNoRegions() throws {
        var map = MotionMap(cellSize: 4)
        for t in 0..<5 { try map.append(Synthetic.gray(width: 16, height: 16, squares: [(4, 4, 4)]), time: Double(t)) }
        #expect(MotionRegionFinder().regions(in: map).isEmpty)
    }
}
