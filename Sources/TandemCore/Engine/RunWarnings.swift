import Foundation

/// Things a run noticed that did not stop it but that the user must hear about (a file that ends
/// before its stated duration, damaged packets skipped): collected from every node of one graph run
/// and written into the manifest beside `status: ok`, so "ok" never hides half an input.
public final class RunWarnings: @unchecked Sendable {
    // @unchecked: every access holds `lock`.
    private let lock = NSLock()
    private var messages: [String] = []

    public init() {}

    public func add(_ message: String) {
        lock.withLock { messages.append(message) }
    }

    /// The warnings in the order they were added.
    public var all: [String] { lock.withLock { messages } }
}
