import Foundation
import TandemCore

/// Writes single frames as PNG or JPEG images with FFmpeg's own encoders (`png`, `mjpeg`),
/// so no image library is needed. Files are written atomically (temporary name, then rename).
public enum ImageWriter {
    public enum Format: String, Sendable {
        case png, jpeg

        /// The format for a file extension (`png`, `jpg`, `jpeg`).
        public init?(fileExtension: String) {
            switch fileExtension.lowercased() {
            case "png": self = .png
            case "jpg", "jpeg": self = .jpeg
            default: return nil
            }
        }
    }

    /// What an image shows, which picks how PNG compresses it (the pixels are the same either way).
    public enum Content: Sendable {
        /// Camera frames: noisy pixels that a row filter (Paeth) makes more compressible.
        case photographic
        /// Plots and pictures drawn by Tandem (spectrograms, masks, axes): flat areas and repeated columns that
        /// deflate alone compresses better and faster than after a row filter.
        case drawn
    }

    /// Encodes `frame` and writes it to `url`.
    /// - Parameters:
    ///   - format: `nil` picks it from `url`'s extension.
    ///   - quality: JPEG quality 1…100 (ignored for PNG, which is lossless).
    ///   - content: what the image shows, which picks PNG's deflate settings (ignored for JPEG).
    /// - Throws: `MediaError` (invalid argument for an unknown extension or a bad frame, io).
    public static func write(_ frame: VideoFrame, to url: URL, format: Format? = nil, quality: Int = 90,
                             content: Content = .photographic) throws {
        guard let format = format ?? Format(fileExtension: url.pathExtension) else {
            throw MediaError(.invalidArgument, path: url.path, operation: "write image", message: "unknown image extension .\(url.pathExtension) (png, jpg)")
        }
        let data = try encode(frame, format: format, quality: quality, content: content, path: url.path)
        do { try AtomicOutput.write(data, to: url) } catch {
            throw MediaError(.io, path: url.path, operation: "write image", message: "\(error)")
        }
    }

    /// The encoded image file's bytes. For many images in a row, keep one `ImageEncoder` instead.
    public static func encode(_ frame: VideoFrame, format: Format, quality: Int = 90, content: Content = .photographic,
                              path: String = "<memory>") throws -> Data {
        try ImageEncoder(format: format, quality: quality, content: content).encode(frame, path: path)
    }
}
