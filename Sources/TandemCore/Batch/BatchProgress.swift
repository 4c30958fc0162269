import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How `tandem run` reports progress.
public enum ProgressMode: String, Sendable, CaseIterable {
    /// A live bar when stderr is a terminal, plain lines otherwise.
    case auto
    /// One line per finished input.
    case plain
    /// One JSON object per line (events `start`, `file`, `summary`), for other programs.
    case json
    /// Nothing but the final summary.
    case none
}

/// Reports a batch's progress on stderr: a redrawn bar on a terminal, lines otherwise.
///
/// Called from the worker threads; every method takes the lock, so lines never interleave.
public final class BatchProgress: @unchecked Sendable {
    // @unchecked: all mutable state is guarded by `lock`.
    private enum Style { case bar, plain, json, none }
    private let style: Style
    private let showStatistics: Bool
    private let lock = NSLock()
    private var total = 0
    private var done = 0
    private var failed = 0
    private var skipped = 0
    private var current: [String] = []
    /// The latest node progress of each running input (shown on the bar).
    private var working: [String: NodeProgress] = [:]
    private var startNanoseconds: UInt64 = Clock.nanoseconds()
    private var timer: DispatchSourceTimer?
    private let write: @Sendable (String) -> Void

    /// - Parameters:
    ///   - write: where text goes (stderr by default; tests capture it).
    public init(mode: ProgressMode, statistics: Bool, isTerminal: Bool = isatty(STDERR_FILENO) == 1,
                write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        switch mode {
        case .auto: style = isTerminal ? .bar : .plain
        case .plain: style = .plain
        case .json: style = .json
        case .none: style = .none
        }
        showStatistics = statistics
        self.write = write
    }

    func start(total: Int, skippedByShard: Int) {
        lock.withLock {
            self.total = total
            startNanoseconds = Clock.nanoseconds()
            switch style {
            case .json: emitJSON(["event": "start", "total": total, "other_shards": skippedByShard])
            case .plain: write("tandem: \(total) input\(total == 1 ? "" : "s")\(skippedByShard > 0 ? " in this shard (\(skippedByShard) in others)" : "")\n")
            case .bar:
                let timer = DispatchSource.makeTimerSource(queue: .global())
                timer.schedule(deadline: .now() + 0.5, repeating: 0.5)
                timer.setEventHandler { [weak self] in self?.lock.withLock { self?.drawBar() } }
                timer.resume()
                self.timer = timer
            case .none: break
            }
        }
    }

    func fileStarted(_ input: InputFile) {
        lock.withLock {
            current.append(input.relativePath)
            if style == .bar { drawBar() }
        }
    }

    /// A node's progress inside one input: a JSON event, a plain line, or the bar's tail.
    func nodeProgressed(_ progress: NodeProgress) {
        lock.withLock {
            let path = progress.input ?? ""
            switch style {
            case .json:
                emitJSON(["event": "progress", "path": path, "node": progress.nodeID, "done": progress.done, "total": progress.total,
                          "unit": progress.unit])
            case .plain:
                write("    \(path) \(progress.nodeID): \(progress.done)/\(progress.total) \(progress.unit)\n")
            case .bar:
                working[path] = progress
                drawBar()
            case .none: break
            }
        }
    }

    func fileFinished(_ input: InputFile, record: ManifestRecord) {
        lock.withLock {
            current.removeAll { $0 == input.relativePath }
            working[input.relativePath] = nil
            done += 1
            if record.status == .failed { failed += 1 }
            if record.status == .skipped { skipped += 1 }
            switch style {
            case .json:
                var event: [String: Any] = ["event": "file", "done": done, "total": total, "path": record.path,
                                            "status": record.status.rawValue, "seconds": record.wallSeconds, "outputs": record.outputs]
                if let error = record.error { event["error"] = "\(error.errorClass): \(error.message)" }
                if let warnings = record.warnings { event["warnings"] = warnings }
                emitJSON(event)
            case .plain:
                let detail = record.error.map { ": \($0.errorClass): \($0.message)" } ?? ""
                write("[\(done)/\(total)] \(record.status.rawValue) \(input.relativePath) (\(String(format: "%.2f", record.wallSeconds)) s)\(detail)\n")
                for warning in record.warnings ?? [] { write("    warning: \(warning)\n") }
            case .bar:
                if record.status == .failed, let error = record.error {
                    write("\r\u{1B}[Kfailed \(input.relativePath): \(error.errorClass): \(error.message)\n")
                }
                for warning in record.warnings ?? [] { write("\r\u{1B}[Kwarning \(input.relativePath): \(warning)\n") }
                drawBar()
            case .none: break
            }
            if showStatistics, style != .json, !record.nodes.isEmpty {
                if style == .bar { write("\r\u{1B}[K") }
                write(Self.statisticsTable(record))
                if style == .bar { drawBar() }
            }
        }
    }

    func finish(_ summary: BatchSummary) {
        lock.withLock {
            timer?.cancel()
            timer = nil
            if style == .bar { write("\r\u{1B}[K") }
            if style == .json {
                emitJSON(["event": "summary", "ok": summary.ok, "warned": summary.warned, "failed": summary.failed, "skipped": summary.skipped,
                          "seconds": summary.wallSeconds, "manifest": summary.manifest.path, "cancelled": summary.cancelled])
            }
        }
    }

    /// The `--stats` table of one input.
    static func statisticsTable(_ record: ManifestRecord) -> String {
        func cell(_ text: String, _ width: Int, left: Bool = false) -> String {
            let pad = String(repeating: " ", count: max(0, width - text.count))
            return left ? text + pad : pad + text
        }
        let idWidth = max(4, record.nodes.map(\.id.count).max() ?? 0) + 2
        let kindWidth = max(4, record.nodes.map(\.kind.count).max() ?? 0) + 2
        var lines = ["  \(record.relpath): per-node statistics",
                     "  " + cell("node", idWidth, left: true) + cell("kind", kindWidth, left: true)
                        + cell("in", 10) + cell("out", 10) + cell("busy s", 10) + cell("queue hw", 10)]
        for node in record.nodes {
            lines.append("  " + cell(node.id, idWidth, left: true) + cell(node.kind, kindWidth, left: true)
                         + cell(String(node.packetsIn), 10) + cell(String(node.packetsOut), 10)
                         + cell(String(format: "%.3f", node.busySeconds), 10) + cell(String(node.queueHighWater), 10))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func drawBar() {
        guard style == .bar else { return }
        let elapsed = Double(Clock.nanoseconds() - startNanoseconds) / 1e9
        let width = 24
        let filled = total == 0 ? width : width * done / total
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        var line = "\r\u{1B}[K\(bar) \(done)/\(total) files"
        if failed > 0 { line += ", \(failed) failed" }
        line += String(format: ", %.2f files/s", rate)
        if done > 0, done < total { line += ", ETA \(Self.clock(eta))" }
        if let file = current.last {
            line += "  \(file)"
            if let step = working[file] { line += " · \(step.nodeID) \(step.done)/\(step.total) \(step.unit)" }
        }
        write(line)
    }

    private static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }

    private func emitJSON(_ object: [String: Any]) {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        write(String(decoding: data, as: UTF8.self) + "\n")
    }
}
