import Testing
import TandemCore
@testable import TandemVision

/// Pieces of one player join by their timing; two blobs of a size need stronger timing than a small piece:
/// two players side by side whose phrases overlap stay two regions, a player's two hands striking together
/// are one.
@Suite struct PieceSizeTests {
    /// 250 frames at 25 fps of a 120×40 picture (4-pixel cells) with still stripes on the backdrop; each player is a
    /// 16×16 striped block by default (four cells by four) whose stripes shift by 2 px and back every other frame while it
    /// plays (its phrases) and rest otherwise.
    /// `width` × `height` pixels sets the players' size (centred on row 20); a `checkered` player is a checkerboard of 4-pixel squares
    /// that inverts instead (large players whose stripes shift together would read as the camera panning).
    static func scene(players: [(x: Int, phrases: [Range<Int>])], width: Int = 16, height: Int = 16, checkered: Bool = false) throws -> MotionMap {
        var map = MotionMap(cellSize: 4)
        for t in 0..<250 {
            var pixels = (0..<(120 * 40)).map { UInt8(($0 % 120) % 16 < 3 ? 90 : 40) }
            for p in players {
                let moved = p.phrases.contains { $0.contains(t) } && t % 2 == 1
                for y in (20 - height / 2)..<(20 + height / 2) {
                    for x in p.x..<(p.x + width) {
                        let bright = checkered ? ((x - p.x) / 4 + y / 4 + (moved ? 1 : 0)) % 2 == 0 : (x - p.x + (moved ? 2 : 0)) % 4 < 2
                        pixels[y * 120 + x] = bright ? 220 : 120
                    }
                }
            }
            try map.append(GrayImage(width: 120, height: 40, pixels: pixels), time: Double(t) / 25)
        }
        return map
    }

    @Test func twoPlayersOfASizeWhosePhrasesOverlapStayTwo() throws {
        // 8 cells apart (within `pieceGap`); A plays the first half, B the first 4 s and 5–6 s: their half-second
        // curves correlate about 0.6, above `pieceCorrelation`, below `comparablePieceCorrelation`.
        let map = try Self.scene(players: [(16, [0..<125]), (64, [0..<100, 125..<150])])
        let finder = MotionRegionFinder()
        let width = finder.smoothingWidth(map: map)
        let a = map.cells(in: MotionRegion(x: 16, y: 12, width: 16, height: 16)), b = map.cells(in: MotionRegion(x: 64, y: 12, width: 16, height: 16))
        let r = finder.correlation(finder.smoothed(finder.summedCurve(a, map: map), width: width), finder.smoothed(finder.summedCurve(b, map: map), width: width))
        #expect(r > finder.pieceCorrelation && r < finder.comparablePieceCorrelation, "r = \(r)")
        #expect(finder.ofASize(a, b, map: map))
        let regions = finder.regions(in: map)
        #expect(regions.count == 2, "\(regions)")
        #expect(regions.allSatisfy { $0.width <= 24 }, "\(regions)")
        // Held to the small pieces' bar, the two players are one box.
        var loose = finder
        loose.comparablePieceCorrelation = finder.pieceCorrelation
        #expect(loose.regions(in: map).count == 1)
    }

    @Test func twoHandsStrikingTogetherAreOneRegion() throws {
        let phrases = [0..<60, 100..<180, 210..<250]
        let map = try Self.scene(players: [(16, phrases), (48, phrases)])
        let regions = MotionRegionFinder().regions(in: map)
        #expect(regions.count == 1, "\(regions)")
        #expect(regions.first.map { $0.x <= 16 && $0.x + $0.width >= 64 } == true, "\(regions)")
    }

    @Test func twoWidePlayersCloseBesideEachOtherStayTwoWhateverTheirTiming() throws {
        // Two players 40 px (10 cells) wide, 16 px (4 cells) apart, whose phrases mostly coincide (two bows stroking
        // continuously; their curves correlate about 0.83, above `comparablePieceCorrelation`, under `mergeCorrelation`):
        // each spans 2.5 times the gap between them, so they are two bodies, not one player's pieces.
        let map = try Self.scene(players: [(8, [0..<60, 100..<180, 210..<250]), (64, [0..<60, 100..<160, 210..<250])], width: 40, height: 24, checkered: true)
        let finder = MotionRegionFinder()
        let a = map.cells(in: MotionRegion(x: 8, y: 8, width: 40, height: 24)), b = map.cells(in: MotionRegion(x: 64, y: 8, width: 40, height: 24))
        #expect(finder.ofASize(a, b, map: map))
        #expect(finder.standApart(a, b, map: map))
        let regions = finder.regions(in: map)
        #expect(regions.count == 2, "\(regions)")
        #expect(regions.allSatisfy { $0.width <= 48 }, "\(regions)")
        #expect(finder.regions(in: map, count: 2).allSatisfy { $0.width <= 48 })
        // Without the rule their timing joins them: one box over both.
        var joined = finder
        joined.apartSpanRatio = 0
        #expect(joined.regions(in: map).count == 1)
    }

    @Test func blobsWideApartForTheirSize() throws {
        let map = try Self.scene(players: [])
        let finder = MotionRegionFinder()
        // Side by side: 5 cells wide, 2 apart (2.5 times) — apart; 3 apart — not.
        #expect(finder.standApart(Self.block(map, 0, 0, 5, 4), Self.block(map, 7, 0, 5, 4), map: map))
        #expect(!finder.standApart(Self.block(map, 0, 0, 5, 4), Self.block(map, 8, 0, 5, 4), map: map))
        // The narrower of the two decides: 4 cells wide beside 10, 2 apart.
        #expect(!finder.standApart(Self.block(map, 0, 0, 4, 4), Self.block(map, 6, 0, 10, 4), map: map))
        // Stacked: their heights across the gap between them count, not their widths.
        #expect(!finder.standApart(Self.block(map, 0, 0, 10, 3), Self.block(map, 0, 6, 10, 3), map: map))
        #expect(finder.standApart(Self.block(map, 0, 0, 4, 4), Self.block(map, 0, 5, 4, 4), map: map))
        // Touching or overlapping boxes are never apart.
        #expect(!finder.standApart(Self.block(map, 0, 0, 5, 4), Self.block(map, 5, 0, 5, 4), map: map))
    }

    @Test func linesAndSmallPiecesAreNotBlobsOfASize() throws {
        let map = try Self.scene(players: [])
        let finder = MotionRegionFinder()
        #expect(finder.ofASize(Self.block(map, 0, 0, 4, 4), Self.block(map, 10, 0, 4, 3), map: map))
        // A small piece beside a blob (a hand beside a body): at most half its cells.
        #expect(!finder.ofASize(Self.block(map, 0, 0, 4, 4), Self.block(map, 10, 0, 2, 4), map: map))
        // The two ends of a bow, 3 cells tall under a shaking camera and 7–8 long: lines, whatever their size.
        #expect(!finder.ofASize(Self.block(map, 0, 2, 8, 3), Self.block(map, 12, 2, 7, 3), map: map))
        #expect(!finder.ofASize(Self.block(map, 0, 0, 4, 4), Self.block(map, 10, 0, 6, 2), map: map))
    }

    /// The cells of a `width` × `height` block of `map` whose top-left cell is at `column`, `row`.
    static func block(_ map: MotionMap, _ column: Int, _ row: Int, _ width: Int, _ height: Int) -> [Int] {
        (row..<(row + height)).flatMap { r in (column..<(column + width)).map { r * map.columns + $0 } }
    }
}
