/// A tiny 5×7 pixel font for axis labels: digits and the few letters the labels use.
///
/// Drawn by hand so pictures need no font library; each glyph is seven rows of five
/// columns, `#` for ink. Unknown characters draw as a blank cell.
enum BitmapFont {
    static let glyphWidth = 5
    static let glyphHeight = 7
    /// Horizontal distance between glyph origins (one blank column).
    static let advance = 6

    // swift-format-ignore
    private static let glyphs: [Character: [String]] = [
        "0": [".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."],
        "1": ["..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."],
        "2": [".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"],
        "3": ["#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."],
        "4": ["...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."],
        "5": ["#####", "#....", "####.", "....#", "....#", "#...#", ".###."],
        "6": ["..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."],
        "7": ["#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."],
        "8": [".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."],
        "9": [".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."],
        ".": [".....", ".....", ".....", ".....", ".....", ".##..", ".##.."],
        "-": [".....", ".....", ".....", ".###.", ".....", ".....", "....."],
        "H": ["#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"],
        "z": [".....", ".....", "#####", "...#.", "..#..", ".#...", "#####"],
        "k": ["#....", "#....", "#..#.", "#.#..", "##...", "#.#..", "#..#."],
        "s": [".....", ".....", ".####", "#....", ".###.", "....#", "####."],
        "m": [".....", ".....", "##.#.", "#.#.#", "#.#.#", "#...#", "#...#"],
        "e": [".....", ".....", ".###.", "#...#", "#####", "#....", ".###."],
        "l": [".##..", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."],
        "b": ["#....", "#....", "####.", "#...#", "#...#", "#...#", "####."],
        "i": ["..#..", ".....", ".##..", "..#..", "..#..", "..#..", ".###."],
        "n": [".....", ".....", "####.", "#...#", "#...#", "#...#", "#...#"],
    ]

    /// Whether the pixel at (`column`, `row`) of `character`'s cell is ink.
    static func ink(_ character: Character, column: Int, row: Int) -> Bool {
        guard let rows = glyphs[character], row >= 0, row < glyphHeight, column >= 0, column < glyphWidth else { return false }
        let line = rows[row]
        return line[line.index(line.startIndex, offsetBy: column)] == "#"
    }

    /// Width in pixels of `text` (no trailing blank column).
    static func width(_ text: String) -> Int { text.isEmpty ? 0 : text.count * advance - 1 }
}
