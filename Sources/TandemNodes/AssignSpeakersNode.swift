import TandemAV
import TandemCore

/// `assign-speakers`: keeps the text that foreground speech accounts for and names every kept word and
/// segment — the face whose lips move during it, else `off-screen` (`SpeechFusion.keep`); a segment
/// whose words change speaker is split. Passes the fusion's notes on, with how many words were
/// attributed off-screen, how many were dropped, and a note when no speech was found at all.
///
/// The map can be `av-fusion`'s (talking heads) or a `vad` node's spans (`transcribe.yaml`, with
/// `name_speakers: false`): Whisper writes text on silence and tones ("You", "."), and the same rules
/// that drop it beside a face drop it without one. Every input is kept to the end (the map is only
/// known then), so packets are taken as they arrive: a `vad` node's spans run up to Whisper's look-ahead
/// (10 minutes) ahead of its transcript, and waiting to align them would stall the decoder feeding both.
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
            ParameterSpec("name_speakers", .bool, default: .bool(true),
                          "name each kept segment's and word's speaker (a face, or off-screen); false: no speaker field (audio-only transcription)"),
            ParameterSpec("word_tolerance", .double(0...5), default: .double(SpeechFusion.TextRules().wordTolerance),
                          "a word whose middle is farther than this (seconds) from speech is dropped"),
            ParameterSpec("word_overlap", .double(0...5), default: .double(0),
                          "a word whose middle is outside speech is kept when at least this many seconds of it lie inside speech "
                          + "(Whisper stretches a word before a pause on into the silence); 0: off, the middle alone decides"),
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
        ],
        inputOrder: .arrival)

    private let gate: Bool
    private let nameSpeakers: Bool
    private var rules = SpeechFusion.TextRules()
    private var transcript: [TranscriptSegment] = []
    private var speech: [Segment]?
    private var lips: [Segment]?
    private var voiced: [Segment] = []
    private var notes: [Segment] = []

    public init(parameters: NodeParameters) throws {
        gate = parameters.bool("gate")
        nameSpeakers = parameters.bool("name_speakers")
        rules.wordTolerance = parameters.double("word_tolerance")
        let overlap = parameters.double("word_overlap")
        rules.minimumWordOverlap = overlap > 0 ? overlap : nil
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
        var kept: [TranscriptSegment]
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
        var all = notes
        all += Self.notes(transcript: transcript, kept: kept, gated: gate && speech != nil, namedSpeakers: nameSpeakers)
        if !nameSpeakers { kept = kept.map(Self.unnamed) }
        try output.emit(.transcript(kept), port: "transcript")
        try output.emit(.segments(all), port: "notes")
    }

    /// What the text rules did, in sentences: how many words were attributed off-screen (when speakers are
    /// named), how many recognised words were dropped, and — when nothing is left — that no speech was found,
    /// so an empty transcript is never mistaken for a failure.
    static func notes(transcript: [TranscriptSegment], kept: [TranscriptSegment], gated: Bool, namedSpeakers: Bool) -> [Segment] {
        var all: [Segment] = []
        let words = kept.flatMap { $0.words ?? [] }
        if namedSpeakers, !kept.isEmpty {
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
        let heard = transcript.flatMap { $0.words ?? [] }
        let start = transcript.first?.start ?? .zero, end = transcript.last?.end ?? .zero
        if kept.isEmpty {
            var label = "no speech found: the transcript is empty"
            if !transcript.isEmpty {
                let count = heard.isEmpty ? transcript.count : heard.count
                let unit = heard.isEmpty ? "segment" : "word"
                label += " (dropped \(count) recognised \(unit)\(count == 1 ? "" : "s"), \(Self.quoted(transcript)), outside speech or rated no speech)"
            }
            all.append(Segment(start: start, end: end, label: label, score: 0))
        } else if gated, !heard.isEmpty, heard.count > words.count {
            let dropped = heard.count - words.count
            all.append(Segment(start: start, end: end, label: "\(dropped) of \(heard.count) recognised words lay outside speech "
                               + "or in segments rated no speech, and were dropped", score: 0))
        }
        return all
    }

    /// The recognised text, shortened, in quotes: what was dropped, so a reader can judge it.
    private static func quoted(_ transcript: [TranscriptSegment]) -> String {
        let text = transcript.map(\.text).joined().trimmingCharacters(in: .whitespacesAndNewlines)
        return "\"" + (text.count > 80 ? String(text.prefix(77)) + "..." : text) + "\""
    }

    /// The segment without speaker names (its words' too).
    private static func unnamed(_ segment: TranscriptSegment) -> TranscriptSegment {
        var segment = segment
        segment.speaker = nil
        segment.words = segment.words?.map { word in
            var word = word
            word.speaker = nil
            return word
        }
        return segment
    }
}
