import Testing
import TandemCore
@testable import TandemDSP

@Suite struct SpectrogramLogMelTests {
    @Test func melPowerBecomesDecibelsWithAFloor() throws {
        let mel = Spectrogram(values: .mel, binCount: 2, frameCount: 2, hop: 160, fftSize: 400, sampleRate: 16_000,
                              firstFrame: 7, data: SharedArray([1, 10, 0, 1e-3]))
        let db = try mel.decibels()
        #expect(db.values == .logMel)
        #expect(db.firstFrame == 7)
        let expected: [Float] = [0, 10, -100, -30]
        for (value, reference) in zip(db.data.array, expected) { #expect(abs(value - reference) < 1e-4) }
        #expect(try mel.decibels(floor: 1e-5).data.array[2] == -50)
    }

    @Test func onlyMelSpectrogramsAreConverted() {
        let power = Spectrogram(values: .power, binCount: 1, frameCount: 1, hop: 1, fftSize: 2, sampleRate: 8000,
                                firstFrame: 0, data: SharedArray([1]))
        #expect(throws: DSPError.self) { try power.decibels() }
    }
}
