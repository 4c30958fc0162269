import Testing
@testable import TandemDSP

@Suite("STFT parity and round trip")
struct STFTTests {
    static func configuration(_ c: Fixtures.STFTCase) throws -> STFTConfiguration {
        let window: Window
        switch c.window {
        case "hann": window = .hann(periodic: c.periodic)
        case "hamming": window = .hamming(periodic: c.periodic)
        case "blackman": window = .blackman(periodic: c.periodic)
        default: window = .custom(try Fixtures.npy(c.windowValues!).values)
        }
        return STFTConfiguration(
            fftSize: c.fftSize, hop: c.hop, windowLength: c.windowLength, window: window, center: c.center,
            padding: c.padding == "reflect" ? .reflect : .constant, normalized: c.normalized,
            output: STFTConfiguration.Output(rawValue: c.output)!)
    }

    @Test("matches torch.stft / librosa.stft to 1e-4 relative", arguments: try Fixtures.cases().stft)
    func parity(_ c: Fixtures.STFTCase) throws {
        let stft = try STFT(Self.configuration(c))
        let input = try Fixtures.npy(c.input).values
        let reference = try Fixtures.npy(c.reference)
        let result = stft(input)
        #expect(reference.shape[0] == stft.frameCount(forLength: input.count))
        try #require(result.count == reference.values.count)
        if c.output == "phase" {
            // Compare phase angles modulo 2π, and only where the bin has energy (phase of ~0 is noise).
            let magnitude = try STFT(STFTConfiguration(
                fftSize: c.fftSize, hop: c.hop, windowLength: c.windowLength, window: stft.configuration.window,
                center: c.center, padding: stft.configuration.padding, output: .magnitude))(input)
            let peak = magnitude.max()!
            var worst: Float = 0
            for i in result.indices where magnitude[i] > 1e-3 * peak {
                var d = abs(result[i] - reference.values[i])
                d = min(d, 2 * .pi - d)
                worst = max(worst, d)
            }
            #expect(worst < 1e-3)
        } else {
            #expect(relativeError(result, reference.values) <= 1e-4)
        }
    }

    @Test("inverse matches torch.istft on an arbitrary spectrogram", arguments: try Fixtures.cases().istft)
    func inverseParity(_ c: Fixtures.ISTFTCase) throws {
        let inverse = try InverseSTFT(STFTConfiguration(fftSize: c.fftSize, hop: c.hop, normalized: c.normalized))
        let reference = try Fixtures.npy(c.reference).values
        let result = try inverse(Fixtures.npy(c.input).values, length: c.length)
        try #require(result.count == reference.count)
        #expect(relativeError(result, reference) <= 1e-4)
    }

    @Test("ISTFT(STFT(x)) reconstructs x to 1e-5", arguments: [
        STFTConfiguration(fftSize: 1024, hop: 256),
        STFTConfiguration(fftSize: 1022, hop: 256),
        STFTConfiguration(fftSize: 400, hop: 160),
        STFTConfiguration(fftSize: 512, hop: 128, windowLength: 400, window: .hamming(periodic: false), padding: .constant),
        STFTConfiguration(fftSize: 256, hop: 64, window: .blackman(), normalized: true),
    ])
    func roundTrip(_ configuration: STFTConfiguration) throws {
        let x = testSignal(5000)
        let frames = try STFT(configuration)(x)
        let y = try InverseSTFT(configuration)(frames, length: x.count)
        #expect(relativeError(y, x) <= 1e-5)
    }

    @Test("the threaded path gives the same frames as one thread")
    func threads() throws {
        var stft = try STFT(STFTConfiguration(fftSize: 512, hop: 128, output: .power))
        let x = testSignal(128 * 300)
        stft.threadCount = 1
        let serial = stft(x)
        stft.threadCount = 2
        #expect(stft(x) == serial)
    }

    @Test("reflect padding mirrors repeatedly when the signal is shorter than the padding")
    func shortSignal() throws {
        let stft = try STFT(STFTConfiguration(fftSize: 64, hop: 16, window: .rectangular, output: .complex))
        // A constant signal stays constant under reflection, so every frame's DC bin is 64 · value.
        let frames = stft([Float](repeating: 0.5, count: 10))
        #expect(frames.count == stft.frameCount(forLength: 10) * 2 * 33)
        for t in 0..<(frames.count / 66) { #expect(abs(frames[t * 66] - 32) < 1e-5) }
    }

    @Test("invalid configurations are rejected with the values in the message")
    func invalid() {
        #expect(throws: DSPError.self) { try STFT(STFTConfiguration(fftSize: 256, hop: 0)) }
        #expect(throws: DSPError.self) { try STFT(STFTConfiguration(fftSize: 256, hop: 64, windowLength: 300)) }
        #expect(throws: DSPError.self) {
            try STFT(STFTConfiguration(fftSize: 256, hop: 64, window: .custom([1, 2, 3])))
        }
    }
}
