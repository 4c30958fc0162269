import Foundation
import TandemCore
import TandemMedia

/// Tiny media files made at test time with the media layer's writers (no fixtures needed).
enum MediaSamples {
    /// A `width`×`height` H.264 video of `frames` frames at `fps`, each frame a flat gray level; with `tone`,
    /// an AAC track of a 440 Hz tone as long as the video, or `toneSeconds` long.
    static func video(_ url: URL, frames: Int, fps: Int = 10, width: Int = 64, height: Int = 48, tone: Bool = false,
                      toneSeconds: Double? = nil) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let writer = try VideoFileWriter(url: url, width: width, height: height, frameRate: Rational(Int64(fps), 1), preset: "ultrafast",
                                         audio: tone ? VideoFileWriter.AudioTrack() : nil)
        if tone {
            let rate = 22_050, count = toneSeconds.map { Int($0 * Double(rate)) } ?? frames * rate / fps
            let samples = (0..<count).map { Float(sin(2 * Double.pi * 440 * Double($0) / Double(rate)) * 0.5) }
            try writer.write(AudioBuffer(sampleRate: rate, channelLayout: "mono", firstSample: 0, channels: [SharedArray(samples)]))
        }
        for index in 0..<frames {
            let level = UInt8(truncatingIfNeeded: index * 20)
            let pixels = SharedArray([UInt8](repeating: level, count: width * height * 3))
            try writer.write(VideoFrame(layout: .rgb24, width: width, height: height, stride: width * 3, bytes: pixels,
                                        pts: Int64(index), timeBase: Rational(1, Int64(fps)), frameIndex: index,
                                        seconds: Double(index) / Double(fps)))
        }
        try writer.finish()
    }

    /// A stereo WAV of `seconds` of a 440 Hz tone at `rate`.
    static func tone(_ url: URL, seconds: Double, rate: Int = 44_100) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let count = Int(seconds * Double(rate))
        let samples = (0..<count).map { Float(sin(2 * Double.pi * 440 * Double($0) / Double(rate)) * 0.5) }
        let buffer = AudioBuffer(sampleRate: rate, channelLayout: "stereo", firstSample: 0,
                                 channels: [SharedArray(samples), SharedArray(samples)])
        try AudioFileWriter.write(buffer, to: url)
    }
}
