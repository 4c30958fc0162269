import TandemCore
import TandemModels

/// `assign-speakers`: marks each transcript segment with the face that spoke it and, when gating,
/// drops text whose middle lies outside visual speech (`LipAssistedTranscriber.attribute`).
///
/// Without a `speech` packet (no readable face) the transcript passes unchanged.
public struct AssignSpeakersNode: ConfigurableNode {
    public static let descriptor = NodeDescriptor(
        kind: "assign-speakers", doc: "Label transcript segments with the face that spoke them; drop text outside visual speech when gating.",
        inputs: [PortSpec("transcript", .transcript),
                 PortSpec("speech", .segments, "lip-activity's speaker-labelled speech", optional: true)],
        outputs: [PortSpec("transcript", .transcript, "the transcript with speakers")],
        parameters: [
            ParameterSpec("gate", .bool, default: .bool(true), "drop segments whose middle is outside visual speech (as av-enhance's gate)"),
            ParameterSpec("no_speech_threshold", .double(0...1), default: .double(LipAssistOptions().gatedNoSpeechThreshold ?? 1),
                          "when gating, drop text whose window Whisper rates at least this likely to be no speech (and avg log-prob < -1); 1: off"),
        ])

    private let gate: Bool
    private let noSpeechThreshold: Double?
    private var transcript: [TranscriptSegment] = []
    private var speech: [Segment]?

    public init(parameters: NodeParameters) throws {
        gate = parameters.bool("gate")
        let threshold = parameters.double("no_speech_threshold")
        noSpeechThreshold = threshold >= 1 ? nil : threshold
    }

    public mutating func receive(_ packet: Packet, on port: Int, output: NodeOutput) throws {
        switch packet {
        case .transcript(let segments): transcript += segments
        case .segments(let segments): speech = (speech ?? []) + segments
        default: break
        }
    }

    public mutating func finish(output: NodeOutput) throws {
        guard let speech else {
            try output.emit(.transcript(transcript))
            return
        }
        try output.emit(.transcript(transcript.compactMap { LipAssistedTranscriber.attribute($0, keep: gate ? speech : nil, speech: speech,
                                                                                             noSpeechThreshold: noSpeechThreshold) }))
    }
}
