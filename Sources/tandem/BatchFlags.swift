import ArgumentParser
import Foundation
import TandemCore
import TandemNodes

/// The batch flags of `tandem run` that the job commands (`separate`, `frames`) share: each command is a
/// front end that runs its bundled pipeline through `RunCommand`, so these mean exactly what they mean there.
struct BatchFlags: ParsableArguments {
    @Option(help: "Inputs processed at once.") var jobs = 1
    @Option(help: "Compute threads of each input's graph (default: the cores split between the --jobs graphs).") var threads: Int?
    @Flag(help: "Skip inputs the manifest records as done with unchanged size and mtime.") var resume = false
    @Option(help: "Process only shard I of N (0-based, e.g. 0/4); default from SLURM_ARRAY_TASK_ID/COUNT or JOB_COMPLETION_INDEX.") var shard: String?
    @Option(help: "Number of shards when the index comes from JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs).") var shards: Int?
    @Option(help: "auto (bar on a terminal, else plain), plain, json or none; default auto (none where the command prints its result).")
    var progress: String?
    @Flag(help: "Print per-node statistics (packets, busy time, queue high-water mark) for every input.") var stats = false
    @Option(name: .customLong("set"), help: "Any other pipeline parameter (key=value); repeatable, wins over the flags.") var overrides: [String] = []
    @Option(help: "The pipeline file to run instead of the bundled one.") var pipeline: String?
    @Option(help: "Seconds the running inputs get to stop after SIGTERM before tandem exits anyway (143).") var stopGrace: Double = 20

    /// Runs `Pipelines/<name>.yaml` (or `--pipeline`) over `inputs` into `out` as `tandem run` does, with
    /// `sets` (the command's flags as parameters) and then `--set` (so an explicit `--set` wins).
    /// - Returns: the batch summary and whether SIGTERM stopped it.
    func runBatch(bundled name: String, inputs: [String], out: String, sets: [String], progress defaultProgress: String = "auto") throws
        -> (summary: BatchSummary, terminated: Bool) {
        if pipeline == nil, let missing = BundledPipeline.missing(name) { throw usageError(missing) }
        var arguments = [pipeline ?? BundledPipeline.url(name).path, "--out", out, "--jobs", String(jobs), "--progress", progress ?? defaultProgress]
        if let threads { arguments += ["--threads", String(threads)] }
        if resume { arguments.append("--resume") }
        if stats { arguments.append("--stats") }
        arguments += ["--stop-grace", String(stopGrace)]
        if let shard { arguments += ["--shard", shard] }
        if let shards { arguments += ["--shards", String(shards)] }
        for set in sets + overrides { arguments += ["--set", set] }
        // Inputs last, after `--`, so a file name that starts with a dash is not taken for a flag.
        return try RunCommand.parse(arguments + ["--"] + inputs).runBatch()
    }
}
