import Testing
import TandemCore
@testable import TandemNodes

/// `AudioBuffer(joining:)`, which `separate` and `av-fusion` use to hold a whole recording: the chunks end
/// to end in one pre-sized array per channel, at the first chunk's position.
@Suite struct AudioBufferJoiningTests {
    func chunk(_ first: Int64, _ left: [Float], _ right: [Float], rate: Int = 8000) -> AudioBuffer {
        AudioBuffer(sampleRate: rate, channelLayout: "stereo", firstSample: first, channels: [SharedArray(left), SharedArray(right)])
    }

    @Test func chunksAreJoinedEndToEnd() throws {
        let joined = try #require(try AudioBuffer(joining: [chunk(100, [1, 2, 3], [-1, -2, -3]), chunk(103, [4], [-4]), chunk(104, [5, 6], [-5, -6])]))
        #expect(joined.firstSample == 100 && joined.sampleRate == 8000 && joined.channelLayout == "stereo")
        #expect(joined.channels.map(\.array) == [[1, 2, 3, 4, 5, 6], [-1, -2, -3, -4, -5, -6]])
        #expect(try AudioBuffer(joining: []) == nil)
    }

    @Test func aFormatChangeIsRefused() throws {
        let error = try #require(throws: NodeError.self) { _ = try AudioBuffer(joining: [chunk(0, [1], [1]), chunk(1, [2], [2], rate: 16000)]) }
        #expect(error.message.contains("changed format mid-stream"))
    }
}
