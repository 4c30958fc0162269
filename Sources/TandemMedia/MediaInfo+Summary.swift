import Foundation

extension MediaInfo {
    /// What `tandem probe` prints for the file: one line for the file and one per stream.
    ///
    /// It lives beside `MediaInfo` rather than in the command so the wording users read (a stream
    /// with `no decoder`, a file with `nothing decodable`) is tested with the library.
    public var summary: String {
        var head = "\(path): \(container), start \(Self.format(startSeconds)) s, duration \(durationSeconds.map(Self.format) ?? "?") s"
            + (bitRate.map { ", \($0 / 1000) kb/s" } ?? "")
        if let problem { head += ", \(problem): no audio or video stream FFmpeg can decode, so no pipeline can read it" }
        var lines = [head]
        for stream in streams {
            var codec = "\(stream.type.rawValue) \(stream.codec)"
            if stream.codec == "none", let tag = stream.codecTag { codec += " (\(tag))" }
            var parts = ["  #\(stream.index) \(codec)"]
            if let problem = stream.problem { parts.append(problem) }
            if stream.attachedPicture == true { parts.append("attached picture (cover art, not read as video)") }
            parts.append("tb \(stream.timeBase)")
            if let start = stream.startSeconds { parts.append("start \(Self.format(start)) s") }
            if let width = stream.width, let height = stream.height { parts.append("\(width)x\(height)") }
            if let aspect = stream.pixelAspect, let width = stream.width, let height = stream.height {
                let shown = Int((Double(width) * aspect.doubleValue).rounded())
                parts.append("pixels \(aspect.num):\(aspect.den) (shown \(shown)x\(height))")
            }
            if let pixelFormat = stream.pixelFormat { parts.append(pixelFormat) }
            if let order = stream.fieldOrder { parts.append("interlaced, \(order)") }
            if let rate = stream.averageFrameRate { parts.append("\(Self.format(rate.doubleValue)) fps avg") }
            if let rate = stream.realFrameRate { parts.append("\(Self.format(rate.doubleValue)) fps real") }
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
