import TandemAV
import TandemCore

/// `assign-speakers`: keeps the text that foreground speech accounts for and names every kept word and
/// segment — the face whose lips move during it, else `off-screen` (`SpeechFusion.keep`); a segment
/// whose words change speaker is split. Passes the fusion's notes on, with how many words were
/// attributed off-screen.
public struct AssignSpeakersNode: ConfigurableNode {
    public static let descriptor = NodeDescriptor(
        kind: "assign-speakers", doc: "Keep text where foreground speech is; name each word's speaker (a face, or off-screen).",
        inputs: [PortSpec("transcript", .transcript),
                 PortSpec("speech", .segments, "av-fusion's speech map (labelled face<id> or off-screen)", optional: true),
                 PortSpec("voiced", .segments, "av-fusion's voiced stretches (the voice detector's speech the level test rejected)", optional: true),
                 PortSpec("lips", .segments, "lip-activity's speech stretches labelled face<id>", optional: true),
                 PortSpec("notes", .segments, "notes to pass on (av-fusion's)", optional: true)],
        outputs: [PortSpec("transcript", .transcript, "the kept transcript, each segment and word with its speaker"),
                  PortSpec("notes", .segments, "the notes received, plus the words attributed off-screen")],
        parameters: [
            ParameterSpec("gate", .bool, default: .bool(true), "drop text outside foreground speech (false: only name speakers)"),
            ParameterSpec("word_tolerance", .double(0...5), default: .double(SpeechFusion.TextRules().wordTolerance),
                          "a word whose middle is farther than this (seconds) from speech is dropped"),
            ParameterSpec("no_speech_threshold", .double(0...1), default: .double(SpeechFusion.TextRules().noSpeechThreshold),
                          "drop a segment Whisper rates at least this likely to be no speech and below log_prob_threshold; 1: off"),
            ParameterSpec("log_prob_threshold", .double(-100...0), default: .double(SpeechFusion.TextRules().logProbabilityThreshold),
                          "see no_speech_threshold"),
            ParameterSpec("weak_support_log_prob", .double(-100...0), default: .double(SpeechFusion.TextRules().weakSupportLogProbability),
                          "text resting only on unsure or lifted speech needs at least this average log-probability"),
            ParameterSpec("sure_no_speech", .double(0...1), default: .double(SpeechFusion.TextRules().sureNoSpeechProbability),
                          "text outside foreground speech but where the voice detector says speech is kept when its no-speech probability is below this "
                          + "and its average log-probability at least sure_log_prob (0: never)"),
            ParameterSpec("sure_log_prob", .double(-100...0), default: .double(SpeechFusion.TextRules().sureLogProbability), "see sure_no_speech"),
        ])

    private let gate: Bool
    private var rules = SpeechFusion.TextRules()
    private var transcript: [TranscriptSegment] = []
    private var speech: [Segment]?
    private var lips: [Segment]?
    private var voiced: [Segment] = []
    private var notes: [Segment] = []

    public init(parameters: NodeParameters) throws {
        gate = parameters.bool("gate")
        rules.wordTolerance = parameters.double("word_tolerance")
        rules.noSpeechThreshold = parameters.double("no_speech_threshold")
        rules.logProbabilityThreshold = parameters.double("log_prob_threshold")
        rules.weakSupportLogProbability = parameters.double("weak_support_log_prob")
        rules.sureNoSpeechProbability = parameters.double("sure_no_speech")
        rules.sureLogProbability = parameters.double("sure_log_prob")
    }

    public mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        switch (port.name, packet) {
        case ("transcript", .transcript(let segments)): transcript += segments
        case ("speech", .segments(let segments)): speech = (speech ?? []) + segments
        case ("lips", .segments(let segments)): lips = (lips ?? []) + segments
        case ("voiced", .segments(let segments)): voiced += segments
        case ("notes", .segments(let segments)): notes += segments
        default: break
        }
    }

    public mutating func finish(output: NodeOutput) throws {
        let fusion = SpeechFusion()
        let kept: [TranscriptSegment]
        if let speech, gate {
            kept = fusion.keep(transcript, map: SpeechMap(speech: speech, quiet: [], noiseFloor: nil, voiced: voiced), lips: lips, rules: rules)
        } else {
            // No speech map, or gate off: every segment is whole speech, nothing is dropped; only the names
            // are added (an empty map must not drop the text the gate was asked to leave alone).
            let everything = SpeechMap(speech: transcript.map { Segment(start: $0.start, end: $0.end, label: SpeechMap.offScreen) }, quiet: [], noiseFloor: nil)
            var loose = rules
            loose.wordTolerance = .infinity
            loose.weakSupportLogProbability = -.infinity
            if !gate { loose.noSpeechThreshold = 2 }
            kept = fusion.keep(transcript, map: everything, lips: lips, rules: loose)
        }
        let words = kept.flatMap { $0.words ?? [] }
        var all = notes
        if !kept.isEmpty {
            let span = (kept.first!.start, kept.last!.end)
            if words.isEmpty {
                let off = kept.filter { $0.speaker == SpeechMap.offScreen }.count
                all.append(Segment(start: span.0, end: span.1, label: "\(off) of \(kept.count) segments attributed off-screen", score: 0))
            } else {
                let off = words.filter { $0.speaker == SpeechMap.offScreen }.count
                all.append(Segment(start: span.0, end: span.1, label: String(format: "%d of %d words (%.0f%%) attributed off-screen",
                                                                              off, words.count, 100 * Double(off) / Double(words.count)), score: 0))
            }
        }
        if transcript.count > 0 && kept.isEmpty {
            all.append(Segment(start: transcript.first!.start, end: transcript.last!.end, label: "all recognised text lay outside foreground speech: dropped", score: 0))
        }
        try output.emit(.transcript(kept), port: "transcript")
        try output.emit(.segments(all), port: "notes")
    }
}
