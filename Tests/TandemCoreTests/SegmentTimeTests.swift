import Foundation
import Testing
@testable import TandemCore

/// Segments, tensors and transcripts carry exact `MediaTime`s; seconds are derived from them.
@Suite struct SegmentTimeTests {
    @Test func aSegmentAtASampleKeepsItsSampleIndex() {
        let segment = Segment(start: MediaTime(sample: 48_000, rate: 48_000), end: MediaTime(sample: 96_001, rate: 48_000), label: "speech")
        #expect(segment.startTime.ticks == 48_000 && segment.startTime.unit == Rational(1, 48_000))
        #expect(segment.endTime.sampleIndex(rate: 48_000) == 96_001)
        #expect(segment.start == 1)
        #expect(segment.end == 96_001.0 / 48_000)
        #expect(Packet.segments([segment]).time == MediaTime(pts: 90_000, timeBase: Rational(1, 90_000)))
    }

    @Test func aPtsRoundTripsThroughASegmentAndTheInbox() throws {
        let base = Rational(1, 90_000)
        let pts: Int64 = 3_003     // 1/30 s of NTSC-ish video, not a whole number of microseconds
        let frameTime = MediaTime(pts: pts, timeBase: base)
        let segment = Segment(start: frameTime, end: frameTime, label: "face0")
        #expect(segment.startTime.ticks == pts && segment.startTime.unit == base)
        // Through the Inbox: the segment packet ties with the frame it describes (lower port first),
        // which a microsecond approximation of 0.033366… s could not do.
        let inbox = Inbox(capacities: Array(repeating: ChannelCapacity(packets: 8, bytes: 1 << 20), count: 2))
        let frame = VideoFrame(layout: .rgb24, width: 1, height: 1, stride: 3, pts: pts, timeBase: base, frameIndex: 0,
                               seconds: Double(pts) / 90_000, time: frameTime)
        _ = try inbox.push(.segments([segment]), port: 0, from: nil)
        _ = try inbox.push(.video(frame), port: 1, from: nil)
        inbox.close(port: 0)
        inbox.close(port: 1)
        var received: [(port: Int, time: MediaTime)] = []
        while let event = try inbox.next() {
            if case .packet(let packet, let port) = event { received.append((port, try #require(packet.time))) }
        }
        #expect(received.map(\.port) == [0, 1])
        #expect(received[0].time == received[1].time)
        let back = try #require(received.first.map(\.time))
        #expect(back.ticks(in: base) == pts)
    }

    @Test func secondsAreKeptExactly() {
        for value in [0.0, 1.5, 0.1, -0.25, 1.0 / 3, 10_800.123_456_789, 0.003, 86_399.999_999_999, 0x1p-10, 4_503_599_627_370_495.0] {
            let time = MediaTime(seconds: value)
            #expect(time.seconds == value, "\(value)")
            #expect(Segment(start: value, end: value).start == value)
        }
        // Below 2⁻¹⁰ s the bits under 2⁻⁶² s are rounded off.
        #expect(abs(MediaTime(seconds: 2e-12).seconds - 2e-12) <= 0x1p-62)
        // A binary fraction is an exact instant: 0.5 s is sample 24 000 at 48 kHz.
        #expect(MediaTime(seconds: 0.5) == MediaTime(sample: 24_000, rate: 48_000))
        // 0.1 has no exact binary form: its stored value is a hair above 1/10 s, and orders so.
        #expect(MediaTime(seconds: 0.1) > MediaTime(sample: 4_800, rate: 48_000))
        // Sample indices derive seconds as a division would.
        #expect(MediaTime(sample: 7, rate: 48_000).seconds == 7.0 / 48_000)
    }

    @Test func tensorsCarryTheirSpanExactly() {
        let start = MediaTime(sample: 512, rate: 16_000), end = MediaTime(sample: 1_024, rate: 16_000)
        let tensor = TensorValue(shape: [1], data: SharedArray([0]), start: start, end: end)
        #expect(tensor.startTime?.ticks == 512 && tensor.endTime?.ticks == 1_024)
        #expect(tensor.startSeconds == 0.032 && tensor.endSeconds == 0.064)
        #expect(Packet.tensor(tensor).time == start)
    }

    @Test func jsonKeepsSecondsFields() throws {
        let word = TranscriptWord(word: " hi", start: MediaTime(sample: 8_000, rate: 16_000), end: MediaTime(sample: 16_000, rate: 16_000),
                                  probability: 0.5)
        let segment = TranscriptSegment(start: word.startTime, end: word.endTime, text: " hi", words: [word])
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(segment), as: UTF8.self)
        #expect(text.contains("\"start\":0.5") && text.contains("\"end\":1"))
        let decoded = try JSONDecoder().decode(TranscriptSegment.self, from: Data(text.utf8))
        #expect(decoded == segment)
        let plain = Segment(start: MediaTime(sample: 3, rate: 4), end: MediaTime(sample: 5, rate: 4), label: "x", score: 0.25)
        let object = try JSONSerialization.jsonObject(with: try encoder.encode(plain)) as? [String: Any]
        #expect(object?["start"] as? Double == 0.75 && object?["end"] as? Double == 1.25 && object?["region"] == nil)
        #expect(try JSONDecoder().decode(Segment.self, from: try encoder.encode(plain)) == plain)
    }
}
