/// An error reading or matching model weights: what went wrong, in which file, for which tensor.
public struct WeightsError: Error, Sendable, CustomStringConvertible {
    /// What went wrong. Extensible: new codes are added as static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A file the model needs is not there (the message says how to obtain it).
        public static let missingFile = Code("missingFile")
        /// The file exists but cannot be read or mapped.
        public static let unreadable = Code("unreadable")
        /// The safetensors header length is larger than the file or than the sanity cap.
        public static let headerTooLarge = Code("headerTooLarge")
        /// The header or a JSON file is not valid JSON of the expected form.
        public static let invalidHeader = Code("invalidHeader")
        /// A tensor's dtype is not F32, F16 or BF16.
        public static let unsupportedDType = Code("unsupportedDType")
        /// A tensor's byte span does not equal its shape's product times the dtype size.
        public static let sizeMismatch = Code("sizeMismatch")
        /// A tensor's offsets fall outside the data section.
        public static let offsetsOutOfRange = Code("offsetsOutOfRange")
        /// Two tensors share bytes.
        public static let overlappingTensors = Code("overlappingTensors")
        /// A tensor was asked for by name and is not in the file.
        public static let tensorNotFound = Code("tensorNotFound")
        /// The checkpoint's tensors do not match the model's parameters (see the three lists).
        public static let parameterMismatch = Code("parameterMismatch")
        /// `config.json` (or another configuration) does not describe a model we can build.
        public static let invalidConfiguration = Code("invalidConfiguration")
    }

    /// A parameter whose checkpoint tensor has the wrong shape.
    public struct ShapeMismatch: Sendable, Hashable {
        public var name: String
        /// The shape the layer asked for.
        public var expected: [Int]
        public var found: [Int]
        /// The file that holds the tensor (a shard, a component's safetensors, a `model.bin`).
        public var file: String?

        public init(name: String, expected: [Int], found: [Int], file: String? = nil) {
            self.name = name
            self.expected = expected
            self.found = found
            self.file = file
        }

        /// Two mismatches are the same when they concern the same tensor and shapes; where it was found is context.
        public static func == (lhs: ShapeMismatch, rhs: ShapeMismatch) -> Bool {
            lhs.name == rhs.name && lhs.expected == rhs.expected && lhs.found == rhs.found
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(name)
            hasher.combine(expected)
            hasher.combine(found)
        }
    }

    public var code: Code
    /// The file concerned, when there is one.
    public var file: String?
    /// The tensor concerned, when there is one.
    public var tensor: String?
    public var message: String
    /// For `parameterMismatch`: parameters the model declares that the checkpoint lacks.
    public var missing: [String] = []
    /// For `parameterMismatch`: checkpoint tensors no parameter maps to.
    public var unexpected: [String] = []
    /// For `parameterMismatch`: parameters present with another shape.
    public var wrongShape: [ShapeMismatch] = []
    public var underlying: (any Error & Sendable)?

    public init(_ code: Code, file: String? = nil, tensor: String? = nil, _ message: String, underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.file = file
        self.tensor = tensor
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        var text = "weights error (\(code))"
        if let file { text += " in \(file)" }
        if let tensor { text += " for tensor '\(tensor)'" }
        text += ": \(message)"
        if !missing.isEmpty { text += "\n  missing: \(missing.joined(separator: ", "))" }
        if !unexpected.isEmpty { text += "\n  unexpected: \(unexpected.joined(separator: ", "))" }
        for mismatch in wrongShape {
            text += "\n  wrong shape: \(mismatch.name) expected \(mismatch.expected), found \(mismatch.found)"
            if let file = mismatch.file, file != self.file { text += " in \(file)" }
        }
        if let underlying { text += " (\(underlying))" }
        return text
    }
}
