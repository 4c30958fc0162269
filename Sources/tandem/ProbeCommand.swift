import ArgumentParser
import Foundation
import TandemMedia

/// `tandem probe FILE... [--json]`: prints the streams of each file (`MediaInfo.summary`, or
/// `MediaInfo` as JSON), saying which streams have no decoder and which files hold nothing decodable.
///
/// A file that cannot be probed prints its error and the command goes on with the next file;
/// the exit status is 1 when any file failed.
struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "probe", abstract: "Print the streams of media files.")

    @Argument(help: "Media files to probe.") var files: [String]
    @Flag(help: "Print one JSON object per file (JSON lines) instead of text.") var json = false

    func run() throws {
        var failed = 0
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for file in files {
            do {
                let info = try MediaFile.open(file).info
                if json {
                    print(String(decoding: try encoder.encode(info), as: UTF8.self))
                } else {
                    print(info.summary)
                }
            } catch {
                failed += 1
                if json {
                    let record = ["path": file, "error": "\(error)", "code": (error as? MediaError)?.code.rawValue ?? "other"]
                    print(String(decoding: try encoder.encode(record), as: UTF8.self))
                }
                FileHandle.standardError.write(Data("tandem probe: \(error)\n".utf8))
            }
        }
        if failed > 0 { throw ExitCode(1) }
    }
}
