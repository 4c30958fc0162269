import Foundation
import Testing
import TandemCore
import TandemMedia

@Suite struct AudioResamplerTests {
    /// One second of a stereo 44.1 kHz signal: a tone on the left, another on the right.
    static let input: AudioBuffer = {
        let count = 44_100
        let left = (0..<count).map { Float(0.5 * sin(2 * Double.pi * 440 * Double($0) / 44_100)) }
        let right = (0..<count).map { Float(0.3 * sin(2 * Double.pi * 1000 * Double($0) / 44_100)) }
        return AudioBuffer(sampleRate: 44_100, channelLayout: "stereo", firstSample: 0, channels: [SharedArray(left), SharedArray(right)])
    }()

    /// `buffer` cut into chunks of the given sizes (cycled), positioned one after another.
    static func chunks(_ buffer: AudioBuffer, sizes: [Int]) -> [AudioBuffer] {
        var result: [AudioBuffer] = []
        var start = 0, k = 0
        while start < buffer.frameCount {
            let end = min(buffer.frameCount, start + sizes[k % sizes.count])
            result.append(AudioBuffer(sampleRate: buffer.sampleRate, channelLayout: buffer.channelLayout, firstSample: buffer.firstSample + Int64(start),
                                      channels: buffer.channels.map { SharedArray(Array($0.array[start..<end])) }))
            start = end
            k += 1
        }
        return result
    }

    /// Resamples `chunks` to 16 kHz mono; the joined samples, checking that positions are contiguous.
    static func resample(_ chunks: [AudioBuffer], outputRate: Int = 16_000, outputChannels: Int = 1) throws -> (first: Int64, samples: [[Float]]) {
        let resampler = try AudioResampler(inputRate: chunks[0].sampleRate, inputChannels: chunks[0].channelCount,
                                           outputRate: outputRate, outputChannels: outputChannels)
        var samples = Array(repeating: [Float](), count: outputChannels)
        var first: Int64?, next: Int64?
        for output in try chunks.map(resampler.convert) + [resampler.flush()] {
            #expect(output.sampleRate == outputRate && output.channelCount == outputChannels)
            if let next { #expect(output.firstSample == next) }
            first = first ?? output.firstSample
            next = output.endSample
            for c in 0..<outputChannels { samples[c] += output.channels[c].array }
        }
        return (first ?? 0, samples)
    }

    @Test func outputDoesNotDependOnChunkSize() throws {
        let whole = try Self.resample([Self.input])
        #expect(abs(whole.samples[0].count - 16_000) <= 1)
        for sizes in [[4096], [1000], [3], [7, 333, 2, 5000, 64]] {
            let chunked = try Self.resample(Self.chunks(Self.input, sizes: sizes))
            #expect(chunked.first == 0)
            #expect(chunked.samples == whole.samples, "chunks \(sizes)")
        }
    }

    @Test func positionsAreRescaledToTheOutputRate() throws {
        var shifted = Self.input
        shifted.firstSample = 88_200  // 2 s in
        let result = try Self.resample(Self.chunks(shifted, sizes: [10_000]), outputRate: 8000, outputChannels: 2)
        #expect(result.first == 16_000)
        #expect(abs(result.samples[0].count - 8000) <= 1)
    }

    @Test func matchesTheDecoderPath() throws {
        let url = Fixture.temporaryDirectory().appendingPathComponent("tone.wav")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AudioFileWriter.write(Self.input, to: url)
        let decoded = try AudioReader(url: url, options: AudioDecodeOptions(sampleRate: 16_000, channels: 1)).readAll()
        let resampled = try Self.resample(Self.chunks(try AudioReader(url: url).readAll(), sizes: [4096]))
        #expect(decoded.frameCount == resampled.samples[0].count)
        let difference = zip(decoded.channels[0].array, resampled.samples[0]).map { abs($0 - $1) }.max() ?? 1
        #expect(difference < 1e-5)
    }

    @Test func rejectsOtherFormats() throws {
        let resampler = try AudioResampler(inputRate: 48_000, inputChannels: 2, outputRate: 16_000, outputChannels: 1)
        #expect(throws: MediaError.self) { try resampler.convert(Self.input) }
        #expect(throws: MediaError.self) { try AudioResampler(inputRate: 0, inputChannels: 1, outputRate: 16_000, outputChannels: 1) }
    }

    /// A stream shorter than the resampling filter (1 ms, 48 samples) still gives its 16 samples:
    /// libswresample's drain alone returns none of them.
    @Test(arguments: [48, 7, 300])
    func streamShorterThanTheFilterKeepsItsSamples(count: Int) throws {
        let level = [Float](repeating: 0.5, count: count)
        let input = AudioBuffer(sampleRate: 48_000, channelLayout: "mono", firstSample: 0, channels: [SharedArray(level)])
        let (first, samples) = try Self.resample([input])
        #expect(first == 0)
        #expect(samples[0].count == count / 3, "\(count) samples at 48 kHz")
        #expect(samples[0].allSatisfy { $0 > 0.1 }, "the level survives: \(samples[0].prefix(4))")
    }

    /// The same through `AudioReader`, which decodes and resamples a file in one step.
    @Test func tinyFileDecodesToItsLengthAtTheNewRate() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-tiny-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent("tiny.wav")
        let samples = [Float](repeating: 0.25, count: 48)
        try AudioFileWriter.write(AudioBuffer(sampleRate: 48_000, channelLayout: "mono", firstSample: 0, channels: [SharedArray(samples)]), to: url)
        let audio = try AudioReader(url: url, options: AudioDecodeOptions(sampleRate: 16_000, channels: 1)).readAll()
        #expect(audio.frameCount == 16)
    }
}
