import ArgumentParser

/// The engine's subcommands (`run`, `validate`, `nodes`, `graph`, `submit`, `status`), one file each.
enum TandemSubcommands {
    static let engine: [any ParsableCommand.Type] = [RunCommand.self, ValidateCommand.self, NodesCommand.self, GraphCommand.self,
                                                     SubmitCommand.self, StatusCommand.self, ReportCommand.self]
}
