import Foundation
import Testing
@testable import TandemMedia

@Suite(.serialized) struct MediaLogTests {
    /// Collects lines from FFmpeg's log thread(s).
    final class Lines: @unchecked Sendable {
        // @unchecked: `lines` is only touched under `lock`.
        private let lock = NSLock()
        private var lines: [String] = []
        func add(_ line: String) { lock.withLock { lines.append(line) } }
        var all: [String] { lock.withLock { lines } }
    }

    @Test func ffmpegMessagesReachTheHandlerThenStop() throws {
        let lines = Lines()
        MediaLog.setHandler(level: .error) { _, line in lines.add(line) }
        let reader = try FrameReader(url: Fixture.url("corrupt_packet.mp4"), options: VideoDecodeOptions(threads: 1))
        while try reader.next() != nil {}
        MediaLog.setHandler(nil)
        #expect(lines.all.contains { $0.contains("NAL") }, "\(lines.all)")
        let count = lines.all.count
        let again = try FrameReader(url: Fixture.url("corrupt_packet.mp4"), options: VideoDecodeOptions(threads: 1))
        while try again.next() != nil {}
        #expect(lines.all.count == count)
    }
}
