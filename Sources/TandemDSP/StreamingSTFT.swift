import TandemCore

/// An STFT fed audio in chunks of any size, yielding exactly the frames of the one-shot
/// `STFT` of the concatenated signal — including the reflect padding at the start (it waits
/// for `fftSize / 2 + 1` samples before emitting the first frame) and, on `finish()`, the
/// padded tail.
///
/// Not thread-safe: one stream, one owner (a graph node). Memory stays bounded by one frame
/// plus the last chunk.
///
/// ```swift
/// var stream = try StreamingSTFT(STFTConfiguration(fftSize: 1024, hop: 256))
/// for chunk in chunks { consume(stream.push(chunk)) }
/// consume(stream.finish())
/// ```
public struct StreamingSTFT: Sendable {
    public let stft: STFT
    public var configuration: STFTConfiguration { stft.configuration }

    /// Samples of the padded stream not yet fully consumed; `buffer[0]` is padded-stream index `bufferOrigin`.
    private var buffer: [Float] = []
    private var bufferOrigin = 0
    /// Raw samples held back until the start padding can be built (reflect needs `pad + 1` samples).
    private var head: [Float] = []
    private var started = false
    /// The last `pad + 1` raw samples, for the end padding.
    private var tail: [Float] = []
    private var rawCount = 0
    /// Index of the next frame to emit.
    public private(set) var nextFrame = 0
    private var finished = false

    /// Plans the transform for `configuration`.
    /// - Throws: `DSPError` (`.invalidConfiguration`, `.planFailed`).
    public init(_ configuration: STFTConfiguration) throws {
        stft = try STFT(configuration)
        started = !(configuration.center && configuration.padding == .reflect)
        if configuration.center && configuration.padding == .constant {
            buffer = [Float](repeating: 0, count: configuration.centerPadding)
        }
    }

    /// Appends `samples` and returns the frames that became complete (`frames × floatsPerFrame`,
    /// frame-major; frame indices continue from the previous call, see `nextFrame`).
    public mutating func push(_ samples: [Float]) -> [Float] {
        precondition(!finished, "push after finish")
        let pad = configuration.centerPadding
        rawCount += samples.count
        if configuration.center {
            tail.append(contentsOf: samples)
            if tail.count > 2 * (pad + 1) + 1024 { tail.removeFirst(tail.count - (pad + 1)) }
        }
        if started {
            buffer.append(contentsOf: samples)
        } else {
            head.append(contentsOf: samples)
            guard head.count >= pad + 1 else { return [] }
            // Reflect: x[pad], x[pad − 1], …, x[1], then the signal.
            buffer = (1...max(pad, 1)).reversed().map { head[$0] }
            if pad == 0 { buffer = [] }
            buffer.append(contentsOf: head)
            head = []
            started = true
        }
        return emitFrames()
    }

    /// Appends channel `channel` of `audio`.
    public mutating func push(_ audio: AudioBuffer, channel: Int = 0) -> [Float] {
        push(audio.channels[channel].array)
    }

    /// Ends the stream: pads the end (when centred) and returns the remaining frames.
    public mutating func finish() -> [Float] {
        precondition(!finished, "finish called twice")
        finished = true
        let pad = configuration.centerPadding
        if !started {
            // Too short to reflect once: the one-shot transform mirrors repeatedly, like numpy.
            return stft(head)
        }
        if configuration.center {
            switch configuration.padding {
            case .constant:
                buffer.append(contentsOf: repeatElement(0, count: pad))
            case .reflect:
                let last = tail.suffix(pad + 1)
                buffer.append(contentsOf: last.dropLast().reversed())
            }
        }
        return emitFrames()
    }

    private mutating func emitFrames() -> [Float] {
        let n = configuration.fftSize
        let hop = configuration.hop
        let available = bufferOrigin + buffer.count
        guard nextFrame * hop + n <= available else { return [] }
        let count = (available - n - nextFrame * hop) / hop + 1
        let first = nextFrame
        let origin = bufferOrigin
        let stride = configuration.floatsPerFrame
        let stft = self.stft
        let result = buffer.withUnsafeBufferPointer { source in
            [Float](unsafeUninitializedCapacity: count * stride) { output, initialized in
                stft.analyze(frames: first..<(first + count), source: source, start: { $0 * hop - origin },
                             output: output.baseAddress!)
                initialized = count * stride
            }
        }
        nextFrame += count
        let consumed = min(buffer.count, nextFrame * hop - bufferOrigin)
        buffer.removeFirst(consumed)
        bufferOrigin += consumed
        return result
    }
}
