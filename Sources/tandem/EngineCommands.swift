import ArgumentParser

/// The engine's subcommands (`run`, `validate`, `nodes`, `graph`), registered with the engine work.
enum TandemSubcommands {
    static let engine: [any ParsableCommand.Type] = []
}
