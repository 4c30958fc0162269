import CFFmpeg
import Foundation

/// Where FFmpeg's log messages go. Quiet by default: a batch over thousands of files must not
/// flood the terminal with FFmpeg's warnings; errors that matter are returned as `MediaError`s.
///
/// FFmpeg calls one C trampoline (installed once, the first time the media layer is used),
/// which formats the message and hands it to the handler set here, under a lock.
public enum MediaLog {
    /// FFmpeg's log levels (`AV_LOG_*`), most severe first.
    public enum Level: Int32, Sendable, Comparable {
        case panic = 0, fatal = 8, error = 16, warning = 24, info = 32, verbose = 40, debug = 48
        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public typealias Handler = @Sendable (Level, String) -> Void

    /// Sends messages at `level` or more severe to `handler`; `nil` silences FFmpeg.
    /// The corresponding C functions are `av_log_set_callback` and `av_log_set_level`.
    public static func setHandler(level: Level = .warning, _ handler: Handler?) {
        installTrampoline()
        state.withLock { $0 = handler.map { (level, $0) } }
        av_log_set_level(handler == nil ? -8 /* AV_LOG_QUIET */ : level.rawValue)
    }

    /// Prints messages at `level` or more severe to standard error, prefixed with `ffmpeg:`.
    public static func logToStandardError(level: Level = .warning) {
        setHandler(level: level) { _, line in
            FileHandle.standardError.write(Data("ffmpeg: \(line)".utf8))
        }
    }

    /// Installs the trampoline (once). Every entry point of the media layer calls this first.
    static func installTrampoline() { _ = installed }

    private static let installed: Void = {
        av_log_set_level(-8)
        av_log_set_callback { _, level, format, arguments in
            guard let format, let arguments, let (threshold, handler) = MediaLog.state.current, level <= threshold.rawValue else { return }
            var buffer = [CChar](repeating: 0, count: 1024)
            _ = vsnprintf(&buffer, buffer.count, format, arguments)
            let line = stringFromCBuffer(buffer)
            handler(Level.nearest(level), line.hasSuffix("\n") ? line : line + "\n")
        }
    }()

    fileprivate static let state = LockedHandler()

    fileprivate static func nearest(_ raw: Int32) -> Level { Level.nearest(raw) }
}

extension MediaLog.Level {
    /// The named level at or just above `raw` (FFmpeg also has `trace` and in-between values).
    static func nearest(_ raw: Int32) -> MediaLog.Level {
        [.panic, .fatal, .error, .warning, .info, .verbose].first { raw <= $0.rawValue } ?? .debug
    }
}

/// The current handler, behind a lock because FFmpeg logs from its decoding threads.
private final class LockedHandler: @unchecked Sendable {
    // @unchecked: `value` is only read or written while `lock` is held.
    private let lock = NSLock()
    private var value: (MediaLog.Level, MediaLog.Handler)?

    var current: (MediaLog.Level, MediaLog.Handler)? { lock.withLock { value } }

    func withLock(_ body: (inout (MediaLog.Level, MediaLog.Handler)?) -> Void) {
        lock.withLock { body(&value) }
    }
}
