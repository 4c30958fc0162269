import Testing
import TandemCore
@testable import TandemVision

/// Two players shown as wide bands side by side, a static but grainy gap between them, stay two regions whatever their
/// timing: a band twice as long as it is tall is a "line" to `ofASize`, and its timing alone joined it to the other band
/// (`Media/two-instruments.mp4` with sensor grain, `noise=alls=20` and above: one region over both panels).
@Suite struct GrainyGapTests {
    /// 250 frames at 25 fps of a 172×80 picture (43 × 20 cells of 4) on grey 60, every pixel of every frame moved by up
    /// to ±`grain` grey levels (sensor grain, the gap's included). Two checkered bands of 72×32 pixels (18 × 8 cells) at
    /// x 8 and x 92, rows 24…55, 12 pixels (3 cells) apart, invert every other frame while they play: A the first 5 s,
    /// B the first 4 s and 5–6 s (their half-second curves correlate about 0.6: above `pieceCorrelation`, under
    /// `comparablePieceCorrelation`).
    static func scene(grain: Int = 6) throws -> MotionMap {
        var generator = SplitMix(seed: 53)
        var map = MotionMap(cellSize: 4)
        let width = 172, height = 80
        let bands: [(x: Int, phrases: [Range<Int>])] = [(8, [0..<125]), (92, [0..<100, 125..<150])]
        for t in 0..<250 {
            var pixels = [UInt8](repeating: 60, count: width * height)
            for band in bands {
                let moved = band.phrases.contains { $0.contains(t) } && t % 2 == 1
                for y in 24..<56 {
                    for x in band.x..<(band.x + 72) {
                        pixels[y * width + x] = ((x - band.x) / 4 + y / 4 + (moved ? 1 : 0)) % 2 == 0 ? 200 : 110
                    }
                }
            }
            for i in pixels.indices {
                let offset = Int(generator.unit() * Double(2 * grain + 1)) - grain
                pixels[i] = UInt8(clamping: Int(pixels[i]) + offset)
            }
            try map.append(GrayImage(width: width, height: height, pixels: pixels), time: Double(t) / 25)
        }
        return map
    }

    @Test func twoWideBandsBesideAGrainyGapStayTwo() throws {
        let map = try Self.scene()
        let finder = MotionRegionFinder()
        let a = PieceSizeTests.block(map, 2, 6, 18, 8), b = PieceSizeTests.block(map, 23, 6, 18, 8)
        let width = finder.smoothingWidth(map: map)
        let r = finder.correlation(finder.smoothed(finder.summedCurve(a, map: map), width: width),
                                   finder.smoothed(finder.summedCurve(b, map: map), width: width))
        #expect(r > finder.pieceCorrelation && r < finder.comparablePieceCorrelation, "r = \(r)")
        // Lines by the ratio of their sides, so no blobs of a size: `standApart` alone would leave them to their timing.
        #expect(finder.isLine(a, map: map) && !finder.ofASize(a, b, map: map))
        #expect(finder.broadApart(a, b, map: map))
        let regions = finder.regions(in: map)
        #expect(regions.count == 2, "\(regions)")
        #expect(regions.allSatisfy { $0.width <= 80 }, "\(regions)")
        #expect(finder.regions(in: map, count: 2).allSatisfy { $0.width <= 80 }, "\(finder.regions(in: map, count: 2))")
        // Without the rule (as before it) their timing joins them: one box over both bands and the gap.
        var joined = finder
        joined.apartSpanRatio = 0
        let one = joined.regions(in: map)
        #expect(one.count == 1 && one.allSatisfy { $0.x <= 8 && $0.x + $0.width >= 164 }, "\(one)")
    }

    @Test func broadOnBothAxesForTheGap() throws {
        var map = MotionMap(cellSize: 4)
        try map.append(GrayImage(width: 172, height: 80, pixels: [UInt8](repeating: 60, count: 172 * 80)), time: 0)
        let finder = MotionRegionFinder()
        let block = PieceSizeTests.block
        // Two bands 18 × 8 cells, 3 apart: 8 rows is at least 2.5 times the gap; 4 apart it is not.
        #expect(finder.broadApart(block(map, 0, 0, 18, 8), block(map, 21, 0, 18, 8), map: map))
        #expect(!finder.broadApart(block(map, 0, 0, 18, 8), block(map, 22, 0, 18, 8), map: map))
        // One above the other: the same on the other axis.
        #expect(finder.broadApart(block(map, 0, 0, 18, 8), block(map, 0, 11, 18, 8), map: map))
        // A bow's line broken in two along its row: thin across it, left to its timing.
        #expect(!finder.broadApart(block(map, 0, 0, 10, 3), block(map, 13, 0, 10, 3), map: map))
        // A broad piece beside a band holding more than twice its cells: a piece, left to its timing.
        #expect(!finder.broadApart(block(map, 0, 0, 18, 8), block(map, 21, 0, 8, 8), map: map))
        // Touching boxes are never apart; a ratio of 0 turns the rule off.
        #expect(!finder.broadApart(block(map, 0, 0, 18, 8), block(map, 18, 0, 18, 8), map: map))
        var off = finder
        off.apartSpanRatio = 0
        #expect(!off.broadApart(block(map, 0, 0, 18, 8), block(map, 21, 0, 18, 8), map: map))
    }
}
