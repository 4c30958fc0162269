import ArgumentParser
import Foundation
import TandemBLAS

/// The `tandem` command: one subcommand per file (`ProbeCommand.swift`, `RunCommand.swift`, …).
@main
struct Tandem: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem",
        abstract: "Streaming audio-visual pipelines over FFmpeg-decoded media.",
        subcommands: [ProbeCommand.self, FramesCommand.self, SeparateCommand.self, TranscribeTalkingHeadCommand.self]
            + TandemSubcommands.engine
    )

    /// The exit status of a usage error: an unknown flag, a missing argument, a bad value.
    ///
    /// ArgumentParser exits with `EX_USAGE` (64) for those; Tandem's documented statuses are
    /// 0 done, 1 some input failed, 2 usage or pipeline error, 130 interrupted, and scripts and
    /// cluster jobs test for them, so parse errors follow the same rule as `usageError`.
    static let usageExitCode: Int32 = 2

    /// Parses the command line and runs the chosen subcommand as ArgumentParser's own `main`
    /// does, except that a parse or validation failure exits with `usageExitCode`.
    static func main() async {
        // OpenBLAS's idle pool would spin on a core for the first tenth of a second of every command.
        BLAS.stopIdleThreads()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                // The same message and usage text ArgumentParser prints, on standard error.
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Self.exit(withError: ExitCode(usageExitCode))
            }
            Self.exit(withError: error)
        }
    }
}
