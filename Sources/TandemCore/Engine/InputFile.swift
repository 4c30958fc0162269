import Foundation

/// One input of a batch: where it is, and its path below the root it was found in (for `{relpath}`,
/// sharding and the manifest).
public struct InputFile: Sendable, Hashable, Codable {
    public var url: URL
    /// Path below the folder argument it was found in (`sub/clip.mp4`), or the file name for a file argument.
    public var relativePath: String
    /// Why this input must not be opened, found while collecting it (a named pipe in a folder):
    /// the batch records it failed with this reason instead of running it.
    public var refusal: String?

    public init(url: URL, relativePath: String, refusal: String? = nil) {
        self.url = url
        self.relativePath = relativePath
        self.refusal = refusal
    }

    /// The file name without its extension.
    public var stem: String { (url.lastPathComponent as NSString).deletingPathExtension }

    /// `relativePath` without the file's extension (`sub/clip`).
    public var relpathWithoutExtension: String { (relativePath as NSString).deletingPathExtension }
}
