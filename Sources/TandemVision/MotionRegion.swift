/// An axis-aligned rectangle of a frame, in pixels, with a name for the outputs it labels.
public struct MotionRegion: Sendable, Hashable, Codable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int
    /// A short name (`r0c1`, `motion0`) used to name per-region outputs.
    public var label: String

    public init(x: Int, y: Int, width: Int, height: Int, label: String = "") {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
        self.label = label
    }

    public var area: Int { width * height }

    /// The rectangle's centre in pixels.
    public var center: (x: Double, y: Double) { (Double(x) + Double(width) / 2, Double(y) + Double(height) / 2) }

    /// The cells of a `rows × columns` grid over a `width × height` frame, row by row; edge cells take the remainder.
    /// - Throws: `VisionError(.invalidParameter)` for an empty grid or more cells than pixels.
    public static func grid(rows: Int, columns: Int, width: Int, height: Int) throws -> [MotionRegion] {
        guard rows >= 1, columns >= 1, rows <= height, columns <= width else {
            throw VisionError(.invalidParameter, "grid \(rows)×\(columns) over a \(width)×\(height) frame")
        }
        var cells: [MotionRegion] = []
        for r in 0..<rows {
            let top = r * height / rows, bottom = (r + 1) * height / rows
            for c in 0..<columns {
                let left = c * width / columns, right = (c + 1) * width / columns
                cells.append(MotionRegion(x: left, y: top, width: right - left, height: bottom - top, label: "r\(r)c\(c)"))
            }
        }
        return cells
    }

    public var description: String { "\(label.isEmpty ? "region" : label)[\(x),\(y) \(width)×\(height)]" }
}
