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
        STFTConfiguration(fftSize: 1000, hop: 250, planning: .estimate),
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

    @Test("transforms plan by estimate unless asked, so runs in different processes give the same bits")
    func reproduciblePlanning() throws {
        // FFTW_MEASURE picks its algorithm by timing, which the machine's load changes; a run of the same
        // input in another process could then differ in the last bits (see FFTWPlanner).
        #expect(STFTConfiguration(fftSize: 1024, hop: 256).planning == .estimate)
        let x = testSignal(1022 * 8)
        let estimated = try STFT(STFTConfiguration(fftSize: 1022, hop: 256, output: .power))(x)
        let measured = try STFT(STFTConfiguration(fftSize: 1022, hop: 256, output: .power, planning: .measure))(x)
        #expect(relativeError(measured, estimated) <= 1e-5)
    }

    @Test("transform(into:) reuses the caller's array and gives the same frames")
    func into() throws {
        let stft = try STFT(STFTConfiguration(fftSize: 256, hop: 64, output: .magnitude))
        let x = testSignal(3000)
        var output = [Float](repeating: 7, count: 10)
        stft.transform(x, into: &output)
        #expect(output == stft(x))
        stft.transform(Array(x.prefix(500)), into: &output)
        #expect(output == stft(Array(x.prefix(500))))
    }

    @Test("reflect padding mirrors repeatedly when the signal is shorter than the padding")
    func shortSignal() throws {
        let stft = try STFT(STFTConfiguration(fftSize: 64, hop: 16, window: .rectangular, output: .complex))
        // A constant signal stays constant under reflection, so every frame's DC bin is 64 · value.
        let frames = stft([Float](repeating: 0.5, count: 10))
        #expect(frames.count == stft.frameCount(forLength: 10) * 2 * 33)
        for t in 0..<(frames.count / 66) { #expect(abs(frames[t * 66] - 32) < 1e-5) }
    }

    @Test("plans are made once per size, direction and rigor, and estimated plans agree with measured ones")
    func planCache() throws {
        let a = try FFTWPlanner.plan(size: 96, direction: .forward, rigor: .estimate)
        #expect(a === (try FFTWPlanner.plan(size: 96, direction: .forward, rigor: .estimate)))
        #expect(a !== (try FFTWPlanner.plan(size: 96, direction: .inverse, rigor: .estimate)))
        let x = testSignal(3000)
        let measured = try STFT(STFTConfiguration(fftSize: 96, hop: 24))(x)
        let estimated = try STFT(STFTConfiguration(fftSize: 96, hop: 24, planning: .estimate))(x)
        #expect(relativeError(estimated, measured) <= 1e-5)
    }

    @Test("window coefficients: symmetric and periodic forms, padding into the frame")
    func windows() throws {
        func close(_ a: [Float], _ b: [Float]) -> Bool { a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) < 1e-6 } }
        #expect(close(try Window.hann(periodic: false).coefficients(length: 5), [0, 0.5, 1, 0.5, 0]))
        #expect(close(try Window.hann(periodic: true).coefficients(length: 4), [0, 0.5, 1, 0.5]))
        #expect(close(try Window.hamming(periodic: true).coefficients(length: 4), [0.08, 0.54, 1, 0.54]))
        #expect(close(try Window.blackman(periodic: false).coefficients(length: 3), [0, 1, 0]))
        #expect(close(try Window.rectangular.padded(length: 3, fftSize: 6), [0, 1, 1, 1, 0, 0]))
        #expect(throws: DSPError.self) { try Window.hann().padded(length: 7, fftSize: 6) }
    }

    @Test("empty input gives no frames, and no frames give no samples")
    func empty() throws {
        let configuration = STFTConfiguration(fftSize: 64, hop: 16)
        #expect(try STFT(configuration)([]).isEmpty)
        #expect(try InverseSTFT(configuration)([]).isEmpty)
        #expect(try InverseSTFT(configuration)([], length: 3) == [0, 0, 0])
        var stream = try StreamingSTFT(configuration)
        #expect(stream.finish().isEmpty)
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
