/// The inverse STFT fed frames in chunks: overlap-adds across chunk boundaries and returns each
/// sample as soon as no later frame can touch it. The concatenated output equals
/// `InverseSTFT` of all frames at once (same additions in the same order).
///
/// Not thread-safe: one stream, one owner.
public struct StreamingInverseSTFT: Sendable {
    public let inverse: InverseSTFT
    public var configuration: STFTConfiguration { inverse.configuration }

    /// Overlap-add sums and window envelope; index 0 is output-timeline (padded) sample `origin`.
    private var sum: [Float] = []
    private var envelope: [Float] = []
    private var origin = 0
    private var framesSeen = 0
    /// Padded-timeline samples already returned or skipped.
    private var emitted = 0

    /// Plans the inverse for `configuration`.
    /// - Throws: `DSPError` (`.invalidConfiguration`, `.planFailed`).
    public init(_ configuration: STFTConfiguration) throws {
        inverse = try InverseSTFT(configuration)
    }

    /// Adds complex frames (frame-major, interleaved re, im) and returns the samples now final.
    /// - Throws: `DSPError.Code.shapeMismatch` when `frames` is not a whole number of frames.
    public mutating func push(_ frames: [Float]) throws -> [Float] {
        let stride = 2 * configuration.binCount
        guard frames.count % stride == 0 else {
            throw DSPError(.shapeMismatch, "\(frames.count) floats are not whole frames of \(stride)")
        }
        let n = configuration.fftSize
        let hop = configuration.hop
        let synthesizer = FrameSynthesizer(inverse)
        let window = inverse.window
        frames.withUnsafeBufferPointer { frames in
            for local in 0..<(frames.count / stride) {
                let offset = framesSeen * hop - origin
                if sum.count < offset + n {
                    sum.append(contentsOf: repeatElement(0, count: offset + n - sum.count))
                    envelope.append(contentsOf: repeatElement(0, count: offset + n - envelope.count))
                }
                let time = synthesizer.synthesize(frames.baseAddress! + local * stride)
                for i in 0..<n {
                    sum[offset + i] += time[i]
                    envelope[offset + i] += window[i] * window[i]
                }
                framesSeen += 1
            }
        }
        // Samples before the next frame's start are complete.
        return emit(upTo: framesSeen * hop)
    }

    /// Ends the stream and returns the rest, without the end's centre padding.
    public mutating func finish() -> [Float] {
        guard framesSeen > 0 else { return [] }
        let total = configuration.fftSize + configuration.hop * (framesSeen - 1)
        return emit(upTo: total - configuration.centerPadding)
    }

    private mutating func emit(upTo end: Int) -> [Float] {
        let start = max(emitted, configuration.centerPadding)
        var result: [Float] = []
        if end - origin > sum.count {
            // A hop longer than the frame leaves gaps no frame covers.
            sum.append(contentsOf: repeatElement(0, count: end - origin - sum.count))
            envelope.append(contentsOf: repeatElement(0, count: end - origin - envelope.count))
        }
        if end > start {
            result.reserveCapacity(end - start)
            for i in start..<end {
                let k = i - origin
                result.append(envelope[k] > InverseSTFT.envelopeFloor ? sum[k] / envelope[k] : sum[k])
            }
        }
        emitted = max(emitted, end)
        let drop = min(sum.count, max(0, emitted - origin))
        sum.removeFirst(drop)
        envelope.removeFirst(drop)
        origin += drop
        return result
    }
}
