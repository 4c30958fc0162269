import ArgumentParser

/// `tandem submit SCHEDULER …` — hands a batch to a cluster's own scheduler (one subcommand each).
struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit", abstract: "Submit a batch to a cluster scheduler, one shard per task.",
        subcommands: [SubmitSlurmCommand.self])
}
