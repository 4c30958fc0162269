import Testing
@testable import TandemCore

@Suite struct MediaTimeTests {
    @Test func sampleIndicesAndPtsCompareExactly() {
        let second = MediaTime(sample: 48_000, rate: 48_000)
        #expect(second == MediaTime(pts: 90_000, timeBase: Rational(1, 90_000)))
        #expect(second == MediaTime(pts: 15_360, timeBase: Rational(1, 15_360)))
        #expect(MediaTime(sample: 441, rate: 44_100) == MediaTime(pts: 900, timeBase: Rational(1, 90_000)))
        #expect(MediaTime(sample: 442, rate: 44_100) > MediaTime(pts: 900, timeBase: Rational(1, 90_000)))
        #expect(MediaTime(sample: 47_999, rate: 48_000) < MediaTime(pts: 90_000, timeBase: Rational(1, 90_000)))
        // NTSC: pts 30 at 1001/30000 is 1.001 s, sample 48 048 at 48 kHz.
        #expect(MediaTime(pts: 30, timeBase: Rational(1001, 30_000)) == MediaTime(sample: 48_048, rate: 48_000))
        // Equal instants hash alike whatever their form.
        let forms: Set<MediaTime> = [second, MediaTime(pts: 90_000, timeBase: Rational(1, 90_000)), MediaTime(ticks: 2, unit: Rational(1, 2))]
        #expect(forms.count == 1)
    }

    @Test func instantsCloserThanADoubleCanTellApartStillOrder() {
        // About 3000 years in: 1/48000 s and 1/90000 s past the same whole second. At this magnitude
        // one Double step is about 1.5e-5 s, so seconds cannot order these; ticks can.
        let k: Int64 = 100_000_000_000
        let audio = MediaTime(sample: 48_000 * k + 1, rate: 48_000)
        let video = MediaTime(pts: 90_000 * k + 1, timeBase: Rational(1, 90_000))
        #expect(video < audio)
        #expect(video != audio)
        // 1/48000 − 1/90000 = 7/720000 s, computed without rounding.
        #expect(audio - video == MediaTime(ticks: 7, unit: Rational(1, 720_000)))
    }

    @Test func arithmeticIsExact() {
        let video = MediaTime(pts: 90_000, timeBase: Rational(1, 90_000))
        let half = MediaTime(ticks: 500_000, unit: MediaTime.microsecond)
        #expect(video - half == MediaTime(sample: 24_000, rate: 48_000))
        #expect(half + half == video)
        // A start offset that is no whole number of 1/15360 ticks stays exact: 1 µs after pts 0.
        let offset = MediaTime(pts: 0, timeBase: Rational(1, 15_360)) - MediaTime(ticks: 1, unit: MediaTime.microsecond)
        #expect(offset == MediaTime(ticks: -1, unit: MediaTime.microsecond))
        #expect(offset < .zero)
        let frame = MediaTime(pts: 512, timeBase: Rational(1, 15_360)) - MediaTime(ticks: 7, unit: MediaTime.microsecond)
        // 512/15360 s = 1/30 s; minus 7 µs = (1e6/30 - 7) µs = 33_326.33… µs, i.e. 99_979/3_000_000 s.
        #expect(frame == MediaTime(ticks: 99_979, unit: Rational(1, 3_000_000)))
        // A time computed in seconds (units of 1/2⁵⁰ here) against a 1/90000 pts has no exact 64-bit sum:
        // it is then the Double arithmetic, never a trap.
        // A frame made in memory keeps the seconds it was given exactly (they are derived from its time).
        let rendered = VideoFrame(layout: .gray8, width: 1, height: 1, stride: 1, pts: 0, timeBase: Rational(1, 1), frameIndex: 0, seconds: 1.0000001234)
        #expect(rendered.seconds == 1.0000001234 && rendered.time == MediaTime(seconds: 1.0000001234))
        let computed = MediaTime(seconds: 2.37)
        #expect((computed + video).seconds == 2.37 + 1 && (video - computed).seconds == 1 - 2.37)
    }

