/// Why a report could not be written.
public struct ReportError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The folder has no manifest: it is not the output folder of `tandem run`.
        case noManifest
        /// The report folder could not be written.
        case writeFailed
    }

    public var code: Code
    /// The file or folder concerned.
    public var path: String
    public var message: String

    public init(_ code: Code, path: String, message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
