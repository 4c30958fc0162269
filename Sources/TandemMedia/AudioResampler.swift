import CFFmpeg
import Foundation
import TandemCore

/// Converts a stream of planar Float32 `AudioBuffer`s to another sample rate and channel count
/// with libswresample, the same conversion `AudioReader` applies while decoding.
///
/// For audio that is already decoded (a stage after `decode`, audio made by a model), so a
/// pipeline can resample without decoding again. Chunks go in one after another, as one stream:
/// the output samples do not depend on how the input is cut (only on the samples), and output
/// positions are exact — the first output chunk starts at the first input chunk's position
/// rescaled to the output rate, and each later one where the previous ended. libswresample keeps
/// a few samples of filter delay; `flush()` returns them at the end of the stream.
///
/// Not `Sendable`: it owns an `SwrContext`, to be used from one thread at a time.
public final class AudioResampler {
    public let inputRate: Int
    public let inputChannels: Int
    public let outputRate: Int
    public let outputChannels: Int
    /// FFmpeg's name of the output layout (`mono`, `stereo`): the default layout for the count.
    public let outputLayout: String

    private var resampler: FFResampler?
    /// The input format as an empty frame: what `FFResampler` is configured from, and the frame
    /// the input samples are copied into.
    private let input = FFFrame()
    private var layout = AVChannelLayout()
    private let scratch: PlanarScratch
    /// The input position the next chunk should start at, and the next output position;
    /// `nil` until the first chunk (and again after `flush()`).
    private var nextInput: Int64?
    private var nextOutput: Int64 = 0

    /// - Throws: `MediaError.Code.invalidArgument` for non-positive rates or channel counts, or a
    ///   conversion libswresample cannot set up.
    public init(inputRate: Int, inputChannels: Int, outputRate: Int, outputChannels: Int) throws {
        guard inputRate > 0, outputRate > 0, inputChannels > 0, outputChannels > 0, inputChannels <= 64, outputChannels <= 64 else {
            throw MediaError(.invalidArgument, path: "<audio>", operation: "configure resampler",
                             message: "cannot resample \(inputRate) Hz × \(inputChannels) to \(outputRate) Hz × \(outputChannels)")
        }
        self.inputRate = inputRate
        self.inputChannels = inputChannels
        self.outputRate = outputRate
        self.outputChannels = outputChannels
        av_channel_layout_default(&layout, Int32(outputChannels))
        outputLayout = FFResampler.layoutName(layout)
        scratch = PlanarScratch(channels: outputChannels)
        try makeContext()
    }

    deinit { av_channel_layout_uninit(&layout) }

    /// Resamples the next chunk of the stream.
    /// - Parameter buffer: `inputRate` Hz, `inputChannels` channels; it follows the previous chunk.
    /// - Returns: the output samples ready so far, at `outputRate` with `outputChannels` channels;
    ///   possibly none (`frameCount` 0) for a tiny chunk, whose samples come with later output.
    /// - Throws: `MediaError.Code.invalidArgument` when the buffer's rate or channel count differ
    ///   from the ones the resampler was made for; `MediaError` when libswresample fails.
    /// - Complexity: O(n) in the chunk's samples.
    public func convert(_ buffer: AudioBuffer) throws -> AudioBuffer {
        guard buffer.sampleRate == inputRate, buffer.channelCount == inputChannels else {
            throw MediaError(.invalidArgument, path: "<audio>", operation: "resample",
                             message: "a \(buffer.sampleRate) Hz × \(buffer.channelCount) chunk given to a \(inputRate) Hz × \(inputChannels) resampler")
        }
        if nextInput == nil {
            nextOutput = Rational.rescale(buffer.firstSample, from: Rational(1, Int64(inputRate)), to: Rational(1, Int64(outputRate)))
        }
        nextInput = buffer.endSample
        guard buffer.frameCount > 0 else { return makeBuffer(count: 0) }
        try fillInput(buffer)
        return try run(input)
    }

    /// The samples still inside libswresample's filter at the end of the stream; afterwards the
    /// resampler starts a new stream (positioned by its next chunk).
    /// - Throws: `MediaError` when libswresample fails.
    public func flush() throws -> AudioBuffer {
        guard nextInput != nil else { return makeBuffer(count: 0) }
        let tail = try run(nil)
        nextInput = nil
        try makeContext()
        return tail
    }

    /// A fresh `SwrContext` for the configured conversion (its delay line empty).
    private func makeContext() throws {
        resampler = nil
        describeInput()
        resampler = try FFResampler(input: input, outputLayout: &layout, outputRate: outputRate, path: "<audio>")
    }

    /// Sets `input`'s format fields (planar Float32, rate, default layout) without samples.
    private func describeInput() {
        input.unref()
        input.pointer.pointee.format = AV_SAMPLE_FMT_FLTP.rawValue
        input.pointer.pointee.sample_rate = Int32(inputRate)
        av_channel_layout_default(&input.pointer.pointee.ch_layout, Int32(inputChannels))
    }

    /// Copies `buffer`'s samples into `input`, one plane per channel.
    private func fillInput(_ buffer: AudioBuffer) throws {
        describeInput()
        input.pointer.pointee.nb_samples = Int32(buffer.frameCount)
        let status = av_frame_get_buffer(input.pointer, 0)
        if status < 0 { throw MediaError(ffmpeg: status, path: "<audio>", operation: "allocate audio", code: .other) }
        let planes = input.pointer.pointee.extended_data!
        for c in 0..<inputChannels {
            buffer.channels[c].withUnsafeBufferPointer { source in
                UnsafeMutableRawPointer(planes[c]!).copyMemory(from: source.baseAddress!, byteCount: source.count * 4)
            }
        }
    }

    /// Runs the conversion on `frame` (or drains the delay line for `nil`) into a positioned buffer.
    private func run(_ frame: FFFrame?) throws -> AudioBuffer {
        guard let resampler else { return makeBuffer(count: 0) }
        let capacity = resampler.maxOutput(forInput: frame?.sampleCount ?? 0) + 32
        scratch.reserve(capacity)
        let written = try resampler.convert(frame, into: scratch.planes, capacity: capacity, path: "<audio>")
        return makeBuffer(count: written)
    }

    /// The `count` samples in `scratch` as the next output chunk.
    private func makeBuffer(count: Int) -> AudioBuffer {
        let channels = (0..<outputChannels).map { c in
            count == 0 ? SharedArray<Float>([]) : SharedArray(Array(UnsafeBufferPointer(start: scratch.channel(c), count: count)))
        }
        defer { nextOutput += Int64(count) }
        return AudioBuffer(sampleRate: outputRate, channelLayout: outputLayout, firstSample: nextOutput, channels: channels)
    }
}
