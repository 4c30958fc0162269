import Foundation

/// Where a model directory named in a pipeline lives on disk.
///
/// A relative path is looked up first in the current directory, then in the package root of the
/// running executable (the first parent of `.build/<config>/tandem` holding `Package.swift`), so
/// `Models/whisper-tiny.en` works both from a checkout and when `tandem` is called from elsewhere.
enum ModelDirectory {
    /// The directory `path` names; when it exists nowhere, the current-directory reading (for messages).
    static func resolve(_ path: String) -> URL {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return URL(fileURLWithPath: expanded) }
        let here = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(expanded)
        if FileManager.default.fileExists(atPath: here.path) { return here }
        if let root = packageRoot() {
            let candidate = root.appendingPathComponent(expanded)
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
        }
        return here
    }

    /// The nearest parent of the executable holding a `Package.swift`.
    static func packageRoot() -> URL? {
        // Bundle.main reads /proc/self/exe, so this also works when `tandem` was found through PATH.
        let executable = (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments.first ?? "")).resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        for _ in 0..<6 {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) { return directory }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }
}
