import ArgumentParser

/// `tandem probe FILE... [--json]` — filled in with the media layer.
struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "probe", abstract: "Print the streams of media files.")
    @Argument var files: [String]
    @Flag var json = false
}
