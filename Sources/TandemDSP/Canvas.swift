/// An RGB24 drawing surface, white to start.
struct Canvas {
    let width: Int, height: Int
    var bytes: [UInt8]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        bytes = [UInt8](repeating: 255, count: width * height * 3)
    }

    mutating func set(_ x: Int, _ y: Int, _ color: (UInt8, UInt8, UInt8)) {
        guard x >= 0, x < width, y >= 0, y < height else { return }
        let i = (y * width + x) * 3
        bytes[i] = color.0
        bytes[i + 1] = color.1
        bytes[i + 2] = color.2
    }

    /// Draws `text` in the 5×7 font with its top-left corner at (`x`, `y`), clipped to the canvas.
    mutating func text(_ text: String, x: Int, y: Int, color: (UInt8, UInt8, UInt8) = (0, 0, 0)) {
        for (index, character) in text.enumerated() {
            for row in 0..<BitmapFont.glyphHeight {
                for column in 0..<BitmapFont.glyphWidth where BitmapFont.ink(character, column: column, row: row) {
                    set(x + index * BitmapFont.advance + column, y + row, color)
                }
            }
        }
    }
}
