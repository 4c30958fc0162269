import Foundation
import Testing
import TandemCore
@testable import TandemMedia

/// Limits that keep analysis work proportionate on unusual media: a rate cap for audio
/// (`AudioDecodeOptions.maximumSampleRate`) and a longest side for frames (`VideoDecodeOptions.maximumSide`).
@Suite struct RateAndSizeLimitTests {
    @Test func ratesAboveTheCapComeDownToAPlainFraction() {
        let capped = AudioDecodeOptions(maximumSampleRate: 48_000)
        #expect([96_000, 192_000, 88_200, 176_400, 64_000, 48_000, 44_100, 8_000].map(capped.outputRate(forStreamRate:))
                == [48_000, 48_000, 44_100, 44_100, 48_000, 48_000, 44_100, 8_000])
        // An explicit rate wins; no cap keeps the stream's.
        #expect(AudioDecodeOptions(sampleRate: 16_000, maximumSampleRate: 48_000).outputRate(forStreamRate: 96_000) == 16_000)
        #expect(AudioDecodeOptions().outputRate(forStreamRate: 96_000) == 96_000)
    }

    @Test func aNinetySixKilohertzFileIsReadAtTheCap() throws {
        let directory = Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("master.wav")
        let samples = (0..<9_600).map { Float(sin(2 * Double.pi * 1000 * Double($0) / 96_000) * 0.5) }
        try AudioFileWriter.write(AudioBuffer(sampleRate: 96_000, channelLayout: "mono", firstSample: 0, channels: [SharedArray(samples)]), to: url)
        let audio = try AudioReader(url: url, options: AudioDecodeOptions(maximumSampleRate: 48_000)).readAll()
        #expect(audio.sampleRate == 48_000 && audio.frameCount == 4_800)
        // The 1 kHz tone survives the conversion at its level (RMS of a 0.5 sine: 0.354).
        let rms = (audio.channels[0].array[100..<4_700].map { $0 * $0 }.reduce(0, +) / 4_600).squareRoot()
        #expect(abs(rms - 0.354) < 0.01, "\(rms)")
    }

    @Test func theLongestSideIsBoundedKeepingTheShape() {
        let thin = FrameGeometry.make(width: 1, height: 180, mode: .shorterSide(144))
        #expect(thin.outputWidth == 144 && thin.outputHeight == 25_920)
        let bounded = thin.limited(toSide: 1008)
        #expect(bounded.outputWidth == 6 && bounded.outputHeight == 1008 && bounded.isIdentityPlacement)
        // An ordinary picture, a crop (already bounded by its box) and no limit are left alone.
        let wide = FrameGeometry.make(width: 480, height: 180, mode: .shorterSide(144))
        #expect(wide.limited(toSide: 1008) == wide && wide.outputWidth == 384)
        let crop = FrameGeometry.make(width: 1, height: 180, mode: .shorterSideCenterCrop(side: 144, width: 144, height: 2000))
        #expect(crop.limited(toSide: 1008) == crop)
        #expect(thin.limited(toSide: nil) == thin)
    }
}
