/// An error from Sound of Pixels: missing weights or inputs the network cannot take.
public struct SoundOfPixelsError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// The converted safetensors file is not there.
        public static let missingWeights = Code(name: "missing weights")
        /// Audio, frames or regions of a size or layout the network cannot take.
        public static let invalidInput = Code(name: "invalid input")
        public var description: String { name }
    }

    public var code: Code
    public var message: String
    /// The file concerned, when there is one.
    public var file: String?
    public var underlying: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, file: String? = nil, underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.file = file
        self.underlying = underlying
    }

    public var description: String {
        var text = "Sound of Pixels: \(code): \(message)"
        if let file { text += " (\(file))" }
        if let underlying { text += ": \(underlying)" }
        return text
    }
}
