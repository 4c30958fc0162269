import Foundation
import TandemCore
import TandemMedia

/// A few frames spread over a video, written small for the report (JPEG, shorter side at most
/// `side` pixels), so a person sees what the input looks like without opening it.
struct FrameStrip {
    struct Frame: Sendable, Equatable {
        /// Path relative to the report folder.
        var path: String
        var seconds: Double
        var width: Int
        var height: Int
    }

    var count: Int
    var side = 144

    /// Decodes `count` frames evenly spread over `input` (first to last) into `folder`
    /// (`frame_0.jpg`…), named relative to `reportRoot`. Empty when the input has no readable video.
    func extract(from input: URL, into folder: URL, reportRoot: URL) -> [Frame] {
        guard count > 0 else { return [] }
        do {
            let reader = try FrameReader(url: input, sampling: .uniform(count: count),
                                         options: VideoDecodeOptions(layout: .rgb24, resize: .shorterSideAtMost(side), threads: 1))
            let encoder = ImageEncoder(format: .jpeg, quality: 80)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var frames: [Frame] = []
            while frames.count < count, let frame = try reader.next() {
                let url = folder.appendingPathComponent("frame_\(frames.count).jpg")
                try AtomicOutput.write(try encoder.encode(frame, path: url.path), to: url)
                let relative = String(url.path.dropFirst(reportRoot.path.count + 1))
                frames.append(Frame(path: relative, seconds: frame.seconds, width: frame.width, height: frame.height))
            }
            return frames
        } catch {
            // No video stream, or an unreadable file: the page says what the probe found instead.
            return []
        }
    }
}
