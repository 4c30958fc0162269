import Foundation
import Testing
import TandemNN
@testable import TandemModels

/// AudioLDM's log-mel front end against the fixture's NumPy/librosa `mel_front_end` (TacotronSTFT).
@Suite struct AudioLDMMelFrontEndTests {
    /// The fixture's small settings: n_fft 32, hop 4, 8 bins up to 8 kHz at 16 kHz.
    static let tiny = { try! AudioLDMMelFrontEnd(sampleRate: 16000, fftSize: 32, hopLength: 4, melBins: 8, maximumFrequency: 8000) }()

    static func maxAbsoluteDifference(_ a: Tensor, _ b: Tensor) -> Float {
        zip(a.scalars, b.scalars).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    @Test func matchesTacotronSTFT() throws {
        let waveform = try AudioLDMFixture.reference("frontend.waveform").scalars
        let expected = try AudioLDMFixture.reference("frontend.log_mel")
        let logMel = Self.tiny.logMel(waveform)
        #expect(logMel.shape == expected.shape && logMel.shape == [513, 8])
        #expect(Self.tiny.frameCount(forSampleCount: waveform.count) == 513)
        #expect(Self.maxAbsoluteDifference(logMel, expected) <= 1e-4)
        // The floor is reached in the fixture (the top filters above the chirp), and is log 1e-5.
        #expect(expected.scalars.contains { abs($0 - Foundation.log(1e-5)) < 1e-6 })
    }

    @Test func matchesTheVariationClip() throws {
        let waveform = try AudioLDMFixture.reference("variation.waveform").scalars
        let expected = try AudioLDMFixture.reference("variation.log_mel")
        let logMel = Self.tiny.logMel(waveform)
        #expect(logMel.shape == [65, 8])
        #expect(Self.maxAbsoluteDifference(logMel.slice(axis: 0, 0..<32), expected) <= 1e-4)
    }

    @Test func publishedSettingsGiveOneFramePerHop() throws {
        let frontEnd = try AudioLDMMelFrontEnd()
        let second = (0..<16000).map { Float(sin(2 * Double.pi * 440 * Double($0) / 16000)) * 0.5 }
        let logMel = frontEnd.logMel(second)
        #expect(logMel.shape == [101, 64])
        // 440 Hz sits in the low bins; the top bin (near 8 kHz) holds almost nothing.
        let middle = Array(logMel.scalars[50 * 64..<51 * 64])
        #expect(middle.firstIndex(of: middle.max()!)! < 12)
        #expect(middle[63] < middle.max()! - 5)
    }

    @Test func refusesAMaximumAboveNyquist() {
        #expect(throws: (any Error).self) { try AudioLDMMelFrontEnd(sampleRate: 8000, maximumFrequency: 8000) }
    }

    @Test func normalizesTheWaveformAsAudioLDM() {
        let clip: [Float] = [0.1, 0.3, -0.2, 0.6, 0.2]
        let normalized = AudioLDMMelFrontEnd.normalizedWaveform(clip)
        let mean = clip.reduce(0, +) / 5
        let peak = clip.map { abs($0 - mean) }.max()!
        for (x, y) in zip(clip, normalized) { #expect(abs(y - (x - mean) / (peak + 1e-8) * 0.5) < 1e-6) }
        #expect(abs(normalized.map(abs).max()! - 0.5) < 1e-6)
        #expect(AudioLDMMelFrontEnd.normalizedWaveform([0, 0, 0]) == [0, 0, 0])
        #expect(AudioLDMMelFrontEnd.normalizedWaveform([]) == [])
        // The offset and gain undo it (inpainting puts new audio back at the clip's level this way).
        let (offset, gain) = AudioLDMMelFrontEnd.normalization(of: clip)
        for (x, y) in zip(clip, normalized) { #expect(abs(y / gain + Float(offset) - x) < 1e-6) }
    }
}
