import ArgumentParser

/// The `tandem` command: one subcommand per file (`ProbeCommand.swift`, `RunCommand.swift`, …).
@main
struct Tandem: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem",
        abstract: "Streaming audio-visual pipelines over FFmpeg-decoded media.",
        subcommands: [ProbeCommand.self, FramesCommand.self, SeparateCommand.self, TranscribeTalkingHeadCommand.self]
            + TandemSubcommands.engine
    )
}
