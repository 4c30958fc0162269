import Foundation
import Testing
import TandemCore
@testable import TandemMedia

@Suite struct WriterTests {
    private func tone() throws -> AudioBuffer { try AudioReader(url: Fixture.url("stereo48k.flac")).readAll() }

    private func rms(_ samples: [Float]) -> Double {
        (samples.reduce(0) { $0 + Double($1 * $1) } / Double(max(1, samples.count))).squareRoot()
    }

    /// Only the final file is left in the folder (no temporary names).
    private func expectOnlyFile(_ url: URL) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)
        #expect(names == [url.lastPathComponent])
    }

    @Test func wavRoundTripIsExact() throws {
        let original = try tone()
        let url = Fixture.temporaryDirectory().appendingPathComponent("tone.wav")
        try AudioFileWriter.write(original, to: url)
        try expectOnlyFile(url)
        let back = try AudioReader(url: url).readAll()
        #expect(back.sampleRate == 48000 && back.channelCount == 2)
        #expect(back.channels == original.channels)
    }

    /// Samples past ±1 (a loud downmix, a resampler's overshoot) are clipped when stored as integers:
    /// FLAC does not refuse them and WAV does not wrap them around to the opposite sign.
    @Test(arguments: ["loud.flac", "loud.wav"])
    func samplesPastFullScaleAreClipped(_ name: String) throws {
        let directory = Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let samples: [Float] = (0..<4800).map { 1.6 * sinf(Float($0) * 2 * .pi / 48) }
        let loud = AudioBuffer(sampleRate: 48000, channelLayout: "mono", firstSample: 0, channels: [SharedArray(samples)])
        let url = directory.appendingPathComponent(name)
        try AudioFileWriter.write(loud, to: url, sampleFormat: .pcm16)
        let back = try AudioReader(url: url).readAll().channels[0].array
        #expect(back.count == samples.count)
        for (written, read) in zip(samples, back) {
            #expect(abs(max(-1, min(1, written)) - read) < 0.001, "\(written) read back as \(read)")
        }
    }

    /// The same samples give the same bytes: no PEAK chunk, which libsndfile stamps with the time of writing.
    @Test func wavBytesDependOnlyOnTheSamples() throws {
        let original = try tone()
        let first = Fixture.temporaryDirectory().appendingPathComponent("first.wav")
        let second = Fixture.temporaryDirectory().appendingPathComponent("second.wav")
        try AudioFileWriter.write(original, to: first)
        try AudioFileWriter.write(original, to: second)
        let bytes = try Data(contentsOf: first)
        #expect(bytes.range(of: Data("PEAK".utf8)) == nil)
        #expect(bytes == (try Data(contentsOf: second)))
        #expect(try AudioReader(url: first).readAll().channels == original.channels)
    }

    /// A buffer longer than the writer's interleaving block is written block by block, and reads back exact.
    @Test func longWavIsWrittenInBlocksExactly() throws {
        let frames = AudioFileWriter.interleaveFrames * 2 + 12_345
        let left = (0..<frames).map { Float(sin(Double($0) * 0.01)) * 0.5 }
        let right = (0..<frames).map { Float(($0 * 7919) % 2001 - 1000) / 2000 }
        let original = AudioBuffer(sampleRate: 8000, channelLayout: "stereo", firstSample: 0, channels: [SharedArray(left), SharedArray(right)])
        let url = Fixture.temporaryDirectory().appendingPathComponent("long.wav")
        try AudioFileWriter.write(original, to: url)
        let back = try AudioReader(url: url).readAll()
        #expect(back.frameCount == frames && back.channelCount == 2)
        #expect(back.channels == original.channels)
    }

    @Test func flacRoundTripWithin24Bits() throws {
        let original = try tone()
        let url = Fixture.temporaryDirectory().appendingPathComponent("tone.flac")
        let writer = try AudioFileWriter(url: url, sampleRate: 48000, channels: 2)
        // Written in pieces: the file is the concatenation.
        var offset = 0
        while offset < original.frameCount {
            let count = min(10_000, original.frameCount - offset)
            try writer.write(AudioBuffer(sampleRate: 48000, channelLayout: "stereo", firstSample: Int64(offset),
                                         channels: original.channels.map { SharedArray(Array($0.array[offset..<(offset + count)])) }))
            offset += count
        }
        try writer.finish()
        let back = try AudioReader(url: url).readAll()
        #expect(back.frameCount == original.frameCount)
        for c in 0..<2 {
            let error = zip(back.channels[c].array, original.channels[c].array).map { abs($0 - $1) }.max() ?? 1
            #expect(error < 1e-6)
        }
    }

    @Test(arguments: ["m4a", "opus"])
    func lossyRoundTrip(ext: String) throws {
        let original = try tone()
        let url = Fixture.temporaryDirectory().appendingPathComponent("tone.\(ext)")
        try AudioFileWriter.write(original, to: url)
        try expectOnlyFile(url)
        let info = try MediaFile.open(url).info
        #expect(info.firstStream(.audio)?.codec == (ext == "m4a" ? "aac" : "opus"))
        let back = try AudioReader(url: url, options: AudioDecodeOptions(sampleRate: 48000)).readAll()
        #expect(abs(back.frameCount - original.frameCount) < 2048)
        for c in 0..<2 {
            let a = rms(back.channels[c].array), b = rms(original.channels[c].array)
            #expect(abs(a - b) / b < 0.1, "\(ext) channel \(c) rms \(a) vs \(b)")
        }
    }

    @Test func opusResamplesUnsupportedRates() throws {
        let mono = try AudioReader(url: Fixture.url("stereo48k.flac"), options: AudioDecodeOptions(sampleRate: 44100, channels: 1)).readAll()
        let url = Fixture.temporaryDirectory().appendingPathComponent("mono.opus")
        try AudioFileWriter.write(mono, to: url)
        let back = try AudioReader(url: url, options: AudioDecodeOptions(sampleRate: 44100)).readAll()
        #expect(back.channelCount == 1)
        #expect(abs(back.frameCount - mono.frameCount) < 2048)
    }

    @Test func videoRoundTrip() throws {
        let frames = try decodeAll("h264_bframes.mp4")
        let url = Fixture.temporaryDirectory().appendingPathComponent("copy.mp4")
        let writer = try VideoFileWriter(url: url, width: 96, height: 64, frameRate: Rational(30, 1), crf: 18)
        for frame in frames.prefix(30) { try writer.write(frame) }
        try writer.finish()
        try expectOnlyFile(url)
        let video = try #require(try MediaFile.open(url).info.firstStream(.video))
        #expect(video.codec == "h264" && video.width == 96 && video.height == 64)
        let back = try decodeAll(url.path)
        #expect(back.count == 30)
        for (a, b) in zip(back, frames) {
            let diff = zip(a.bytes.array, b.bytes.array).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }
            #expect(Double(diff) / Double(a.bytes.count) < 8)
        }
    }

    @Test func droppedWriterLeavesNothing() throws {
        let directory = Fixture.temporaryDirectory()
        do {
            let writer = try VideoFileWriter(url: directory.appendingPathComponent("never.mp4"), width: 96, height: 64, frameRate: Rational(30, 1))
            try writer.write(try #require(try FrameReader(url: Fixture.url("h264_bframes.mp4")).next()))
            let audio = try AudioFileWriter(url: directory.appendingPathComponent("never.wav"), sampleRate: 8000, channels: 1)
            try audio.write(AudioBuffer(sampleRate: 8000, channelLayout: "mono", firstSample: 0, channels: [SharedArray([0.5, 0.25])]))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test func pngIsLossless() throws {
        let directory = Fixture.temporaryDirectory()
        for layout in [PixelLayout.rgb24, .gray8, .float32CHW] {
            let frame = try #require(try FrameReader(url: Fixture.url("h264_bframes.mp4"), options: VideoDecodeOptions(layout: layout)).next())
            let url = directory.appendingPathComponent("frame-\(layout.rawValue).png")
            try ImageWriter.write(frame, to: url)
            let back = try #require(try FrameReader(url: url, options: VideoDecodeOptions(layout: layout == .gray8 ? .gray8 : .rgb24)).next())
            if layout == .float32CHW {
                #expect(back.bytes == frame.packedPixels().bytes)
            } else {
                #expect(back.bytes == frame.bytes, "\(layout)")
            }
        }
    }

    @Test func jpegIsClose() throws {
        let frame = try #require(try FrameReader(url: Fixture.url("h264_bframes.mp4")).next())
        let url = Fixture.temporaryDirectory().appendingPathComponent("frame.jpg")
        try ImageWriter.write(frame, to: url, quality: 95)
        let data = try Data(contentsOf: url)
        #expect(data.prefix(2) == Data([0xFF, 0xD8]))
        let back = try #require(try FrameReader(url: url).next())
        #expect(back.width == 96 && back.height == 64)
        let diff = zip(back.bytes.array, frame.bytes.array).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }
        #expect(Double(diff) / Double(frame.bytes.count) < 12)
    }

    @Test func writersRejectMismatches() throws {
        let directory = Fixture.temporaryDirectory()
        #expect(throws: MediaError.self) { try AudioFileWriter(url: directory.appendingPathComponent("x.xyz"), sampleRate: 8000, channels: 1) }
        #expect(throws: MediaError.self) { try VideoFileWriter(url: directory.appendingPathComponent("odd.mp4"), width: 95, height: 64, frameRate: Rational(30, 1)) }
        let writer = try AudioFileWriter(url: directory.appendingPathComponent("a.wav"), sampleRate: 8000, channels: 1)
        #expect(throws: MediaError.self) {
            try writer.write(AudioBuffer(sampleRate: 16000, channelLayout: "mono", firstSample: 0, channels: [SharedArray([0])]))
        }
    }
}
