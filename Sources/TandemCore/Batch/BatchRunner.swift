import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Options of one batch (`tandem run`'s flags).
public struct BatchOptions: Sendable {
    public var outputDirectory: URL
    /// Inputs processed at once (each with its own graph and threads).
    public var jobs = 1
    /// Skip inputs the manifest records as done, with unchanged size and mtime.
    public var resume = false
    public var shard: Shard?
    public var capacity = ChannelCapacity.standard
    /// Compute threads of each graph; nil: the available cores split between the graphs that run at
    /// once (`ComputeContext.share(ofJobs:)`), so `--jobs N` never runs N graphs each as wide as the machine.
    public var threadsPerGraph: Int?

    /// The compute width of each graph when `running` inputs are processed at once.
    public func compute(running: Int) -> ComputeContext {
        threadsPerGraph.map { ComputeContext(threads: $0) } ?? ComputeContext.share(ofJobs: min(max(1, jobs), max(1, running)))
    }

    public init(outputDirectory: URL) { self.outputDirectory = outputDirectory }
}

/// Runs a pipeline over many inputs: one isolated graph per input, `jobs` inputs at a time.
///
/// A failing input is recorded and the batch goes on. Outputs of an input are committed (renamed
/// into place) only when its whole graph completed. Each input's record is appended to the run's
/// manifest (`manifestURL`) as soon as it finishes, so an interrupted batch resumes where it stopped;
/// `--resume` reads every manifest of the folder, so a batch can be resumed with another shard count.
/// The whole input list is recorded in `inputs.json` (`BatchInputList`) for `tandem status`.
public final class BatchRunner: @unchecked Sendable {
    // @unchecked: `running`, `cancelled` and `summary` are guarded by `lock`; the rest is immutable.
    public let pipeline: Pipeline
    public let catalog: NodeCatalog
    public let options: BatchOptions
    private let progress: BatchProgress
    private let lock = NSLock()
    private var running: [ObjectIdentifier: GraphExecution] = [:]
    private var cancelled = false

    public init(pipeline: Pipeline, catalog: NodeCatalog, options: BatchOptions, progress: BatchProgress) {
        self.pipeline = pipeline
        self.catalog = catalog
        self.options = options
        self.progress = progress
    }

    /// The manifest this run writes: `manifest.jsonl`, or `manifest.shard-I-of-N.jsonl` for a shard,
    /// so that every manifest file has one writer (see `Manifest`).
    public var manifestURL: URL { options.outputDirectory.appendingPathComponent(Manifest.fileName(for: options.shard)) }

    /// Stops the batch: no new input starts, running graphs are cancelled and their outputs discarded.
    /// Safe from any thread (a signal handler's queue).
    public func cancel() {
        let executions = lock.withLock { () -> [GraphExecution] in
            cancelled = true
            return Array(running.values)
        }
        for execution in executions { execution.cancel() }
    }

    /// Processes `inputs` (already collected and sorted) and blocks until done or cancelled.
    /// - Throws: when the manifest cannot be opened (nothing has run then).
    public func run(_ inputs: [InputFile]) throws -> BatchSummary {
        let started = Clock.nanoseconds()
        let mine = options.shard.map { shard in inputs.filter { shard.contains($0.relativePath) } } ?? inputs
        var done: [String: ManifestRecord] = [:]
        if options.resume {
            // The newest record wins: a file that failed after an earlier success is no longer done.
            for (path, record) in Manifest.latestRecords(in: options.outputDirectory) where record.status != .failed {
                done[path] = record
            }
        }
        let previous = done
        let manifest = try Manifest(url: manifestURL)
        do {
            try BatchInputList(inputs: inputs, shards: options.shard?.count).record(in: options.outputDirectory)
        } catch {
            // The batch itself does not need the list; only `tandem status` misses its pending count.
            FileHandle.standardError.write(Data("tandem: warning: cannot record the input list: \(error)\n".utf8))
        }
        var summary = BatchSummary(manifest: manifestURL)
        summary.otherShards = inputs.count - mine.count
        progress.start(total: mine.count, skippedByShard: summary.otherShards)

        let next = Counter()
        let group = DispatchGroup()
        let summaryBox = SummaryBox(summary)
        let compute = options.compute(running: mine.count)
        for _ in 0..<max(1, min(options.jobs, mine.count)) {
            group.enter()
            let worker = Thread { [self] in
                while !lock.withLock({ cancelled }), let index = next.take(below: mine.count) {
                    let input = mine[index]
                    progress.fileStarted(input)
                    guard var record = process(input, previous: previous[input.url.path], compute: compute) else { continue }
                    record.finished = Date().timeIntervalSince1970
                    do { try manifest.append(record) } catch {
                        FileHandle.standardError.write(Data("tandem: cannot append to the manifest: \(error)\n".utf8))
                    }
                    summaryBox.count(record)
                    progress.fileFinished(input, record: record)
                }
                group.leave()
            }
            worker.name = "tandem.batch"
            worker.start()
        }
        group.wait()
        summary = summaryBox.value
        summary.otherShards = inputs.count - mine.count
        summary.cancelled = lock.withLock { cancelled }
        summary.wallSeconds = Double(Clock.nanoseconds() - started) / 1e9
        progress.finish(summary)
        return summary
    }

    /// Runs one input; `nil` when the batch was cancelled meanwhile (no record, so `--resume` reruns it).
    private func process(_ input: InputFile, previous: ManifestRecord?, compute: ComputeContext) -> ManifestRecord? {
        let started = Clock.nanoseconds()
        var record = ManifestRecord(path: input.url.path, relpath: input.relativePath, size: -1, mtime: 0, status: .failed)
        func elapsed() -> Double { Double(Clock.nanoseconds() - started) / 1e9 }
        var info = stat()
        guard stat(input.url.path, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            if let target = Self.brokenLinkTarget(input.url.path) {
                record.error = .init(errorClass: "InputError", message: "broken link: points to \(target) (\(reason))")
            } else {
                record.error = .init(errorClass: "InputError", message: "cannot stat \(input.url.path): \(reason)")
            }
            return record
        }
        record.size = Int64(info.st_size)
        record.mtime = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
        if let refusal = input.refusal {
            record.error = .init(errorClass: "InputError", message: refusal)
            return record
        }
        if let previous, previous.size == record.size, abs(previous.mtime - record.mtime) < 1e-6 {
            record.status = .skipped
            record.outputs = previous.outputs
            return record
        }
        do {
            let graph = try pipeline.makeGraph(catalog: catalog, capacity: options.capacity)
            let display = progress
            let execution = try GraphExecution(graph, input: input, outputDirectory: options.outputDirectory,
                                               progress: { display.nodeProgressed($0) }, compute: compute)
            let key = ObjectIdentifier(execution)
            let admitted = lock.withLock { () -> Bool in
                if cancelled { return false }
                running[key] = execution
                return true
            }
            guard admitted else { return nil }
            defer { lock.withLock { _ = running.removeValue(forKey: key) } }
            do {
                let result = try execution.run()
                record.status = .ok
                record.outputs = result.outputs
                record.nodes = result.statistics
                record.warnings = result.warnings.isEmpty ? nil : result.warnings
            } catch {
                record.nodes = execution.statistics
                throw error
            }
        } catch is GraphCancelled {
            return nil
        } catch let error as NodeError {
            record.error = .init(errorClass: Self.errorClass(error), message: error.underlying.map(Self.message) ?? Self.withFinalNames(error.message),
                                 node: error.nodeID, time: error.mediaTime)
        } catch {
            record.error = .init(errorClass: Self.errorClass(error), message: Self.message(error))
        }
        record.wallSeconds = elapsed()
        return record
    }

    /// Where `path` points when it is a symbolic link (whose target cannot be reached); nil when it is not a link.
    static func brokenLinkTarget(_ path: String) -> String? {
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK else { return nil }
        return (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"
    }

    /// `Type.code` when the error has a `code` property (as every Tandem error does), `FileError.reason`
    /// for Foundation's file errors (a full disk, a folder it may not write), else the type name.
    static func errorClass(_ error: any Error) -> String {
        if let nodeError = error as? NodeError {
            guard let underlying = nodeError.underlying else { return "NodeError.\(nodeError.code)" }
            return errorClass(underlying)
        }
        if let fileError = error as? CocoaError {
            return switch Self.posixCode(fileError) {
            case ENOSPC: "FileError.noSpace"
            case EDQUOT: "FileError.quotaExceeded"
            case EACCES, EPERM: "FileError.permissionDenied"
            case EROFS: "FileError.readOnlyFileSystem"
            default: "FileError.io"
            }
        }
        let type = String(describing: Swift.type(of: error))
        if let code = Mirror(reflecting: error).children.first(where: { $0.label == "code" })?.value {
            let text = String(describing: code)
            return "\(type).\(text.split(separator: "(").first.map(String.init) ?? text)"
        }
        return type
    }
}

extension BatchRunner {
    /// A failure's message for the manifest and the progress line: Foundation's file errors as
    /// "PATH: No space left on device" rather than a dump of their user info, and every
    /// output named by its final name, not the hidden temporary it was being written to.
    static func message(_ error: any Error) -> String {
        guard let fileError = error as? CocoaError else { return withFinalNames(String(describing: error)) }
        let path = (fileError.userInfo[NSFilePathErrorKey] as? String) ?? (fileError.userInfo[NSURLErrorKey] as? URL)?.path
        let reason = posixCode(fileError).map { String(cString: strerror($0)) } ?? fileError.localizedDescription
        return withFinalNames(path.map { "\($0): \(reason)" } ?? reason)
    }

    /// The POSIX error under a Foundation file error (ENOSPC for a full disk), when it has one.
    static func posixCode(_ error: CocoaError) -> Int32? {
        guard let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain else { return nil }
        return Int32(underlying.code)
    }

    /// `text` with each hidden temporary output name (`.frame_000001.tandem-tmp-k3j9.png`, or a writer's own
    /// temporary inside ours, `..a.tandem-tmp-x.tandem-tmp-y.flac`) replaced by the final name (`frame_000001.png`).
    static func withFinalNames(_ text: String) -> String {
        guard text.contains(".tandem-tmp-") else { return text }
        return text.replacing(/(^|[\/\s])\.{1,2}([^\/\s]+?)(\.tandem-tmp-[0-9a-z]+)+/) { match in "\(match.output.1)\(match.output.2)" }
    }
}

/// Hands out indices 0, 1, 2, … to the worker threads.
private final class Counter: @unchecked Sendable {
    // @unchecked: `value` is guarded by `lock`.
    private let lock = NSLock()
    private var value = 0
    func take(below limit: Int) -> Int? {
        lock.withLock {
            guard value < limit else { return nil }
            defer { value += 1 }
            return value
        }
    }
}

/// The running counts, updated by the worker threads.
private final class SummaryBox: @unchecked Sendable {
    // @unchecked: `value` is guarded by `lock`.
    private let lock = NSLock()
    private var summary: BatchSummary
    init(_ summary: BatchSummary) { self.summary = summary }
    func count(_ record: ManifestRecord) {
        lock.withLock {
            switch record.status {
            case .ok: summary.ok += 1
            case .failed: summary.failed += 1
            case .skipped: summary.skipped += 1
            }
            if record.warnings != nil { summary.warned += 1 }
        }
    }
    var value: BatchSummary { lock.withLock { summary } }
}
