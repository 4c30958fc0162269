import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Expands the inputs of `tandem run` — files, folders and `@list` files — into a sorted list.
///
/// Folders are walked recursively; a symbolic link to a folder is followed the first time its
/// real path is seen and never again, so link loops end and no file is visited twice. In folders,
/// only media extensions are taken unless `include` globs say otherwise; hidden files (our own
/// temporaries among them) are skipped. A file named explicitly is always taken (if the globs allow).
/// A broken symbolic link in a folder is taken like a file, so the batch records it as failed; so is
/// a named pipe, socket or device found in a folder, which FFmpeg would wait on forever for a writer.
/// Named explicitly, a pipe is read: that is how a stream is handed to Tandem.
public struct InputCollector: Sendable {
    /// The extensions a folder walk picks up by default (lower case).
    public static let mediaExtensions: Set<String> = [
        "mp4", "m4v", "mov", "mkv", "webm", "avi", "mpg", "mpeg", "ts", "mts", "flv", "wmv", "ogv", "3gp",
        "wav", "flac", "mp3", "m4a", "aac", "ogg", "oga", "opus", "wma", "aif", "aiff", "caf",
    ]

    /// `fnmatch(3)` patterns a file must match (any of them); matched against the relative path
    /// and, for patterns without `/`, against the file name.
    public var include: [String]
    /// Patterns that drop a file (any of them).
    public var exclude: [String]
    /// A folder never entered (the output folder, when it lies below an input folder).
    public var skipDirectory: URL?

    public init(include: [String] = [], exclude: [String] = [], skipDirectory: URL? = nil) {
        self.include = include
        self.exclude = exclude
        self.skipDirectory = skipDirectory
    }

    /// A named input that cannot be read.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var message: String
        public var description: String { "\(path): \(message)" }
    }

    /// Every input, deduplicated by absolute path and sorted by it.
    /// - Throws: `Problem` for an argument that does not exist or a list file that cannot be read.
    public func collect(_ arguments: [String], relativeTo base: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) throws -> [InputFile] {
        var found: [String: InputFile] = [:]
        var visitedDirectories = Set<String>()
        let skip = skipDirectory.flatMap { realPath($0.path) }
        let base = URL(fileURLWithPath: base.path, isDirectory: true)
        for argument in arguments {
            try add(argument, base: base, depth: 0, into: &found, visited: &visitedDirectories, skip: skip)
        }
        return found.values.sorted { $0.url.path < $1.url.path }
    }

    private func add(_ argument: String, base: URL, depth: Int, into found: inout [String: InputFile],
                     visited: inout Set<String>, skip: String?) throws {
        if argument.hasPrefix("@") {
            let listURL = URL(fileURLWithPath: String(argument.dropFirst()), relativeTo: base).standardizedFileURL
            guard depth < 8 else { throw Problem(path: listURL.path, message: "list files nest too deeply") }
            let text: String
            do { text = try String(contentsOf: listURL, encoding: .utf8) } catch {
                throw Problem(path: listURL.path, message: "cannot read the list file: \(error.localizedDescription)")
            }
            for line in text.split(whereSeparator: \.isNewline) {
                let entry = line.trimmingCharacters(in: .whitespaces)
                if entry.isEmpty || entry.hasPrefix("#") { continue }
                try add(entry, base: listURL.deletingLastPathComponent(), depth: depth + 1, into: &found, visited: &visited, skip: skip)
            }
            return
        }
        let url = URL(fileURLWithPath: argument, relativeTo: base).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            if let target = BatchRunner.brokenLinkTarget(url.path) {
                // The link itself is there: say where it leads and why that cannot be reached (a loop, a missing target).
                let reason = access(url.path, F_OK) == 0 ? "unreadable" : String(cString: strerror(errno))
                throw Problem(path: url.path, message: "broken link: points to \(target) (\(reason))")
            }
            throw Problem(path: url.path, message: "no such file or folder")
        }
        if isDirectory.boolValue {
            walk(url, relative: "", into: &found, visited: &visited, skip: skip)
        } else {
            let input = InputFile(url: url, relativePath: url.lastPathComponent)
            if passesGlobs(input.relativePath) { found[url.path] = input }
        }
    }

    private func walk(_ directory: URL, relative: String, into found: inout [String: InputFile], visited: inout Set<String>, skip: String?) {
        guard let real = realPath(directory.path), real != skip, visited.insert(real).inserted else { return }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        for name in names.sorted() where !name.hasPrefix(".") {
            let url = directory.appendingPathComponent(name)
            let relativePath = relative.isEmpty ? name : "\(relative)/\(name)"
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
                // A link whose target is gone is still an input the user put there: it is taken (when its
                // name passes the filters) so the batch records it failed, "broken link", rather than losing it silently.
                if isSymbolicLink(url.path), include.isEmpty ? Self.mediaExtensions.contains(url.pathExtension.lowercased()) : true,
                   passesGlobs(relativePath) {
                    found[url.path] = InputFile(url: url, relativePath: relativePath)
                }
                continue
            }
            if isDirectory.boolValue {
                walk(url, relative: relativePath, into: &found, visited: &visited, skip: skip)
            } else {
                let isMedia = Self.mediaExtensions.contains(url.pathExtension.lowercased())
                guard include.isEmpty ? isMedia : true, passesGlobs(relativePath) else { continue }
                found[url.path] = InputFile(url: url, relativePath: relativePath, refusal: Self.specialFileRefusal(url.path))
            }
        }
    }

    func passesGlobs(_ relativePath: String) -> Bool {
        let name = (relativePath as NSString).lastPathComponent
        func matches(_ pattern: String) -> Bool {
            fnmatch(pattern, relativePath, 0) == 0 || (!pattern.contains("/") && fnmatch(pattern, name, 0) == 0)
        }
        if !include.isEmpty, !include.contains(where: matches) { return false }
        return !exclude.contains(where: matches)
    }

    /// Why a folder entry that is not a regular file is not read, or `nil` for a regular file.
    static func specialFileRefusal(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let kind: String
        switch info.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFIFO: kind = "a named pipe (FIFO)"
        case S_IFSOCK: kind = "a socket"
        case S_IFCHR, S_IFBLK: kind = "a device"
        default: kind = "a special file"
        }
        return "not a regular file: \(kind) found in a folder is not read, as it could wait forever for a writer; "
            + "name it as an input of its own to read a stream from it"
    }

    private func isSymbolicLink(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
    }

    private func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
