import CFFmpeg
import Foundation

/// A failure of the media layer, with what a user needs to act on it: what kind of failure,
/// which file, which operation, and FFmpeg's own code and message.
///
/// Reaching the end of a stream, or a decoder asking for more input (`EAGAIN`), are results
/// of the readers, never a `MediaError`.
public struct MediaError: Error, Sendable, CustomStringConvertible {
    /// The class of failure. Extensible: new codes may be added, so `switch` with a `default`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The path does not exist.
        public static let notFound = Code("notFound")
        /// The path exists but cannot be read (or written).
        public static let permissionDenied = Code("permissionDenied")
        /// A directory was given where a file was expected.
        public static let isDirectory = Code("isDirectory")
        /// The file is empty or no demuxer recognises its content.
        public static let notMediaFile = Code("notMediaFile")
        /// The file holds no stream of the kind asked for (e.g. no audio).
        public static let noUsableStream = Code("noUsableStream")
        /// FFmpeg has no decoder (or encoder) for the stream's codec.
        public static let unsupportedCodec = Code("unsupportedCodec")
        /// The data ends early or cannot be parsed part-way through.
        public static let truncatedOrCorrupt = Code("truncatedOrCorrupt")
        /// Reading or writing the file failed at the operating-system level.
        public static let io = Code("io")
        /// An argument or option the media layer cannot honour (e.g. a zero sample rate).
        public static let invalidArgument = Code("invalidArgument")
        /// Anything else FFmpeg or libsndfile reported.
        public static let other = Code("other")
    }

    public var code: Code
    /// The file the failure concerns.
    public var path: String
    /// What Tandem was doing, e.g. `open`, `decode video`, `seek`, `write`.
    public var operation: String
    /// FFmpeg's (negative) error code, when the failure came from FFmpeg.
    public var ffmpegCode: Int32?
    /// FFmpeg's message for `ffmpegCode` (`av_strerror`), or a description of the failure.
    public var message: String

    public init(_ code: Code, path: String, operation: String, ffmpegCode: Int32? = nil, message: String) {
        self.code = code
        self.path = path
        self.operation = operation
        self.ffmpegCode = ffmpegCode
        self.message = message
    }

    /// An error for FFmpeg's return value `status`, classified by `classify` or, by default,
    /// from the code alone.
    init(ffmpeg status: Int32, path: String, operation: String, code: Code? = nil) {
        self.init(code ?? MediaError.classify(status), path: path, operation: operation,
                  ffmpegCode: status, message: MediaError.ffmpegMessage(status))
    }

    public var description: String {
        var text = "\(path): \(operation) failed (\(code)): \(message)"
        if let ffmpegCode { text += " [FFmpeg \(ffmpegCode)]" }
        return text
    }

    /// FFmpeg's text for an error code. The corresponding C function is `av_strerror`.
    static func ffmpegMessage(_ status: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: Int(tandem_AV_ERROR_MAX_STRING_SIZE) + 64)
        if av_strerror(status, &buffer, buffer.count) < 0 { return "FFmpeg error \(status)" }
        return stringFromCBuffer(buffer)
    }

    /// The code for an FFmpeg status when nothing more is known about the context.
    static func classify(_ status: Int32) -> Code {
        switch status {
        case tandem_AVERROR(ENOENT): .notFound
        case tandem_AVERROR(EACCES), tandem_AVERROR(EPERM): .permissionDenied
        case tandem_AVERROR(EISDIR): .isDirectory
        case tandem_AVERROR(EIO): .io
        case tandem_AVERROR_INVALIDDATA, tandem_AVERROR_EOF: .truncatedOrCorrupt
        case tandem_AVERROR_DECODER_NOT_FOUND: .unsupportedCodec
        case tandem_AVERROR_STREAM_NOT_FOUND: .noUsableStream
        default: .other
        }
    }

    /// Checks a path before FFmpeg sees it, because FFmpeg's file protocol opens a directory
    /// without complaint and reports an empty file as a generic parse failure.
    static func checkReadable(_ path: String, operation: String = "open") throws {
        var status = stat()
        guard stat(path, &status) == 0 else {
            let err = errno
            let code: Code = err == ENOENT || err == ENOTDIR ? .notFound : err == EACCES ? .permissionDenied : .io
            throw MediaError(code, path: path, operation: operation, message: String(cString: strerror(err)))
        }
        if (status.st_mode & S_IFMT) == S_IFDIR {
            throw MediaError(.isDirectory, path: path, operation: operation, message: "is a directory, not a media file")
        }
        // Opened for real rather than asked with access(2), which answers yes to root for any mode: a socket
        // (ENXIO) cannot be opened by anyone. Non-blocking, so a FIFO without a writer does not stall here.
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            let err = errno
            let code: Code = err == EACCES || err == EPERM || err == ENXIO ? .permissionDenied : .io
            let detail = err == ENXIO ? " (a socket, or a device with nothing behind it, is not a file to read)" : ""
            throw MediaError(code, path: path, operation: operation, message: String(cString: strerror(err)) + detail)
        }
        close(descriptor)
        if (status.st_mode & S_IFMT) == S_IFREG && status.st_size == 0 {
            throw MediaError(.notMediaFile, path: path, operation: operation, message: "the file is empty")
        }
    }
}
