/// One problem found in a pipeline file, at the place in the file it concerns.
public struct PipelineIssue: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based line and column (as editors and compilers count), 0 when the problem has no place
    /// in the file (a `--set` override).
    public var line: Int
    public var column: Int
    public var message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file:line:column: error: message`, the format editors jump to.
    public var description: String {
        line > 0 ? "\(file):\(line):\(column): error: \(message)" : "\(file): error: \(message)"
    }
}

/// Every problem of a pipeline file at once, so a user fixes them in one go.
public struct PipelineValidationError: Error, Sendable, CustomStringConvertible {
    public var issues: [PipelineIssue]
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
