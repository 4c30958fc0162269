import ArgumentParser
import Foundation
import TandemCore
import TandemNodes

/// `tandem run PIPELINE INPUT... --out DIR` — the batch runner.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a pipeline over files, folders and @list files.",
        discussion: """
        Inputs are files, folders (recursive, media extensions unless --include says otherwise) and
        @list.txt files (one path per line). Each input gets its own graph; outputs appear under their
        final names only when the input completed. DIR/manifest.jsonl records every input.
        Exit status: 0 all ok, 1 some inputs failed, 2 usage or validation error, 130 interrupted.
        """)

    @Argument(help: "The pipeline file (YAML).") var pipeline: String
    @Argument(help: "Input files, folders and @list files.") var inputs: [String]
    @Option(help: "Output folder (created).") var out: String
    @Option(help: "Inputs processed at once.") var jobs = 1
    @Flag(help: "Skip inputs the manifest records as done with unchanged size and mtime.") var resume = false
    @Option(help: "Process only shard I of N (0-based, e.g. 0/4); default from SLURM_ARRAY_TASK_ID/COUNT or JOB_COMPLETION_INDEX.") var shard: String?
    @Option(help: "Number of shards when the index comes from JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs).") var shards: Int?
    @Option(name: .customLong("set"), help: "Override a pipeline parameter (key=value); repeatable.") var overrides: [String] = []
    @Option(help: "auto (bar on a terminal, else plain), plain, json or none.") var progress: String = "auto"
    @Flag(help: "Print per-node statistics (packets, busy time, queue high-water mark) for every input.") var stats = false
    @Option(help: "Only inputs matching this glob (repeatable).") var include: [String] = []
    @Option(help: "Drop inputs matching this glob (repeatable).") var exclude: [String] = []

    func run() throws {
        let summary = try runBatch()
        print(summary.text)
        if summary.exitCode != 0 { throw ExitCode(summary.exitCode) }
    }

    /// Validates, runs the batch and returns its summary without printing it (job commands such as
    /// `transcribe-talking-head` run their bundled pipeline through this and report their own way).
    func runBatch() throws -> BatchSummary {
        guard let mode = ProgressMode(rawValue: progress) else {
            throw usageError("--progress must be one of \(ProgressMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard jobs >= 1 else { throw usageError("--jobs must be at least 1") }
        let loaded = try PipelineLoading.load(pipeline, overrides: overrides)
        var options = BatchOptions(outputDirectory: URL(fileURLWithPath: out).standardizedFileURL)
        options.jobs = jobs
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
        let runner = BatchRunner(pipeline: loaded, catalog: .standard, options: options,
                                 progress: BatchProgress(mode: mode, statistics: stats))
        // Ctrl-C: stop starting inputs, cancel the running graphs (their temporaries are removed),
        // record nothing for them, and exit 130. A second Ctrl-C exits at once.
        signal(SIGINT, SIG_IGN)
        let interrupts = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        let count = InterruptCount()
        interrupts.setEventHandler {
            if count.increment() > 1 { _exit(130) }
            FileHandle.standardError.write(Data("\ntandem: interrupted; stopping (Ctrl-C again to quit at once)\n".utf8))
            runner.cancel()
        }
        interrupts.resume()
        let summary: BatchSummary
        do { summary = try runner.run(files) } catch {
            throw usageError("cannot write the manifest: \(error)")
        }
        interrupts.cancel()
        return summary
    }
}

/// How many SIGINTs arrived (the handler runs on a global queue).
private final class InterruptCount: @unchecked Sendable {
    // @unchecked: `value` is guarded by `lock`.
    private let lock = NSLock()
    private var value = 0
    func increment() -> Int { lock.withLock { value += 1; return value } }
}
