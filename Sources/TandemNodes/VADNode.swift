import TandemCore
import TandemModels

/// `vad`: Silero VAD on 16 kHz mono audio → speech spans (faster-whisper's `get_speech_timestamps`)
/// and the per-chunk speech probabilities.
///
/// Probabilities stream out as the audio arrives: every `audio` packet yields one `probabilities`
/// packet for the 512-sample chunks it completes. It is a `tensor` of shape [n], chunk k covering
/// `startSeconds + k · 0.032 s` for 0.032 s (`endSeconds` is the end of the last chunk), so a
/// consumer can line it up with lip activity or anything else timed on the file's clock. The last
/// packet, at the end of the stream, holds the zero-padded final chunk as faster-whisper pads it.
///
/// Spans stream too: `SpeechTimestampTracker` applies faster-whisper's `get_speech_timestamps` rules as
/// the probabilities arrive and hands out each span once nothing still to come can change it (a span
/// ends only after `min_silence_ms` of silence, and its padding waits for the next span or two pads of
/// silence). Each `speech` packet holds the spans just decided — label `speech`, score = the mean
/// probability of the span's chunks — and one more (possibly empty) packet closes the stream. The node
/// keeps the probabilities of undecided stretches only, so memory does not grow with the input.
public struct VADNode: ValidatingNode {
    public static let descriptor = NodeDescriptor(
        kind: "vad", doc: "Silero VAD v6 (MIT): speech probability per 32 ms chunk and speech spans of 16 kHz mono audio.",
        inputs: [PortSpec("audio", .audio, "16 kHz mono audio (decode with sample_rate: 16000, channels: 1)")],
        outputs: [PortSpec("speech", .segments, "speech spans (faster-whisper's rules) as each is decided, label 'speech', score = mean probability; a last packet at the end"),
                  PortSpec("probabilities", .tensor,
                           "tensor [n]: speech probability of each 512-sample (32 ms) chunk from startSeconds on; one packet per audio packet")],
        parameters: VADParameters.specs())

    public static func problems(in parameters: NodeParameters) -> [NodeParameterProblem] {
        VADParameters.problems(in: parameters)
    }

    private let parameters: NodeParameters
    private let options: VADOptions
    private var stream: SileroVADStream?
    private var tracker: SpeechTimestampTracker
    private var firstSample: Int64?
    /// Probabilities of chunks `keptFirstChunk...`, those a span not yet decided may cover.
    private var kept: [Float] = []
    private var keptFirstChunk = 0
    private var chunkCount = 0

    public init(parameters: NodeParameters) throws {
        if let problem = Self.problems(in: parameters).first {
            throw NodeError(code: .invalidParameters, message: problem.message)
        }
        self.parameters = parameters
        options = VADParameters.options(parameters)
        tracker = SpeechTimestampTracker(options: options)
    }

    public mutating func start(_ context: NodeContext) throws {
        stream = SileroVADStream(model: try VADParameters.model(parameters))
    }

    public mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        guard case .audio(let audio) = packet else { return }
        guard audio.sampleRate == SileroVAD.sampleRate, audio.channelCount == 1 else {
            throw NodeError(code: .nodeFailed, message: "vad needs 16000 Hz mono audio, got \(audio.sampleRate) Hz with "
                            + "\(audio.channelCount) channels; decode with sample_rate: 16000 and channels: 1")
        }
        if firstSample == nil { firstSample = audio.firstSample }
        try emit(stream!.process(audio.channels[0].array), finalSampleCount: nil, output: output)
    }

    public mutating func finish(output: NodeOutput) throws {
        guard let stream, stream.samplesReceived > 0 else {
            try output.emit(.segments([]), port: "speech")
            return
        }
        let sampleCount = stream.samplesReceived
        try emit(self.stream!.finish(), finalSampleCount: sampleCount, output: output)
        kept = []
    }

    /// Sends the probabilities of the chunks just completed, timed from the chunk index, and the spans
    /// they decide (at the end, always one `speech` packet).
    private mutating func emit(_ values: [Float], finalSampleCount: Int?, output: NodeOutput) throws {
        let origin = firstSample ?? 0
        if !values.isEmpty {
            let first = origin + Int64(chunkCount * SileroVAD.chunkSize)
            let start = MediaTime(sample: first, rate: SileroVAD.sampleRate)
            let end = MediaTime(sample: first + Int64(values.count * SileroVAD.chunkSize), rate: SileroVAD.sampleRate)
            try output.emit(.tensor(TensorValue(shape: [values.count], data: SharedArray(values), start: start, end: end)),
                            port: "probabilities")
        }
        kept += values
        chunkCount += values.count
        let spans = finalSampleCount.map { tracker.finish(values, sampleCount: $0) } ?? tracker.append(values)
        if !spans.isEmpty || finalSampleCount != nil {
            let segments = spans.map { span -> Segment in
                let first = max(keptFirstChunk, span.lowerBound / SileroVAD.chunkSize)
                let last = min(chunkCount, (span.upperBound + SileroVAD.chunkSize - 1) / SileroVAD.chunkSize)
                let chunks = kept[(first - keptFirstChunk)..<max(first, last) - keptFirstChunk]
                let mean = chunks.isEmpty ? 0 : chunks.reduce(0.0) { $0 + Double($1) } / Double(chunks.count)
                return Segment(start: MediaTime(sample: origin + Int64(span.lowerBound), rate: SileroVAD.sampleRate),
                               end: MediaTime(sample: origin + Int64(span.upperBound), rate: SileroVAD.sampleRate),
                               label: "speech", score: mean)
            }
            try output.emit(.segments(segments), port: "speech")
        }
        // Forget the chunks no undecided span can reach.
        let needed = min(chunkCount, tracker.earliestPendingSample / SileroVAD.chunkSize)
        if needed > keptFirstChunk {
            kept.removeFirst(needed - keptFirstChunk)
            keptFirstChunk = needed
        }
    }
}
