import Foundation
import Testing
import TandemCore
import TandemMedia

/// `FrameSampling.fps` emits an instant only while a frame is on screen: the video ends at the
/// last frame's time plus one frame duration, and an instant at or after that is not emitted.
@Suite struct FpsSamplingEndTests {
    /// A `frames`-frame video at `fps` (so `frames / fps` seconds long), each frame a gray level.
    static func video(frames: Int, fps: Int) throws -> URL {
        let url = Fixture.temporaryDirectory().appendingPathComponent("clip.mp4")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let writer = try VideoFileWriter(url: url, width: 32, height: 16, frameRate: Rational(Int64(fps), 1))
        for index in 0..<frames {
            let pixels = SharedArray([UInt8](repeating: UInt8(index * 8 % 256), count: 32 * 16 * 3))
            try writer.write(VideoFrame(layout: .rgb24, width: 32, height: 16, stride: 96, bytes: pixels, pts: Int64(index),
                                        timeBase: Rational(1, Int64(fps)), frameIndex: index, seconds: Double(index) / Double(fps)))
        }
        try writer.finish()
        return url
    }

    func sampled(_ url: URL, rate: Double) throws -> [Int] {
        let reader = try FrameReader(url: url, sampling: .fps(rate))
        var indices: [Int] = []
        while let frame = try reader.next() { indices.append(frame.frameIndex) }
        return indices
    }

    @Test func instantsAtOrPastTheEndAreNotEmitted() throws {
        // 2.0 s: instants 0 and 1 s at 1 fps; 2 s is the end, where no frame is on screen.
        let exact = try Self.video(frames: 20, fps: 10)
        #expect(try sampled(exact, rate: 1) == [0, 10])
        #expect(try sampled(exact, rate: 2) == [0, 5, 10, 15])
        // 2.3 s: instants 0, 1, 2 s.
        #expect(try sampled(try Self.video(frames: 23, fps: 10), rate: 1) == [0, 10, 20])
        // Faster than the video: each frame twice, none extra at the end.
        #expect(try sampled(try Self.video(frames: 5, fps: 10), rate: 20) == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4])
    }

    @Test func aSingleFrameIsStillEmitted() throws {
        #expect(try sampled(try Self.video(frames: 1, fps: 10), rate: 1) == [0])
    }
}
