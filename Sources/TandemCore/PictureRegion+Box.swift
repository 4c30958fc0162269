/// The geometry faces, mouths and moving regions all need; one box type for the whole project.
extension PictureRegion.Box: CustomStringConvertible {
    public var area: Int { max(0, width) * max(0, height) }
    public var centerX: Double { Double(x) + Double(width) / 2 }
    public var centerY: Double { Double(y) + Double(height) / 2 }

    /// The part of the box inside `[0, width) × [0, height)`, or nil when nothing is left.
    public func clipped(width frameWidth: Int, height frameHeight: Int) -> PictureRegion.Box? {
        let left = max(0, x), top = max(0, y)
        let right = min(frameWidth, x + width), bottom = min(frameHeight, y + height)
        guard right > left, bottom > top else { return nil }
        return PictureRegion.Box(x: left, y: top, width: right - left, height: bottom - top)
    }

    /// Intersection over union, 0 for disjoint boxes; the usual measure of "the same face".
    public func overlap(_ other: PictureRegion.Box) -> Double {
        let left = max(x, other.x), top = max(y, other.y)
        let right = min(x + width, other.x + other.width), bottom = min(y + height, other.y + other.height)
        guard right > left, bottom > top else { return 0 }
        let inter = Double((right - left) * (bottom - top))
        return inter / (Double(area + other.area) - inter)
    }

    public var description: String { "[\(x),\(y) \(width)×\(height)]" }
}