    @Test func conversionsRoundLikeFFmpeg() {
        let sample = MediaTime(sample: 1, rate: 48_000)
        #expect(sample.ticks(in: Rational(1, 90_000)) == 2)  // 1.875 ticks
        #expect(MediaTime(pts: 3003, timeBase: Rational(1, 90_000)).sampleIndex(rate: 48_000) == 1602)  // 1601.6
        #expect(MediaTime(pts: -3, timeBase: Rational(1, 2)).ticks(in: Rational(1, 1)) == -2)
        #expect(MediaTime(sample: 24_000, rate: 48_000).seconds == 0.5)
        #expect(MediaTime(approximating: 0.25) == MediaTime(sample: 12_000, rate: 48_000))
        #expect(MediaTime(ticks: 3, unit: Rational(-1, -2)) == MediaTime(ticks: 3, unit: Rational(1, 2)))
    }

    @Test func packetsCarryTheirTime() {
        let audio = AudioBuffer(sampleRate: 48_000, channelLayout: "mono", firstSample: 96_000, channels: [SharedArray([0, 0])])
        #expect(Packet.audio(audio).time == MediaTime(sample: 2, rate: 1))
        #expect(audio.endTime == MediaTime(sample: 96_002, rate: 48_000))
        let frame = VideoFrame(layout: .rgb24, width: 1, height: 1, stride: 3, pts: 180_000, timeBase: Rational(1, 90_000),
                               frameIndex: 0, seconds: 2, time: MediaTime(pts: 180_000, timeBase: Rational(1, 90_000)))
        #expect(Packet.video(frame).time == Packet.audio(audio).time)
        // A picture made without a clock time sits at its seconds, to the microsecond.
        let drawn = VideoFrame(layout: .rgb24, width: 1, height: 1, stride: 3, pts: 0, timeBase: Rational(1, 1), frameIndex: 0, seconds: 1.5)
        #expect(drawn.time == MediaTime(ticks: 1_500_000, unit: MediaTime.microsecond))
        #expect(Packet.image(drawn).time == nil)
        #expect(Packet.segments([]).time == nil)
    }

    @Test func inboxAlignsOnExactTimeWithTiesByPort() throws {
        let inbox = Inbox(capacities: Array(repeating: ChannelCapacity(packets: 8, bytes: 1 << 20), count: 2))
        func audio(_ first: Int64) -> Packet {
            .audio(AudioBuffer(sampleRate: 48_000, channelLayout: "mono", firstSample: first, channels: [SharedArray([0])]))
        }
        func video(_ pts: Int64) -> Packet {
            let base = Rational(1, 90_000)
            return .video(VideoFrame(layout: .rgb24, width: 1, height: 1, stride: 3, pts: pts, timeBase: base, frameIndex: 0,
                                     seconds: Double(pts) / 90_000, time: MediaTime(pts: pts, timeBase: base)))
        }
        // Port 0 video at 1 s and 2 s; port 1 audio just before 1 s, at exactly 1 s, and at 1.5 s.
        for packet in [video(90_000), video(180_000)] { _ = try inbox.push(packet, port: 0, from: nil) }
        for packet in [audio(47_999), audio(48_000), audio(72_000)] { _ = try inbox.push(packet, port: 1, from: nil) }
        inbox.close(port: 0)
        inbox.close(port: 1)
        var order: [(Int, MediaTime)] = []
        while let event = try inbox.next() {
            if case .packet(let packet, let port) = event { order.append((port, try #require(packet.time))) }
        }
        #expect(order.map(\.0) == [1, 0, 1, 1, 0])
        // The video frame and the audio chunk at 1 s tie; the lower port goes first.
        #expect(order[1].1 == order[2].1)
        #expect(zip(order, order.dropFirst()).allSatisfy { $0.1 <= $1.1 })
    }
}
