import Testing
import TandemCore
@testable import TandemDSP

/// Chunk sizes from a seeded generator: 1 sample up to `limit`.
func randomChunks(total: Int, limit: Int, seed: UInt64) -> [Int] {
    var state = seed
    var sizes: [Int] = []
    var remaining = total
    while remaining > 0 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let size = min(remaining, 1 + Int((state >> 33) % UInt64(limit)))
        sizes.append(size)
        remaining -= size
    }
    return sizes
}

@Suite("Streaming STFT and inverse")
struct StreamingTests {
    @Test("chunked STFT yields exactly the one-shot frames", arguments: [
        STFTConfiguration(fftSize: 1024, hop: 256),
        STFTConfiguration(fftSize: 400, hop: 160, output: .power),
        STFTConfiguration(fftSize: 1022, hop: 256, padding: .constant, output: .magnitude),
        STFTConfiguration(fftSize: 256, hop: 300, center: false),
        STFTConfiguration(fftSize: 320, hop: 100, windowLength: 300, window: .blackman(periodic: false)),
    ])
    func chunkedSTFT(_ configuration: STFTConfiguration) throws {
        let x = testSignal(7000, seed: 3)
        let expected = try STFT(configuration)(x)
        for (seed, limit) in [(UInt64(1), 50), (2, 700), (3, 3000)] {
            var stream = try StreamingSTFT(configuration)
            var frames: [Float] = []
            var offset = 0
            for size in randomChunks(total: x.count, limit: limit, seed: seed) {
                frames += stream.push(Array(x[offset..<(offset + size)]))
                offset += size
            }
            frames += stream.finish()
            #expect(frames == expected, "chunks up to \(limit)")
            #expect(stream.nextFrame == configuration.frameCount(forLength: x.count))
        }
    }

    @Test("a stream shorter than the padding falls back to the one-shot transform")
    func shortStream() throws {
        let configuration = STFTConfiguration(fftSize: 512, hop: 128)
        let x = testSignal(100)
        var stream = try StreamingSTFT(configuration)
        var frames = stream.push(Array(x[..<40]))
        frames += stream.push(Array(x[40...]))
        frames += stream.finish()
        #expect(frames == (try STFT(configuration)(x)))
    }

    @Test("AudioBuffer chunks are accepted by channel")
    func audioBuffers() throws {
        let configuration = STFTConfiguration(fftSize: 256, hop: 64, output: .magnitude)
        let left = testSignal(1000, seed: 5), right = testSignal(1000, seed: 6)
        var stream = try StreamingSTFT(configuration)
        var frames: [Float] = []
        for start in stride(from: 0, to: 1000, by: 333) {
            let end = min(1000, start + 333)
            let buffer = AudioBuffer(sampleRate: 16000, channelLayout: "stereo", firstSample: Int64(start),
                                     channels: [SharedArray(Array(left[start..<end])), SharedArray(Array(right[start..<end]))])
            frames += stream.push(buffer, channel: 1)
        }
        frames += stream.finish()
        #expect(frames == (try STFT(configuration)(right)))
    }

    @Test("spectrogram packets carry their frame positions")
    func packets() throws {
        let configuration = STFTConfiguration(fftSize: 256, hop: 64, output: .power)
        let x = testSignal(2000)
        var stream = try StreamingSTFT(configuration)
        var packets: [Spectrogram] = []
        for start in stride(from: 0, to: 2000, by: 700) {
            let chunk = Array(x[start..<min(2000, start + 700)])
            let buffer = AudioBuffer(sampleRate: 16000, channelLayout: "mono", firstSample: Int64(6400 + start),
                                     channels: [SharedArray(chunk)])
            packets.append(try stream.pushSpectrogram(buffer))
        }
        packets.append(try stream.finishSpectrogram(sampleRate: 16000))
        var expectedFirst: Int64 = 100  // 6400 / 64
        for packet in packets {
            #expect(packet.firstFrame == expectedFirst, "\(packet.frameCount)")
            #expect(packet.values == .power && packet.binCount == 129)
            expectedFirst += Int64(packet.frameCount)
        }
        #expect(packets.flatMap { $0.data.array } == (try STFT(configuration)(x)))
        var phase = try StreamingSTFT(STFTConfiguration(fftSize: 256, hop: 64, output: .phase))
        #expect(throws: DSPError.self) {
            try phase.pushSpectrogram(AudioBuffer(sampleRate: 16000, channelLayout: "mono", firstSample: 0, channels: [SharedArray(x)]))
        }
    }

    @Test("chunked inverse equals the one-shot inverse", arguments: [
        STFTConfiguration(fftSize: 1024, hop: 256),
        STFTConfiguration(fftSize: 400, hop: 160, window: .hamming()),
        STFTConfiguration(fftSize: 256, hop: 64, center: false),
    ])
    func chunkedInverse(_ configuration: STFTConfiguration) throws {
        let x = testSignal(6000, seed: 9)
        let frames = try STFT(configuration)(x)
        let inverse = try InverseSTFT(configuration)
        let expected = try inverse(frames)
        let stride = 2 * configuration.binCount
        var stream = try StreamingInverseSTFT(configuration)
        var output: [Float] = []
        var frame = 0
        for size in randomChunks(total: frames.count / stride, limit: 7, seed: 4) {
            output += try stream.push(Array(frames[(frame * stride)..<((frame + size) * stride)]))
            frame += size
        }
        output += stream.finish()
        #expect(output == expected)
        if configuration.center { #expect(relativeError(Array(output.prefix(x.count)), Array(x.prefix(output.count))) <= 1e-5) }
    }

    @Test("streaming STFT into streaming inverse reconstructs the signal")
    func endToEnd() throws {
        let configuration = STFTConfiguration(fftSize: 512, hop: 128)
        let x = testSignal(128 * 40)
        var analysis = try StreamingSTFT(configuration)
        var synthesis = try StreamingInverseSTFT(configuration)
        var y: [Float] = []
        for start in stride(from: 0, to: x.count, by: 500) {
            y += try synthesis.push(analysis.push(Array(x[start..<min(x.count, start + 500)])))
        }
        y += try synthesis.push(analysis.finish())
        y += synthesis.finish()
        #expect(y.count == x.count)
        #expect(relativeError(y, x) <= 1e-5)
    }
}

/// Whisper's log-mel computed as audio arrives equals the one-shot features bit for bit once the peak is known.
@Suite struct WhisperLogMelStreamTests {
    @Test(arguments: [0, 1, 150, 401, 16000 * 3 + 77])
    func chunkedRawFramesFlooredAtTheEndEqualTheOneShotFeatures(length: Int) throws {
        var generator = SplitMix64(seed: 7)
        let samples = (0..<length).map { i in
            Float.random(in: -0.3...0.3, using: &generator) * (i > length / 2 ? 1 : 0.01) }
        let oneShot = try WhisperLogMel().features(samples, padding: WhisperLogMel.hop)
        var stream = try WhisperLogMel.Stream()
        var raw: [Float] = []
        var position = 0
        var size = 1
        while position < samples.count {
            let end = min(samples.count, position + size)
            raw += stream.push(Array(samples[position..<end]))
            position = end
            size = size * 3 + 1
        }
        raw += stream.finish()
        #expect(stream.frameCount == length / WhisperLogMel.hop + 1)
        #expect(raw.count == oneShot.count)
        let streamed = raw.map { WhisperLogMel.normalized($0, peak: stream.peak) }
        #expect(streamed.map(\.bitPattern) == oneShot.map(\.bitPattern))
    }
}
