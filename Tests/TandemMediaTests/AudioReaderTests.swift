import Foundation
import Testing
import TandemCore
@testable import TandemMedia

@Suite struct AudioReaderTests {
    private func chunks(_ name: String, _ options: AudioDecodeOptions) throws -> [AudioBuffer] {
        let reader = try AudioReader(url: Fixture.url(name), options: options)
        var result: [AudioBuffer] = []
        while let buffer = try reader.next() { result.append(buffer) }
        return result
    }

    @Test(arguments: ["stereo48k.flac", "stereo48k.opus", "h264_bframes.mp4"])
    func concatenationDoesNotDependOnChunkSize(name: String) throws {
        var joined: [[Float]] = []
        for chunkFrames in [333, 1024, 4096, 100_000] {
            let buffers = try chunks(name, AudioDecodeOptions(sampleRate: 16000, channels: 1, chunkFrames: chunkFrames))
            var expected = buffers.first?.firstSample ?? 0
            for (i, buffer) in buffers.enumerated() {
                #expect(buffer.firstSample == expected)
                #expect(buffer.sampleRate == 16000 && buffer.channelCount == 1)
                if i < buffers.count - 1 { #expect(buffer.frameCount == chunkFrames) }
                expected = buffer.endSample
            }
            joined.append(buffers.flatMap { $0.channels[0].array })
        }
        #expect(joined.allSatisfy { $0 == joined[0] })
        #expect(abs(joined[0].count - (name.hasSuffix("mp4") ? 32000 : 24000)) < 400)
    }

    @Test func stereoToMonoIsTheMeanOfTheChannels() throws {
        let stereo = try AudioReader(url: Fixture.url("stereo48k.flac")).readAll()
        let mono = try AudioReader(url: Fixture.url("stereo48k.flac"),
                                   options: AudioDecodeOptions(sampleRate: 48000, channels: 1)).readAll()
        #expect(mono.channelCount == 1 && mono.frameCount == stereo.frameCount)
        var worst: Float = 0
        for n in 0..<mono.frameCount {
            worst = max(worst, abs(mono.channels[0][n] - 0.5 * (stereo.channels[0][n] + stereo.channels[1][n])))
        }
        #expect(worst < 1e-6)
    }

    @Test func decodesNativeRateExactly() throws {
        let reader = try AudioReader(url: Fixture.url("stereo48k.flac"))
        #expect(reader.sampleRate == 48000 && reader.channelCount == 2 && reader.channelLayout == "stereo")
        let all = try reader.readAll()
        #expect(all.firstSample == 0)
        #expect(all.frameCount == 72000)
        // lavfi's sine source: amplitude 1/8; left 440 Hz, right 660 Hz.
        for n in stride(from: 0, to: 2000, by: 37) {
            #expect(abs(all.channels[0][n] - 0.125 * Float(sin(2 * Double.pi * 440 * Double(n) / 48000))) < 1e-3)
            #expect(abs(all.channels[1][n] - 0.125 * Float(sin(2 * Double.pi * 660 * Double(n) / 48000))) < 1e-3)
        }
    }

    @Test func resamplesAndRemixes() throws {
        let all = try AudioReader(url: Fixture.url("stereo48k.flac"), options: AudioDecodeOptions(sampleRate: 22050, channelLayout: "5.1")).readAll()
        #expect(all.channelCount == 6 && all.channelLayout == "5.1")
        #expect(abs(all.frameCount - 33075) <= 64)
    }

    @Test func audioStartsOnTheSharedClock() throws {
        // hevc_offset.mkv: the file starts at 2.0 s with the audio; the clock origin is the audio's start.
        let buffer = try #require(try AudioReader(url: Fixture.url("hevc_offset.mkv"), options: AudioDecodeOptions(sampleRate: 8000)).next())
        #expect(buffer.firstSample == 0)
    }

    @Test func fileWithoutAudioIsNoUsableStream() throws {
        #expect { try AudioReader(url: Fixture.url("vp9.webm")) } throws: { ($0 as? MediaError)?.code == .noUsableStream }
    }
}

@Suite struct MediaClockTests {
    @Test func positionsAreRelativeToTheFileOrigin() {
        // A file whose origin is 2.0 s: a pts of 2.5 s in a 1/1000 time base is 0.5 s on the clock.
        let clock = MediaClock(originMicroseconds: 2_000_000)
        #expect(clock.seconds(2500, timeBase: Rational(1, 1000)) == 0.5)
        #expect(clock.sampleIndex(2500, timeBase: Rational(1, 1000), sampleRate: 16000) == 8000)
        // 44.1 kHz time base, stream starting 1024 samples after the origin.
        #expect(clock.sampleIndex(88200 + 1024, timeBase: Rational(1, 44100), sampleRate: 44100) == 1024)
        // Rounded to the nearest sample when rates differ: 0.5 s + 1/90000 s at 48 kHz is sample 24000.53.
        #expect(clock.sampleIndex(225_001, timeBase: Rational(1, 90000), sampleRate: 48000) == 24001)
        #expect(clock.origin(in: Rational(1, 90000)) == 180_000)
    }
}
