import TandemCore

extension SeparationResult {
    /// One picture of the separation: the mixture's spectrogram on top (dB), then each source's mask
    /// (0 black … 1 bright) on the same time and frequency axes, each panel titled.
    ///
    /// The masks are the soft masks the separator applied, so the picture shows which
    /// time–frequency cells each source took from the mixture.
    /// - Parameters:
    ///   - mixture: the channels that were separated (averaged for the picture).
    ///   - plotWidth: plot width in pixels (nil: one column per STFT frame).
    ///   - plotHeight: height of each panel's plot (nil: one row per bin).
    /// - Throws: `DSPError` when the result has no frames.
    public func picture(of mixture: [[Float]], firstSecond: Double = 0, plotWidth: Int? = 800, plotHeight: Int? = 160) throws -> VideoFrame {
        try picture(mixtureMagnitude: try mixtureMagnitude(of: mixture), firstSecond: firstSecond, plotWidth: plotWidth, plotHeight: plotHeight)
    }

    /// The magnitude of the channels' mean on the masks' STFT (`frames × bins`, frame-major): the
    /// picture's top panel.
    /// - Throws: `DSPError` when the result has no frames.
    public func mixtureMagnitude(of mixture: [[Float]]) throws -> [Float] {
        guard frames > 0, bins > 0, let length = mixture.first?.count else {
            throw DSPError(.invalidConfiguration, "nothing to draw: \(frames) frames × \(bins) bins")
        }
        var mean = [Float](repeating: 0, count: length)
        for channel in mixture { for i in 0..<min(length, channel.count) { mean[i] += channel[i] / Float(mixture.count) } }
        let stft = try STFT(STFTConfiguration(fftSize: fftSize, hop: hop, output: .complex, planning: .estimate))
        let complex = stft(mean)
        let count = min(frames * bins, complex.count / 2)
        var magnitude = [Float](repeating: 0, count: frames * bins)
        for i in 0..<count { magnitude[i] = (complex[2 * i] * complex[2 * i] + complex[2 * i + 1] * complex[2 * i + 1]).squareRoot() }
        return magnitude
    }

    /// The picture from the mixture's magnitude (`mixtureMagnitude(of:)`, or built a chunk at a time
    /// for a recording never held whole).
    /// - Throws: `DSPError` when the result has no frames or the magnitude is not `frames × bins`.
    public func picture(mixtureMagnitude magnitude: [Float], firstSecond: Double = 0, plotWidth: Int? = 800, plotHeight: Int? = 160) throws -> VideoFrame {
        guard frames > 0, bins > 0, magnitude.count == frames * bins else {
            throw DSPError(.invalidConfiguration, "nothing to draw: \(frames) frames × \(bins) bins, magnitude of \(magnitude.count)")
        }

        let secondsPerFrame = Double(hop) / Double(sampleRate)
        let axis = SpectrogramImage.FrequencyAxis.hertz(maxFrequency: Double(sampleRate) / 2)
        // The panels are drawn side by side on the graph's threads (the picture is the separation's last step).
        let images = try MotionInformedNMF.concurrently(sources.count + 1) { i -> VideoFrame in
            guard i > 0 else {
                return try SpectrogramImage(colorMap: .magma, scaling: .decibels(), plotWidth: plotWidth, plotHeight: plotHeight)
                    .render(magnitude, frameCount: frames, binCount: bins, secondsPerFrame: secondsPerFrame,
                            firstSecond: firstSecond, frequencyAxis: axis)
            }
            // Each mask drawn min…max (an all-zero mask, a source that took nothing, stays dark).
            let source = sources[i - 1]
            let values = source.mask.count == frames * bins ? source.mask.map { $0.isFinite ? $0 : 0 } : [Float](repeating: 0, count: frames * bins)
            return try SpectrogramImage(colorMap: .viridis, scaling: .linear, plotWidth: plotWidth, plotHeight: plotHeight)
                .render(values, frameCount: frames, binCount: bins, secondsPerFrame: secondsPerFrame,
                        firstSecond: firstSecond, frequencyAxis: axis)
        }
        let titles = ["mixture (\(mode == .motion ? "motion-informed" : "audio-only") separation)"]
            + sources.map { "mask of \($0.label) (confidence \(String(format: "%.2f", $0.confidence)))" }
        return Self.stack(Array(zip(titles, images)).map { (title: $0.0, image: $0.1) })
    }

    /// Panels of equal width stacked top to bottom, each under a title line.
    static func stack(_ panels: [(title: String, image: VideoFrame)]) -> VideoFrame {
        let width = panels.map(\.image.width).max() ?? 1
        let titleHeight = 12
        let height = panels.reduce(0) { $0 + titleHeight + $1.image.height }
        var canvas = Canvas(width: width, height: height)
        var top = 0
        for (title, image) in panels {
            canvas.text(title, x: SpectrogramImage.marginLeft, y: top + 3)
            top += titleHeight
            // Row by row (each panel is at most the canvas's width and lies inside it).
            let row = image.width * 3
            image.bytes.array.withUnsafeBufferPointer { source in
                canvas.bytes.withUnsafeMutableBufferPointer { pixels in
                    for y in 0..<image.height {
                        let to = (top + y) * width * 3, from = y * image.stride
                        _ = UnsafeMutableBufferPointer(rebasing: pixels[to..<(to + row)])
                            .update(fromContentsOf: UnsafeBufferPointer(rebasing: source[from..<(from + row)]))
                    }
                }
            }
            top += image.height
        }
        return VideoFrame(layout: .rgb24, width: width, height: height, stride: width * 3, bytes: SharedArray(canvas.bytes),
                          pts: 0, timeBase: Rational(1, 1), frameIndex: 0, seconds: 0)
    }
}
