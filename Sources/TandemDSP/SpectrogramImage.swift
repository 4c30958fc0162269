import Foundation
import TandemCore

/// Renders a spectrogram (magnitude, power, mel or log-mel) as an RGB24 picture with a colour
/// map, a time axis in seconds and a frequency axis in hertz (or bin numbers for mel), with
/// ticks and labels in a built-in 5×7 font. Low frequencies are at the bottom.
///
/// Produces pixels only; writing the PNG is `TandemMedia`'s `ImageWriter`'s job.
///
/// ```swift
/// let picture = try SpectrogramImage(colorMap: .magma, plotWidth: 800).render(spectrogram)
/// ```
public struct SpectrogramImage: Sendable {
    /// What the rows of the picture are labelled with.
    public enum FrequencyAxis: Sendable, Hashable {
        /// Rows span 0…`maxFrequency` Hz linearly (STFT bins: the Nyquist frequency).
        case hertz(maxFrequency: Double)
        /// Rows are numbered bins (mel bands), titled `title` (e.g. "mel").
        case bins(title: String)
    }

    /// How values map to colours.
    public enum Scaling: Sendable, Hashable {
        /// Minimum … maximum of the data → the colour map's ends (log-mel features).
        case linear
        /// Decibels below the maximum, `range` dB deep; `power` says whether values are power
        /// (10 log10) or amplitude (20 log10).
        case decibels(range: Float = 80, power: Bool = false)
    }

    /// Colours from low to high values.
    public var colorMap: ColorMap
    /// nil picks from the spectrogram's kind: decibels for magnitude / power / mel, linear for log-mel.
    public var scaling: Scaling?
    /// Plot area width in pixels; nil for one column per frame. Several frames per column show their maximum.
    public var plotWidth: Int?
    /// Plot area height in pixels; nil for one row per bin.
    public var plotHeight: Int?

    /// A renderer; nil sizes draw one pixel per frame and bin.
    public init(colorMap: ColorMap = .magma, scaling: Scaling? = nil, plotWidth: Int? = nil, plotHeight: Int? = nil) {
        self.colorMap = colorMap
        self.scaling = scaling
        self.plotWidth = plotWidth
        self.plotHeight = plotHeight
    }

    static let marginLeft = 40, marginRight = 16, marginTop = 12, marginBottom = 18
    static let ink: (UInt8, UInt8, UInt8) = (0, 0, 0)
    static let paper: (UInt8, UInt8, UInt8) = (255, 255, 255)

    /// Renders a `Spectrogram`; complex values are shown as magnitude.
    /// - Throws: `DSPError.Code.invalidConfiguration` for an empty spectrogram.
    public func render(_ spectrogram: Spectrogram) throws -> VideoFrame {
        var values = spectrogram.data.array
        var scaling = self.scaling
        switch spectrogram.values {
        case .complex:
            let complex = values
            values = (0..<(complex.count / 2)).map { (k: Int) -> Float in
                let re = complex[2 * k], im = complex[2 * k + 1]
                return (re * re + im * im).squareRoot()
            }
            scaling = scaling ?? .decibels()
        case .magnitude: scaling = scaling ?? .decibels()
        case .power, .mel: scaling = scaling ?? .decibels(power: true)
        case .logMel: scaling = scaling ?? .linear
        }
        let axis: FrequencyAxis = spectrogram.values == .mel || spectrogram.values == .logMel
            ? .bins(title: "mel") : .hertz(maxFrequency: Double(spectrogram.sampleRate) / 2)
        var copy = self
        copy.scaling = scaling
        return try copy.render(
            values, frameCount: spectrogram.frameCount, binCount: spectrogram.binCount,
            secondsPerFrame: Double(spectrogram.hop) / Double(spectrogram.sampleRate),
            firstSecond: Double(spectrogram.firstFrame) * Double(spectrogram.hop) / Double(spectrogram.sampleRate),
            frequencyAxis: axis)
    }

