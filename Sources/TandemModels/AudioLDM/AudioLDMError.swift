/// Why an AudioLDM checkpoint cannot be used or a request cannot be run; the message names the file
/// or the parameter and, for a missing checkpoint, how to obtain one.
public struct AudioLDMError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        case missingComponent, unsupportedConfiguration, invalidRequest
    }

    public let code: Code
    public let file: String?
    public let message: String

    public init(_ code: Code, file: String? = nil, _ message: String) {
        self.code = code
        self.file = file
        self.message = message
    }

    public var description: String { file.map { "\($0): \(message)" } ?? message }
}
