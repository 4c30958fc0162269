import ArgumentParser
import Foundation
import TandemMedia

/// `tandem frames FILE... --sampling uniform:8 --out DIR`: samples frames and writes them as PNG
/// (or JPEG) images, `DIR/<file stem>/<frame index>.png`.
///
/// A file that fails prints its error and the command goes on with the next; the exit status is 1
/// when any file failed.
struct FramesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "frames", abstract: "Sample frames from videos and write them as images.")

    @Argument(help: "Video files.") var files: [String]
    @Option(help: "all, keyframes, fps:R, uniform:N, segments:N, clips:NxFxS, timestamps:T1,T2,…, scene:THRESHOLD.")
    var sampling = "uniform:8"
    @Option(help: "Resize: none, WxH (exact), S (shorter side), S/WxH (shorter side then center crop), box:WxH (letterbox).")
    var size = "none"
    @Option(help: "Output folder.") var out = "frames"
    @Option(help: "Image format: png or jpg.") var format = "png"

    func run() throws {
        guard let strategy = FrameSampling(parsing: sampling) else {
            throw ValidationError("unknown sampling \(sampling)")
        }
        guard let resize = Self.parseResize(size) else { throw ValidationError("unknown size \(size)") }
        guard let imageFormat = ImageWriter.Format(fileExtension: format) else { throw ValidationError("unknown image format \(format)") }
        var failed = 0
        for file in files {
            do {
                let reader = try FrameReader(path: file, sampling: strategy, options: VideoDecodeOptions(resize: resize))
                let stem = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
                let folder = URL(fileURLWithPath: out).appendingPathComponent(stem)
                var written = 0
                while let frame = try reader.next() {
                    let name = String(format: "%06d-%.3fs.%@", frame.frameIndex, frame.seconds, imageFormat == .png ? "png" : "jpg")
                    try ImageWriter.write(frame, to: folder.appendingPathComponent(name), format: imageFormat)
                    written += 1
                }
                var line = "\(file): \(written) frames (\(sampling)) -> \(folder.path)"
                if reader.seekCount > 0 { line += ", \(reader.seekCount) seeks, \(reader.decodedFrameCount) frames decoded" }
                if reader.corruptPacketCount > 0 { line += ", \(reader.corruptPacketCount) corrupt packets skipped" }
                print(line)
            } catch {
                failed += 1
                FileHandle.standardError.write(Data("tandem frames: \(error)\n".utf8))
            }
        }
        if failed > 0 { throw ExitCode(1) }
    }

    static func parseResize(_ text: String) -> ResizeMode? {
        func pair(_ s: Substring) -> (Int, Int)? {
            let n = s.split(separator: "x").compactMap { Int($0) }
            return n.count == 2 && n.allSatisfy({ $0 > 0 }) ? (n[0], n[1]) : nil
        }
        if text == "none" { return ResizeMode.none }
        if text.hasPrefix("box:"), let (w, h) = pair(text.dropFirst(4)) { return .letterbox(width: w, height: h) }
        if let slash = text.firstIndex(of: "/"), let side = Int(text[..<slash]), let (w, h) = pair(text[text.index(after: slash)...]) {
            return .shorterSideCenterCrop(side: side, width: w, height: h)
        }
        if let side = Int(text), side > 0 { return .shorterSide(side) }
        if let (w, h) = pair(Substring(text)) { return .exact(width: w, height: h) }
        return nil
    }
}
