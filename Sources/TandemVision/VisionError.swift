/// An error from the vision layer: what was wrong with the frames or parameters given.
public struct VisionError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure; extensible, compare with `==`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// A frame's layout, size or stride cannot be read as an image of the expected kind.
        public static let unsupportedFrame = Code(name: "unsupported frame")
        /// Consecutive frames differ in size, so their difference means nothing.
        public static let sizeChanged = Code(name: "frame size changed")
        /// A parameter is out of range (grid of zero cells, empty rectangle, rectangle outside the frame…).
        public static let invalidParameter = Code(name: "invalid parameter")
        public var description: String { name }
    }

    public var code: Code
    /// What was wrong, with the offending values.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
