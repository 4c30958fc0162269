import Testing
@testable import TandemDSP

@Suite("Mel, Whisper log-mel and log-frequency warp")
struct FilterbankTests {
    @Test("mel filters match librosa.filters.mel / whisper's mel_filters.npz", arguments: try Fixtures.cases().mel)
    func melParity(_ c: Fixtures.MelCase) throws {
        let bank = try MelFilterbank(
            sampleRate: c.sampleRate, fftSize: c.fftSize, melCount: c.melCount, minFrequency: c.fmin,
            maxFrequency: c.fmax, scale: c.htk ? .htk : .slaney, normalization: c.slaneyNorm ? .slaney : .none)
        let reference = try Fixtures.npy(c.reference)
        #expect(reference.shape == [c.melCount, c.fftSize / 2 + 1])
        #expect(relativeError(bank.weights, reference.values) <= 1e-4)
    }

    @Test("sparse application equals the dense product")
    func melApply() throws {
        let bank = try MelFilterbank(sampleRate: 16000, fftSize: 512, melCount: 40)
        let frames = testSignal(257 * 3).map { $0 * $0 }
        let mel = try bank(frames)
        for t in 0..<3 {
            for m in 0..<40 {
                var dense: Float = 0
                for k in 0..<257 { dense += bank.weights[m * 257 + k] * frames[t * 257 + k] }
                #expect(abs(mel[t * 40 + m] - dense) <= 1e-5 * max(1, abs(dense)))
            }
        }
        #expect(throws: DSPError.self) { try bank([1, 2, 3]) }
    }

    @Test("Whisper log-mel matches whisper.audio.log_mel_spectrogram", arguments: try Fixtures.cases().whisper)
    func whisperParity(_ c: Fixtures.WhisperCase) throws {
        let frontEnd = try WhisperLogMel(melCount: c.melCount)
        let input = try Fixtures.npy(c.input).values
        let reference = try Fixtures.npy(c.reference)
        if c.padTo30s {
            let features = frontEnd.window30Seconds(input)
            #expect(features.count == c.frameCount! * c.melCount)
            let head = Array(features.prefix(c.headFrames! * c.melCount))
            let tail = Array(features.suffix(c.tailFrames! * c.melCount))
            #expect(relativeError(head + tail, reference.values) <= 1e-4)
        } else {
            let spectrogram = frontEnd(input)
            #expect(spectrogram.frameCount == input.count / WhisperLogMel.hop)
            #expect(reference.shape == [spectrogram.frameCount, c.melCount])
            #expect(relativeError(spectrogram.data.array, reference.values) <= 1e-4)
        }
    }

    @Test("mel-major transpose")
    func melMajor() {
        #expect(WhisperLogMel.melMajor([1, 2, 3, 4, 5, 6], melCount: 2) == [1, 3, 5, 2, 4, 6])
        #expect(WhisperLogMel.padOrTrim([1, 2, 3], length: 2) == [1, 2])
        #expect(WhisperLogMel.padOrTrim([1], length: 3) == [1, 0, 0])
    }

    @Test("Sound of Pixels log-frequency warp and un-warp match torch grid_sample")
    func warpParity() throws {
        let c = try Fixtures.cases().warp[0]
        let warp = try LogFrequencyWarp(inputBins: 512, outputBins: 256)
        let warped = try warp(Fixtures.npy(c.input).values)
        #expect(relativeError(warped, try Fixtures.npy(c.reference).values) <= 1e-4)
        let unwarped = try warp.inverse(Fixtures.npy(c.maskInput).values)
        #expect(relativeError(unwarped, try Fixtures.npy(c.maskReference).values) <= 1e-4)
        #expect(warp.inverse.inverse.isInverse == false)
    }
}