    /// Renders frame-major values (`frameCount × binCount`).
    /// - Parameters:
    ///   - secondsPerFrame: hop / sample rate, for the time axis.
    ///   - firstSecond: the time of frame 0.
    /// - Throws: `DSPError` for an empty or mis-sized input.
    public func render(
        _ values: [Float], frameCount: Int, binCount: Int, secondsPerFrame: Double, firstSecond: Double = 0,
        frequencyAxis: FrequencyAxis
    ) throws -> VideoFrame {
        guard frameCount > 0, binCount > 0, values.count == frameCount * binCount else {
            throw DSPError(.invalidConfiguration, "cannot draw \(values.count) values as \(frameCount) frames × \(binCount) bins")
        }
        let plotW = max(1, plotWidth ?? frameCount), plotH = max(1, plotHeight ?? binCount)
        let width = Self.marginLeft + plotW + Self.marginRight
        let height = Self.marginTop + plotH + Self.marginBottom
        var canvas = Canvas(width: width, height: height)

        let levels = normalised(values)
        let colors = colorMap.table()
        // Each plot row's bins, from the top (the highest bins) down.
        let binRanges = (0..<plotH).map { y -> Range<Int> in
            let row = plotH - 1 - y
            let firstBin = row * binCount / plotH
            return firstBin..<max(firstBin + 1, (row + 1) * binCount / plotH)
        }
        // Over buffers (no check per level read or pixel written: the plot lies inside the canvas): a separation's
        // picture has several panels of 128 000 pixels, drawn before its encoder can start.
        levels.withUnsafeBufferPointer { levels in
            canvas.bytes.withUnsafeMutableBufferPointer { pixels in
                for x in 0..<plotW {
                    let firstFrame = x * frameCount / plotW
                    let lastFrame = max(firstFrame + 1, (x + 1) * frameCount / plotW)
                    for y in 0..<plotH {
                        let bins = binRanges[y]
                        var level: Float = 0
                        for t in firstFrame..<lastFrame { for k in bins { level = max(level, levels[t * binCount + k]) } }
                        let c = colors[Int((level * 255).rounded())]
                        let i = ((Self.marginTop + y) * width + Self.marginLeft + x) * 3
                        pixels[i] = c.red
                        pixels[i + 1] = c.green
                        pixels[i + 2] = c.blue
                    }
                }
            }
        }
        drawAxes(&canvas, plotW: plotW, plotH: plotH, seconds: (firstSecond, Double(frameCount) * secondsPerFrame),
                 binCount: binCount, axis: frequencyAxis)
        return VideoFrame(layout: .rgb24, width: width, height: height, stride: width * 3,
                          bytes: SharedArray(canvas.bytes), pts: 0, timeBase: Rational(1, 1), frameIndex: 0, seconds: firstSecond)
    }

    /// Values mapped to 0…1 by the scaling.
    func normalised(_ values: [Float]) -> [Float] {
        switch scaling ?? .linear {
        case .linear:
            let low = values.min() ?? 0, high = values.max() ?? 1
            let span = high > low ? high - low : 1
            return values.map { ($0 - low) / span }
        case .decibels(let range, let power):
            let factor: Float = power ? 10 : 20
            let reference = max(values.max() ?? 0, 1e-20)
            return values.map { v in
                let db = factor * log10f(max(v, 1e-20) / reference)
                return max(0, (db + range) / range)
            }
        }
    }

    private func drawAxes(_ canvas: inout Canvas, plotW: Int, plotH: Int, seconds: (start: Double, duration: Double),
                          binCount: Int, axis: FrequencyAxis) {
        let left = Self.marginLeft, top = Self.marginTop, bottom = top + plotH
        for y in (top - 1)...bottom { canvas.set(left - 1, y, Self.ink) }
        for x in (left - 1)..<(left + plotW) { canvas.set(x, bottom, Self.ink) }

        // Time ticks: the finest "nice" step leaving room for a label between ticks.
        let pixelsPerSecond = Double(plotW) / max(seconds.duration, 1e-9)
        let timeSteps = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1200, 3600]
        let timeStep = timeSteps.first { $0 * pixelsPerSecond >= 40 } ?? timeSteps.last!
        var tick = (seconds.start / timeStep).rounded(.up) * timeStep
        while tick <= seconds.start + seconds.duration + 1e-9 {
            let x = left + Int(((tick - seconds.start) * pixelsPerSecond).rounded())
            if x < left + plotW {
                for y in (bottom + 1)...(bottom + 3) { canvas.set(x, y, Self.ink) }
                let label = Self.format(tick, step: timeStep)
                let labelX = x - BitmapFont.width(label) / 2
                // Leave the unit title at the axis end readable.
                if labelX + BitmapFont.width(label) < left + plotW + 3 {
                    canvas.text(label, x: labelX, y: bottom + 6)
                }
            }
            tick += timeStep
        }
        canvas.text("s", x: left + plotW + 5, y: bottom + 6)

        // Frequency ticks.
        let maxValue: Double, title: String
        switch axis {
        case .hertz(let maxFrequency): (maxValue, title) = (maxFrequency, "Hz")
        case .bins(let name): (maxValue, title) = (Double(binCount), name)
        }
        let pixelsPerUnit = Double(plotH) / max(maxValue, 1e-9)
        let frequencySteps: [Double] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000]
        let step = frequencySteps.first { $0 * pixelsPerUnit >= 14 } ?? frequencySteps.last!
        var value = 0.0
        while value <= maxValue + 1e-9 {
            let y = bottom - Int((value * pixelsPerUnit).rounded())
            if y >= top {
                for x in (left - 4)...(left - 2) { canvas.set(x, y, Self.ink) }
                let label: String
                if case .hertz = axis, value >= 1000 { label = Self.format(value / 1000, step: step / 1000) + "k" } else {
                    label = Self.format(value, step: step)
                }
                canvas.text(label, x: left - 6 - BitmapFont.width(label), y: y - 3)
            }
            value += step
        }
        canvas.text(title, x: max(1, left - 2 - BitmapFont.width(title)), y: 2)
    }

    /// A tick label with as many decimals as the step needs.
    static func format(_ value: Double, step: Double) -> String {
        let decimals = step >= 1 ? 0 : step >= 0.1 ? 1 : 2
        return String(format: "%.\(decimals)f", value)
    }
}
