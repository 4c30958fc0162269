import CFFTW
import Foundation
import TandemCore

/// The short-time Fourier transform of a real signal, on FFTW's real-to-complex transform.
///
/// Matches `torch.stft(..., return_complex=True)` and `librosa.stft` for the same
/// configuration (onesided; frame-major here, where both return bin-major). Construct it once:
/// `init` plans the FFT (a few milliseconds, serialised process-wide), every call after that
/// only executes the plan. Calls are thread-safe and long inputs are split across cores.
///
/// ```swift
/// let stft = try STFT(STFTConfiguration(fftSize: 1024, hop: 256, output: .magnitude))
/// let frames = stft(samples)          // frameCount × 513 floats, frame-major
/// ```
public struct STFT: Sendable {
    /// What this transform computes.
    public let configuration: STFTConfiguration
    /// The window zero-padded to `fftSize`.
    let window: [Float]
    /// Indices of `window` that may be non-zero; samples outside never reach the FFT.
    let windowSpan: Range<Int>
    let plan: FFTWPlan
    /// Worker threads for long inputs; 1 keeps everything on the calling thread.
    public var threadCount: Int

    /// Validates `configuration` and plans the transform.
    /// - Throws: `DSPError` (`.invalidConfiguration`, `.planFailed`).
    public init(_ configuration: STFTConfiguration) throws {
        try configuration.validate()
        self.configuration = configuration
        window = try configuration.window.padded(length: configuration.windowLength, fftSize: configuration.fftSize)
        let left = (configuration.fftSize - configuration.windowLength) / 2
        windowSpan = left..<(left + configuration.windowLength)
        plan = try FFTWPlanner.plan(size: configuration.fftSize, direction: .forward, rigor: .init(configuration.planning))
        threadCount = max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Frames produced for a signal of `length` samples.
    public func frameCount(forLength length: Int) -> Int { configuration.frameCount(forLength: length) }

    /// The STFT of `signal`: `frameCount(forLength:) × floatsPerFrame` floats, frame-major.
    /// - Complexity: O(frames · n_fft log n_fft), spread over `threadCount` threads.
    public func callAsFunction(_ signal: [Float]) -> [Float] {
        let frames = frameCount(forLength: signal.count)
        let stride = configuration.floatsPerFrame
        let pad = configuration.centerPadding
        let hop = configuration.hop
        guard frames > 0 else { return [] }
        return signal.withUnsafeBufferPointer { source in
            [Float](unsafeUninitializedCapacity: frames * stride) { output, initialized in
                LargeOutput.adviseHugePages(output.baseAddress!, byteCount: frames * stride * 4)
                analyze(frames: 0..<frames, source: source, start: { $0 * hop - pad }, output: output.baseAddress!)
                initialized = frames * stride
            }
        }
    }

    /// The STFT of `signal` written into `output`, which is resized to `frameCount × floatsPerFrame`.
    ///
    /// Reusing one output array across calls skips the kernel's zeroing of fresh pages, which for
    /// a long signal costs as much as a good part of the FFTs (424 MB for 10 minutes at 44.1 kHz).
    /// - Complexity: O(frames · n_fft log n_fft), spread over `threadCount` threads.
    public func transform(_ signal: [Float], into output: inout [Float]) {
        let frames = frameCount(forLength: signal.count)
        let count = frames * configuration.floatsPerFrame
        if output.count != count {
            if output.count > count { output.removeLast(output.count - count) } else {
                output.append(contentsOf: repeatElement(0, count: count - output.count))
            }
        }
        guard frames > 0 else { return }
        let pad = configuration.centerPadding
        let hop = configuration.hop
        signal.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { output in
                analyze(frames: 0..<frames, source: source, start: { $0 * hop - pad }, output: output.baseAddress!)
            }
        }
    }

    /// The STFT of one channel of `buffer` as a `Spectrogram` (complex, magnitude or power).
    ///
    /// `firstFrame` is `buffer.firstSample / hop`, exact when the buffer starts on a hop boundary.
    /// - Throws: `DSPError.Code.unsupportedValues` for `.phase` output (a `Spectrogram` has no phase
    ///   kind; use `callAsFunction` for phase), `.shapeMismatch` for a missing channel.
    public func spectrogram(of buffer: AudioBuffer, channel: Int = 0) throws -> Spectrogram {
        guard channel < buffer.channelCount else {
            throw DSPError(.shapeMismatch, "channel \(channel) requested from a buffer of \(buffer.channelCount)")
        }
        let values = try spectrogramValues()
        let data = self(buffer.channels[channel].array)
        return Spectrogram(
            values: values, binCount: configuration.binCount, frameCount: data.count / configuration.floatsPerFrame,
            hop: configuration.hop, fftSize: configuration.fftSize, sampleRate: buffer.sampleRate,
            firstFrame: buffer.firstSample / Int64(configuration.hop), data: SharedArray(data))
    }

