import TandemCore
import TandemMedia

/// `resample`: converts audio to another sample rate and/or channel count (libswresample), as a
/// stage of its own — e.g. 16 kHz mono for a speech model after a `decode` that keeps the file's
/// format for other branches.
///
/// The conversion is `AudioResampler`'s: output samples do not depend on the input's chunking and
/// positions stay exact on the file's clock. Audio already in the wanted format passes through
/// untouched. When the input's format changes mid-stream, the old conversion is finished first.
public struct ResampleNode: ConfigurableNode {
    public static let descriptor = NodeDescriptor(
        kind: "resample", doc: "Resample audio to another sample rate and/or channel count (libswresample).",
        inputs: [PortSpec("audio", .audio)], outputs: [PortSpec("audio", .audio, "planar Float32 chunks at the new rate")],
        parameters: [
            ParameterSpec("sample_rate", .int(0...768_000), default: .int(16_000), "output rate in Hz; 0 keeps the input's"),
            ParameterSpec("channels", .int(0...64), default: .int(1), "output channels (mixed down or up); 0 keeps the input's"),
        ])

    private let sampleRate: Int?
    private let channels: Int?
    private var resampler: AudioResampler?

    public init(parameters: NodeParameters) {
        let rate = parameters.int("sample_rate"), channels = parameters.int("channels")
        sampleRate = rate == 0 ? nil : rate
        self.channels = channels == 0 ? nil : channels
    }

    public mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        guard case .audio(let buffer) = packet else { return }
        let rate = sampleRate ?? buffer.sampleRate, count = channels ?? buffer.channelCount
        if let current = resampler, current.inputRate != buffer.sampleRate || current.inputChannels != buffer.channelCount {
            try emit(current.flush(), output)
            resampler = nil
        }
        if resampler == nil {
            guard rate != buffer.sampleRate || count != buffer.channelCount else {
                try output.emit(packet)
                return
            }
            resampler = try AudioResampler(inputRate: buffer.sampleRate, inputChannels: buffer.channelCount,
                                           outputRate: rate, outputChannels: count)
        }
        try emit(resampler!.convert(buffer), output)
    }

    public mutating func finish(output: NodeOutput) throws {
        guard let resampler else { return }
        try emit(resampler.flush(), output)
    }

    /// Emits `buffer` unless it is empty (a tiny input chunk can leave all its samples in the filter).
    private func emit(_ buffer: AudioBuffer, _ output: NodeOutput) throws {
        if buffer.frameCount > 0 { try output.emit(.audio(buffer)) }
    }
}
