import ArgumentParser
import Foundation
import TandemMedia

/// `tandem probe FILE... [--json]`: prints the streams of each file.
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
                    print(Self.describe(info))
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

    /// A human-readable summary, one line for the file and one per stream.
    static func describe(_ info: MediaInfo) -> String {
        var lines = ["\(info.path): \(info.container), start \(format(info.startSeconds)) s, duration \(info.durationSeconds.map(format) ?? "?") s"
            + (info.bitRate.map { ", \($0 / 1000) kb/s" } ?? "")]
        for stream in info.streams {
            var parts = ["  #\(stream.index) \(stream.type.rawValue) \(stream.codec)", "tb \(stream.timeBase)"]
            if let start = stream.startSeconds { parts.append("start \(format(start)) s") }
            if let width = stream.width, let height = stream.height { parts.append("\(width)x\(height)") }
            if let pixelFormat = stream.pixelFormat { parts.append(pixelFormat) }
            if let rate = stream.averageFrameRate { parts.append("\(format(rate.doubleValue)) fps avg") }
            if let rate = stream.realFrameRate { parts.append("\(format(rate.doubleValue)) fps real") }
            if let frames = stream.frameCount { parts.append("\(frames) frames") }
            if let rotation = stream.rotation, rotation != 0 { parts.append("rotate \(rotation)°") }
            if let rate = stream.sampleRate { parts.append("\(rate) Hz") }
            if let layout = stream.channelLayout { parts.append(layout) }
            if let sampleFormat = stream.sampleFormat { parts.append(sampleFormat) }
            if let bitRate = stream.bitRate { parts.append("\(bitRate / 1000) kb/s") }
            lines.append(parts.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }

    private static func format(_ value: Double) -> String { String(format: "%.3f", value) }
}