    func spectrogramValues() throws -> Spectrogram.Values {
        switch configuration.output {
        case .complex: return .complex
        case .magnitude: return .magnitude
        case .power: return .power
        case .phase: throw DSPError(.unsupportedValues, "a Spectrogram cannot hold phase; call the STFT directly")
        }
    }

    /// Transforms `frames`, frame `t` starting at `start(t)` in `source` coordinates, into `output`
    /// (frame `frames.lowerBound` first). Frames reaching outside `source` read it through the
    /// configured padding (reflect or zeros), so callers never build a padded copy.
    func analyze(
        frames: Range<Int>, source: UnsafeBufferPointer<Float>, start: (Int) -> Int,
        output: UnsafeMutablePointer<Float>
    ) {
        guard !frames.isEmpty else { return }
        let workers = min(threadCount, max(1, frames.count / 64))
        if workers == 1 {
            analyzeSerially(frames: frames, source: source, start: start, output: output)
            return
        }
        // Several blocks per thread, taken dynamically, so a core busy with other work does not
        // leave the whole transform waiting for its half.
        let blocks = min(frames.count / 64, workers * 8)
        let perBlock = (frames.count + blocks - 1) / blocks
        let stride = configuration.floatsPerFrame
        // Each block writes a disjoint range of `output`; the plan is shared (execution is thread-safe).
        nonisolated(unsafe) let output = output
        nonisolated(unsafe) let source = source
        nonisolated(unsafe) let start = start
        DispatchQueue.concurrentPerform(iterations: blocks) { block in
            let lower = frames.lowerBound + block * perBlock
            let upper = min(frames.upperBound, lower + perBlock)
            guard lower < upper else { return }
            analyzeSerially(frames: lower..<upper, source: source, start: start,
                            output: output + (lower - frames.lowerBound) * stride)
        }
    }

    private func analyzeSerially(
        frames: Range<Int>, source: UnsafeBufferPointer<Float>, start: (Int) -> Int,
        output: UnsafeMutablePointer<Float>
    ) {
        let n = configuration.fftSize
        let bins = configuration.binCount
        let stride = configuration.floatsPerFrame
        let scale: Float = configuration.normalized ? 1 / Float(n).squareRoot() : 1
        let input = FFTWBuffer(realCount: n)
        let spectrum = FFTWBuffer(complexCount: bins)
        let frameIn = input.real
        let spec = spectrum.real
        let span = windowSpan
        let count = source.count
        window.withUnsafeBufferPointer { window in
            var out = output
            for t in frames {
                let first = start(t)
                if first + span.lowerBound >= 0 && first + span.upperBound <= count {
                    let base = source.baseAddress! + first
                    for i in span { frameIn[i] = base[i] * window[i] }
                } else {
                    for i in span { frameIn[i] = Self.paddedSample(source, first + i, configuration.padding) * window[i] }
                }
                // Always through the aligned scratch spectrum: writing straight into the output
                // would need a second plan for frames 8 bytes off alignment, whose rounding differs,
                // and results would then depend on where a frame lands in memory (streamed frames
                // would no longer equal one-shot frames bit for bit). The copy costs ~5 %.
                plan.forward(frameIn, spectrum.complex)
                switch configuration.output {
                case .complex:
                    if scale == 1 {
                        out.update(from: spec, count: 2 * bins)
                    } else {
                        for i in 0..<(2 * bins) { out[i] = spec[i] * scale }
                    }
                case .magnitude:
                    for k in 0..<bins {
                        let re = spec[2 * k], im = spec[2 * k + 1]
                        out[k] = (re * re + im * im).squareRoot() * scale
                    }
                case .power:
                    let scale2 = scale * scale
                    for k in 0..<bins {
                        let re = spec[2 * k], im = spec[2 * k + 1]
                        out[k] = (re * re + im * im) * scale2
                    }
                case .phase:
                    for k in 0..<bins { out[k] = atan2f(spec[2 * k + 1], spec[2 * k]) }
                }
                out += stride
            }
        }
    }

    /// Sample `index` of `source` extended by `padding` beyond its ends; reflect repeats the
    /// mirroring as often as needed, like `numpy.pad(mode="reflect")`.
    @inline(__always)
    static func paddedSample(_ source: UnsafeBufferPointer<Float>, _ index: Int, _ padding: STFTConfiguration.Padding) -> Float {
        let count = source.count
        if index >= 0 && index < count { return source[index] }
        switch padding {
        case .constant: return 0
        case .reflect:
            guard count > 1 else { return count == 1 ? source[0] : 0 }
            let period = 2 * (count - 1)
            var i = index % period
            if i < 0 { i += period }
            if i >= count { i = period - i }
            return source[i]
        }
    }
}
