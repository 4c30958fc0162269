import Foundation

/// An `sbatch` job-array script that spreads one batch over `tasks` array tasks, one shard each
/// (`tandem submit slurm`).
///
/// Every task runs `tandem run … --shard $SLURM_ARRAY_TASK_ID/N --resume`. The shard is written out
/// rather than left to `SLURM_ARRAY_TASK_COUNT`, because a task resubmitted alone
/// (`sbatch --array=K script`) sees a one-task array and would otherwise take the wrong share.
/// All paths are absolute, since the tasks start in whatever folder the scheduler chooses on
/// whichever node; the log files land under the output folder, beside the manifests.
public struct SlurmJobArray: Sendable, Equatable {
    /// The `tandem` executable the tasks run (absolute; it must be visible on the compute nodes).
    public var tandem: String
    /// The pipeline file (absolute).
    public var pipeline: String
    /// The input arguments as `tandem run` takes them, made absolute (`@list` files included).
    public var inputs: [String]
    /// The output folder (absolute), shared by every task.
    public var outputDirectory: String
    public var tasks: Int
    /// CPUs per task; each task runs this many inputs at once (`--jobs`).
    public var cpusPerTask = 1
    public var partition: String?
    /// Slurm's time limit syntax (`MM`, `HH:MM:SS`, `D-HH`).
    public var time: String?
    /// Slurm's memory syntax (`2G`, `500M`).
    public var memory: String?
    public var jobName = "tandem"
    /// Pipeline overrides, `key=value`.
    public var overrides: [String] = []
    public var include: [String] = []
    public var exclude: [String] = []

    public init(tandem: String, pipeline: String, inputs: [String], outputDirectory: String, tasks: Int) {
        self.tandem = tandem
        self.pipeline = pipeline
        self.inputs = inputs
        self.outputDirectory = outputDirectory
        self.tasks = tasks
    }

    /// Where `tandem submit` writes the script.
    public var scriptURL: URL { URL(fileURLWithPath: outputDirectory).appendingPathComponent("tandem-slurm.sbatch") }

    /// The folder of the tasks' logs (`JOBID_TASK.out` and `.err`).
    public var logDirectory: URL { URL(fileURLWithPath: outputDirectory).appendingPathComponent("slurm-logs") }

    /// A value that cannot go into an `#SBATCH` line.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// The script's text.
    /// - Throws: `Problem` when a scheduler option holds a line break or spaces (it would end
    ///   or split its `#SBATCH` line), or the task count or CPUs are below 1.
    public func script() throws -> String {
        guard tasks >= 1 else { throw Problem(message: "--tasks must be at least 1") }
        guard cpusPerTask >= 1 else { throw Problem(message: "--cpus-per-task must be at least 1") }
        var directives = [
            "--job-name=\(jobName)",
            "--array=0-\(tasks - 1)",
            "--cpus-per-task=\(cpusPerTask)",
            // %A: the array's job id, %a: the task index.
            "--output=\(logDirectory.path)/%A_%a.out",
            "--error=\(logDirectory.path)/%A_%a.err",
        ]
        for (flag, value) in [("partition", partition), ("time", time), ("mem", memory)] {
            guard let value else { continue }
            guard !value.isEmpty, !value.contains(where: { $0.isWhitespace }) else {
                throw Problem(message: "--\(flag == "mem" ? "mem" : flag) '\(value)' is not a single word")
            }
            directives.append("--\(flag)=\(value)")
        }
        for directive in directives where directive.contains(where: \.isNewline) {
            throw Problem(message: "'\(directive)' holds a line break")
        }
        var command = [tandem, "run", pipeline] + inputs + ["--out", outputDirectory]
        for item in overrides { command += ["--set", item] }
        for item in include { command += ["--include", item] }
        for item in exclude { command += ["--exclude", item] }
        let quoted = command.map(Self.shellQuoted).joined(separator: " ")
        // The shard is the one word left unquoted for the shell to expand.
        let run = "\(quoted) --shard \"$SLURM_ARRAY_TASK_ID/\(tasks)\" --resume --jobs \(cpusPerTask) --progress plain"
        return """
            #!/bin/bash
            # Written by `tandem submit slurm`: one array task per shard of the batch below.
            # Each task writes only its own manifest, \(outputDirectory)/manifest.shard-<task>-of-\(tasks).jsonl.
            # Resubmit one task alone with:  sbatch --array=K \(scriptURL.path)
            # (--resume makes a rerun skip what is already done). Follow with: tandem status \(outputDirectory)
            \(directives.map { "#SBATCH \($0)" }.joined(separator: "\n"))
            set -euo pipefail
            exec \(run)

            """
    }

    /// `text` in single quotes for a POSIX shell (a `'` inside becomes `'\''`); plain words stay bare.
    public static func shellQuoted(_ text: String) -> String {
        let plain = !text.isEmpty && text.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) && $0.isASCII || "/._-+=:,@%".unicodeScalars.contains($0)
        }
        return plain ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
