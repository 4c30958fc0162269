import ArgumentParser
import Foundation
import TandemCore
import TandemNodes
import TandemReport

/// `tandem run PIPELINE INPUT... --out DIR` — the batch runner.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a pipeline over files, folders and @list files.",
        discussion: """
        Inputs are files, folders (recursive, media extensions unless --include says otherwise) and \
        @list.txt files (one path per line). Each input gets its own graph; outputs appear under their \
        final names only when the input completed. DIR/manifest.jsonl records every input \
        (DIR/manifest.shard-I-of-N.jsonl for a shard: one writer per file); DIR/inputs.json lists them all.

        Exit status: 0 all ok, 1 some inputs failed, 2 usage or validation error, 130 interrupted (SIGINT), \
        143 terminated (SIGTERM, as schedulers send before killing; unfinished inputs rerun with --resume).
        """)

    @Argument(help: "The pipeline file (YAML).") var pipeline: String
    @Argument(help: "Input files, folders and @list files.") var inputs: [String]
    @Option(help: "Output folder (created).") var out: String
    @Option(help: "Inputs processed at once.") var jobs = 1
    @Option(help: "Compute threads of each input's graph (default: the cores, or TANDEM_THREADS, split between the --jobs graphs).")
    var threads: Int?
    @Flag(help: "Skip inputs the manifest records as done with unchanged size and mtime.") var resume = false
    @Option(help: "Process only shard I of N (0-based, e.g. 0/4); default from SLURM_ARRAY_TASK_ID/COUNT or JOB_COMPLETION_INDEX.") var shard: String?
    @Option(help: "Number of shards when the index comes from JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs).") var shards: Int?
    @Option(name: .customLong("set"), help: "Override a pipeline parameter (key=value); repeatable.") var overrides: [String] = []
    @Option(help: "auto (bar on a terminal, else plain), plain, json or none.") var progress: String = "auto"
    @Flag(help: "Print per-node statistics (packets, busy time, queue high-water mark) for every input.") var stats = false
    @Option(help: "Only inputs matching this glob (repeatable).") var include: [String] = []
    @Option(help: "Drop inputs matching this glob (repeatable).") var exclude: [String] = []
    @Flag(help: "Write an HTML report of the batch to DIR/report/index.html when it ends (as `tandem report DIR`; not per shard).") var report = false
    @Option(help: "Seconds the running inputs get to stop after SIGTERM before tandem exits anyway (143; they rerun with --resume).")
    var stopGrace: Double = 20

    func run() throws {
        let (summary, terminated) = try runBatch()
        print(summary.text)
        try Self.exit(summary, terminated: terminated)
    }

    /// Throws the batch's exit status: 143 after SIGTERM, else the summary's (0 when all succeeded).
    static func exit(_ summary: BatchSummary, terminated: Bool) throws {
        if summary.cancelled, terminated { throw ExitCode(143) }
        if summary.exitCode != 0 { throw ExitCode(summary.exitCode) }
    }

    /// Validates, runs the batch and returns its summary without printing it (job commands such as
    /// `transcribe-talking-head` run their bundled pipeline through this and report their own way).
    /// - Returns: the summary, and whether SIGTERM stopped it.
    func runBatch() throws -> (summary: BatchSummary, terminated: Bool) {
        guard let mode = ProgressMode(rawValue: progress) else {
            throw usageError("--progress must be one of \(ProgressMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard jobs >= 1 else { throw usageError("--jobs must be at least 1") }
        guard stopGrace >= 0, stopGrace.isFinite else { throw usageError("--stop-grace must be a number of seconds, 0 or more") }
        if let threads, threads < 1 { throw usageError("--threads must be at least 1") }
        let loaded = try PipelineLoading.load(pipeline, overrides: overrides)
        var options = BatchOptions(outputDirectory: URL(fileURLWithPath: out).standardizedFileURL)
        options.jobs = jobs
        options.threadsPerGraph = threads
        options.resume = resume
        do {
            if let shard {
                options.shard = try Shard(parsing: shard)
            } else {
                options.shard = try Shard.fromEnvironment(ProcessInfo.processInfo.environment, shards: shards)
            }
        } catch let problem as ShardProblem {
            throw usageError(problem.message)
        }
        let collector = InputCollector(include: include, exclude: exclude, skipDirectory: options.outputDirectory)
        let files: [InputFile]
        do { files = try collector.collect(inputs) } catch let problem as InputCollector.Problem {
            throw usageError(problem.description)
        }
        if files.isEmpty {
            // Not an error (a resumed or sharded batch may have nothing left), but a mistyped folder or
            // `--include` glob should not pass as a quiet success.
            let filter = include.isEmpty ? "media files (by extension)" : "files matching --include \(include.joined(separator: " "))"
            FileHandle.standardError.write(Data("tandem: warning: no \(filter) among \(inputs.joined(separator: " ")); nothing to run\n".utf8))
        }
        try refuseOutputCollisions(loaded, files)
        let started = Date()
        var record = RunRecord(
            pipeline: pipeline, pipelinePath: URL(fileURLWithPath: pipeline).standardizedFileURL.path,
            pipelineText: (try? String(contentsOfFile: pipeline, encoding: .utf8)) ?? "",
            overrides: overrides.map { item in
                let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                return RunRecord.Override(key: String(parts[0]), value: parts.count > 1 ? String(parts[1]) : "")
            },
            parameters: loaded.parameters.mapValues(\.description), command: CommandLine.arguments,
            started: started.timeIntervalSince1970, jobs: jobs, shard: options.shard?.description)
        do { try record.write(in: options.outputDirectory, shard: options.shard) } catch {
            throw usageError("cannot write \(RunRecord.fileName(for: options.shard)) in \(options.outputDirectory.path): \(error)")
        }
        let runner = BatchRunner(pipeline: loaded, catalog: .standard, options: options,
                                 progress: BatchProgress(mode: mode, statistics: stats))
        // Ctrl-C: stop starting inputs, cancel the running graphs (their temporaries are removed),
        // record nothing for them, and exit 130. A second Ctrl-C exits at once.
        let interrupts = SignalStop(runner, on: SIGINT, exitCode: 130,
                                    message: "interrupted; stopping (Ctrl-C again to quit at once)")
        // SIGTERM: what Slurm (scancel, the time limit, preemption), Kubernetes and `timeout` send before
        // SIGKILL. Stop the same way, so the shard's manifest is whole and no temporary outputs are left
        // behind; exit 143 as a shell reports SIGTERM. A rerun with --resume picks up the rest. No second
        // signal comes from a scheduler, so a step that cannot be interrupted (a read from a pipe whose
        // writer is gone, a library call that loops) gets `--stop-grace` seconds, then the process exits:
        // the manifest then holds every finished input, and the next run removes the temporaries left.
        let terminations = SignalStop(runner, on: SIGTERM, exitCode: 143, message: "terminated (SIGTERM); stopping",
                                      grace: stopGrace)
        let summary: BatchSummary
        do { summary = try runner.run(files) } catch {
            throw usageError("cannot write the manifest: \(error)")
        }
        interrupts.cancel()
        terminations.cancel()
        let terminated = terminations.arrived
        record.finished = Date().timeIntervalSince1970
        record.wallSeconds = summary.wallSeconds
        try? record.write(in: options.outputDirectory, shard: options.shard)
        if report, let shard = options.shard, shard.count > 1 {
            // Shards finish at different times and would replace each other's report folder.
            print("tandem: report: not written by shard \(shard); once every shard is done: tandem report \(out)")
        } else if report, !(summary.cancelled && terminated) {
            do {
                let page = try BatchReport(outputDirectory: options.outputDirectory).write()
                print("tandem: report: \(page.path)")
            } catch {
                FileHandle.standardError.write(Data("tandem: cannot write the report: \(error)\n".utf8))
            }
        }
        return (summary, terminated)
    }
}

/// Cancels a batch when a signal arrives, and exits with the signal's status when it arrives again or
/// when the running inputs have not stopped within the grace period.
private final class SignalStop: @unchecked Sendable {
    // @unchecked: `count` and `deadline` are guarded by `lock`; the rest is immutable.
    private let source: DispatchSourceSignal
    private let lock = NSLock()
    private var count = 0
    private var deadline: DispatchWorkItem?

    /// - Parameter grace: seconds the batch gets to stop after the first signal (nil: until a second signal).
    init(_ runner: BatchRunner, on number: Int32, exitCode: Int32, message: String, grace: Double? = nil) {
        signal(number, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler { [unowned self] in
            let arrivals = lock.withLock { count += 1; return count }
            if arrivals > 1 { _exit(exitCode) }
            FileHandle.standardError.write(Data("\ntandem: \(message)\n".utf8))
            if let grace {
                let exit = DispatchWorkItem {
                    FileHandle.standardError.write(Data(
                        "tandem: still running \(String(format: "%g", grace)) s after the signal (a step that cannot be interrupted); exiting\n".utf8))
                    _exit(exitCode)
                }
                lock.withLock { deadline = exit }
                DispatchQueue.global().asyncAfter(deadline: .now() + grace, execute: exit)
            }
            runner.cancel()
        }
        source.resume()
    }

    /// Whether the signal came at all.
    var arrived: Bool { lock.withLock { count > 0 } }

    /// Stops listening (the batch is over) and calls off a pending exit.
    func cancel() {
        source.cancel()
        lock.withLock { deadline?.cancel() }
    }
}
