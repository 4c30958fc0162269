import TandemCore
@testable import TandemVision

/// The faint searches' test picture: 250 frames at 25 fps of 128×48 pixels (32 × 12 cells of 4) on grey 40, frame
/// differences without compensation, and an 8×8 square at x 112 jumping between y = 8 and 16 every frame (a player found
/// without the faint search). `cellLevel(t, row, column)` is a cell's grey level in frame t, nil for the background;
/// it is called for every cell of every frame in row-major order, so a seeded generator it draws from replays alike.
enum FaintScene {
    static func map(cellLevel: (_ frame: Int, _ row: Int, _ column: Int) -> UInt8?) throws -> MotionMap {
        var map = MotionMap(cellSize: 4, compensatesGlobalMotion: false)
        let width = 128, height = 48
        for t in 0..<250 {
            var pixels = [UInt8](repeating: 40, count: width * height)
            for row in 0..<12 {
                for column in 0..<32 {
                    guard let level = cellLevel(t, row, column) else { continue }
                    for y in (4 * row)..<(4 * row + 4) { for x in (4 * column)..<(4 * column + 4) { pixels[y * width + x] = level } }
                }
            }
            let top = t % 2 == 0 ? 8 : 16
            for y in top..<(top + 8) { for x in 112..<120 { pixels[y * width + x] = 220 } }
            try map.append(GrayImage(width: width, height: height, pixels: pixels), time: Double(t) / 25)
        }
        return map
    }
}
