import Testing
import TandemCore
@testable import TandemDSP

@Suite("Spectrogram pictures")
struct SpectrogramImageTests {
    func pixel(_ frame: VideoFrame, _ x: Int, _ y: Int) -> [UInt8] {
        let i = y * frame.stride + x * 3
        return [frame.bytes[i], frame.bytes[i + 1], frame.bytes[i + 2]]
    }

    @Test("colour maps run from their dark to their light end")
    func colorMaps() {
        #expect(ColorMap.magma.color(0) == (0, 0, 4))
        #expect(ColorMap.magma.color(1) == (252, 253, 191))
        #expect(ColorMap.viridis.color(0.5) == (33, 145, 140))
        let gray = ColorMap.gray.color(0.5)
        #expect(gray.red == 128 && gray.green == 128)
    }

    @Test("the font draws digits as designed")
    func font() {
        var canvas = Canvas(width: 12, height: 7)
        canvas.text("1", x: 0, y: 0)
        // "1": the stem is column 2 on every row but the first; the base spans columns 1–3.
        for row in 1..<7 { #expect(canvas.bytes[(row * 12 + 2) * 3] == 0) }
        #expect(canvas.bytes[(6 * 12 + 1) * 3] == 0 && canvas.bytes[(6 * 12 + 3) * 3] == 0)
        #expect(canvas.bytes[(3 * 12 + 0) * 3] == 255)
        #expect(BitmapFont.width("10k") == 17)
    }

    @Test("a 1 s, 8 kHz spectrogram renders with plot, axes and labels")
    func render() throws {
        // 100 frames × 50 bins, one bright bin (a tone at bin 40) on a dark floor.
        var values = [Float](repeating: 1e-6, count: 100 * 50)
        for t in 0..<100 { values[t * 50 + 40] = 1 }
        let spectrogram = Spectrogram(values: .magnitude, binCount: 50, frameCount: 100, hop: 80, fftSize: 98,
                                      sampleRate: 8000, firstFrame: 0, data: SharedArray(values))
        let image = try SpectrogramImage(colorMap: .magma).render(spectrogram)
        let left = SpectrogramImage.marginLeft, top = SpectrogramImage.marginTop
        #expect(image.layout == .rgb24)
        #expect(image.width == left + 100 + SpectrogramImage.marginRight)
        #expect(image.height == top + 50 + SpectrogramImage.marginBottom)
        #expect(image.bytes.count == image.stride * image.height)
        // Bin 40 is row 50 − 1 − 40 = 9 of the plot: the bright end of the map; the floor is the dark end.
        #expect(pixel(image, left + 10, top + 9) == [252, 253, 191])
        #expect(pixel(image, left + 10, top + 30) == [0, 0, 4])
        // Axis lines.
        #expect(pixel(image, left - 1, top + 20) == [0, 0, 0])
        #expect(pixel(image, left + 50, top + 50) == [0, 0, 0])
        // Some ink in the label areas (time under the plot, hertz left of it).
        let below = (top + 52..<image.height).flatMap { y in (left..<(left + 100)).map { pixel(image, $0, y) } }
        #expect(below.contains([0, 0, 0]))
        let beside = (top..<(top + 50)).flatMap { y in (0..<(left - 6)).map { pixel(image, $0, y) } }
        #expect(beside.contains([0, 0, 0]))
    }

    @Test("scaled plots take the maximum of the frames each column covers")
    func downsampled() throws {
        var values = [Float](repeating: 0, count: 1000 * 4)
        values[777 * 4 + 2] = 5
        let image = try SpectrogramImage(colorMap: .gray, scaling: .linear, plotWidth: 100, plotHeight: 4)
            .render(values, frameCount: 1000, binCount: 4, secondsPerFrame: 0.01, frequencyAxis: .bins(title: "mel"))
        #expect(pixel(image, SpectrogramImage.marginLeft + 77, SpectrogramImage.marginTop + 1) == [255, 255, 255])
        #expect(pixel(image, SpectrogramImage.marginLeft + 76, SpectrogramImage.marginTop + 1) == [0, 0, 0])
        #expect(throws: DSPError.self) {
            try SpectrogramImage().render([1], frameCount: 2, binCount: 2, secondsPerFrame: 1, frequencyAxis: .bins(title: "mel"))
        }
    }
}
