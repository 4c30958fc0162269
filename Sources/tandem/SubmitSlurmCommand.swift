import ArgumentParser
import Foundation
import TandemCore
import TandemNodes

/// `tandem submit slurm PIPELINE INPUT... --out DIR --tasks N` — a Slurm job array, one shard per task.
///
/// The pipeline and inputs are checked here, on the login node, so a typo costs an error message
/// rather than N failed tasks. The script and `inputs.json` go into the output folder (which the
/// compute nodes must share), then `sbatch --parsable` submits the script.
struct SubmitSlurmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm", abstract: "Write and submit an sbatch job array running the batch, one shard per task.",
        discussion: """
        Writes DIR/tandem-slurm.sbatch (tasks 0…N-1, each `tandem run … --shard $SLURM_ARRAY_TASK_ID/N \
        --resume --jobs C`, logs in DIR/slurm-logs/) and DIR/inputs.json (the resolved inputs and N, for \
        `tandem status`), then submits with `sbatch --parsable`. Each task writes only \
        DIR/manifest.shard-I-of-N.jsonl. A failed task reruns alone: sbatch --array=K DIR/tandem-slurm.sbatch.

        Exit status: 0 submitted (or printed), 1 sbatch refused, 2 usage or pipeline error (nothing submitted).
        """)

    @Argument(help: "The pipeline file (YAML).") var pipeline: String
    @Argument(help: "Input files, folders and @list files (the compute nodes must see the same paths).") var inputs: [String]
    @Option(help: "Output folder on a file system every node shares (created).") var out: String
    @Option(help: "Array tasks, i.e. shards.") var tasks: Int
    @Option(help: "Slurm partition.") var partition: String?
    @Option(help: "Time limit per task (Slurm syntax: MM, HH:MM:SS, D-HH).") var time: String?
    @Option(help: "CPUs per task; each task runs this many inputs at once.") var cpusPerTask = 1
    @Option(help: "Memory per task (Slurm syntax: 2G, 500M).") var mem: String?
    @Option(help: "Job name (default: tandem-<pipeline name>).") var jobName: String?
    @Option(name: .customLong("set"), help: "Override a pipeline parameter (key=value); repeatable.") var overrides: [String] = []
    @Option(help: "Only inputs matching this glob (repeatable).") var include: [String] = []
    @Option(help: "Drop inputs matching this glob (repeatable).") var exclude: [String] = []
    @Flag(help: "Print the script instead of writing and submitting it.") var dryRun = false

    func run() throws {
        guard tasks >= 1 else { throw usageError("--tasks must be at least 1") }
        guard cpusPerTask >= 1 else { throw usageError("--cpus-per-task must be at least 1") }
        let loaded = try PipelineLoading.load(pipeline, overrides: overrides)
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        let outputDirectory = URL(fileURLWithPath: out, relativeTo: cwd).standardizedFileURL
        let collector = InputCollector(include: include, exclude: exclude, skipDirectory: outputDirectory)
        let files: [InputFile]
        do { files = try collector.collect(inputs, relativeTo: cwd) } catch let problem as InputCollector.Problem {
            throw usageError(problem.description)
        }
        guard !files.isEmpty else { throw usageError("no inputs found in \(inputs.joined(separator: " "))") }
        try refuseOutputCollisions(loaded, files)
        let pipelineURL = URL(fileURLWithPath: pipeline, relativeTo: cwd).standardizedFileURL
        // Absolute, but otherwise as given: a folder stays a folder, so relative paths (and with
        // them shards and output names) are the same as a local `tandem run` would compute.
        let absoluteInputs = inputs.map { argument in
            argument.hasPrefix("@")
                ? "@" + URL(fileURLWithPath: String(argument.dropFirst()), relativeTo: cwd).standardizedFileURL.path
                : URL(fileURLWithPath: argument, relativeTo: cwd).standardizedFileURL.path
        }
        var array = SlurmJobArray(tandem: Self.executablePath(), pipeline: pipelineURL.path, inputs: absoluteInputs,
                                  outputDirectory: outputDirectory.path, tasks: tasks)
        array.cpusPerTask = cpusPerTask
        array.partition = partition
        array.time = time
        array.memory = mem
        array.jobName = jobName ?? "tandem-\(pipelineURL.deletingPathExtension().lastPathComponent)"
        array.overrides = overrides
        array.include = include
        array.exclude = exclude
        let script: String
        do { script = try array.script() } catch let problem as SlurmJobArray.Problem {
            throw usageError(problem.message)
        }
        if dryRun {
            print(script, terminator: "")
            FileHandle.standardError.write(Data("tandem: \(files.count) inputs in \(tasks) tasks; nothing written or submitted (--dry-run)\n".utf8))
            return
        }
        guard let sbatch = Self.findOnPath("sbatch") else {
            throw usageError("sbatch is not on PATH: run this on a Slurm login node, or print the script with --dry-run")
        }
        var list = BatchInputList(inputs: files, shards: tasks, pipeline: pipelineURL.path)
        do {
            try FileManager.default.createDirectory(at: array.logDirectory, withIntermediateDirectories: true)
            try AtomicOutput.write(Data(script.utf8), to: array.scriptURL)
            try list.write(to: outputDirectory)
        } catch {
            throw usageError("cannot write into \(outputDirectory.path): \(error.localizedDescription)")
        }

        let process = Process()
        process.executableURL = sbatch
        process.arguments = ["--parsable", array.scriptURL.path]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        let complaint = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        // --parsable prints "jobid" or "jobid;cluster".
        let job = String(decoding: printed, as: UTF8.self).split(separator: ";").first
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        guard process.terminationStatus == 0, !job.isEmpty else {
            FileHandle.standardError.write(complaint)
            FileHandle.standardError.write(Data("tandem: sbatch refused \(array.scriptURL.path) (status \(process.terminationStatus)); nothing submitted\n".utf8))
            throw ExitCode(1)
        }
        list.job = job
        try? list.write(to: outputDirectory)
        print("""
            \(job)
            tandem: submitted job array \(job): \(files.count) inputs in \(tasks) task\(tasks == 1 ? "" : "s") (\(array.scriptURL.path))
              follow:         squeue -j \(job)
              progress:       tandem status \(outputDirectory.path)
              logs:           \(array.logDirectory.path)/\(job)_<task>.out
              rerun task K:   sbatch --array=K \(array.scriptURL.path)
            """)
    }

    /// The running `tandem` binary, absolute, for the tasks to run the same build.
    static func executablePath() -> String {
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return resolved }
        let argument = CommandLine.arguments[0]
        if argument.contains("/") {
            return URL(fileURLWithPath: argument).standardizedFileURL.resolvingSymlinksInPath().path
        }
        return findOnPath(argument)?.path ?? argument
    }

    /// The first executable called `name` on PATH.
    static func findOnPath(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }
}
