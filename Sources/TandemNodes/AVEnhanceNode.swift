import TandemCore
import TandemDSP
import TandemModels

/// `av-enhance`: the lip-assisted front end of recognition (`LipAssistedTranscriber.prepare`):
/// enhance (off by default) — the noise spectrum is taken from stretches where the lips say nobody
/// speaks and speech is cleaned with an MMSE-LSA (or Wiener) gain; gate — nothing is decoded when
/// the lips never speak, and `speech` tells `assign-speakers` which text to keep; segment — the
/// recogniser's windows are cut in visual silences. Each switch is a parameter.
///
/// Emits at the end of the stream: `audio` (what the recogniser should hear: the whole input,
/// possibly enhanced), `windows` (the regions to decode, for `whisper`'s segments input), `speech`
/// (visual speech plus stretches without a readable face) and `notes`. Without a `speech` packet
/// (no video, no readable face), or when the lips cover almost none of the audio's plain speech, it
/// falls back to audio-only recognition: the input unchanged, one window over everything, no
/// `speech`, and a note saying so. Notes arriving on `notes` (from `lip-activity`) are passed on.
public struct AVEnhanceNode: ConfigurableNode {
    public static let descriptor = NodeDescriptor(
        kind: "av-enhance", doc: "Lip-assisted enhancement, gating and windowing of speech audio (audio-only fallback without a face).",
        inputs: [PortSpec("audio", .audio, "16 kHz mono speech audio"),
                 PortSpec("speech", .segments, "lip-activity's speaker-labelled speech; absent: audio-only fallback", optional: true),
                 PortSpec("notes", .segments, "notes to pass on (lip-activity's)", optional: true),
                 PortSpec("visible", .segments, "lip-activity's stretches with a readable face; absent: the face is taken as always visible", optional: true)],
        outputs: [PortSpec("audio", .audio, "the audio to recognise: the input, enhanced when asked; silent when gating and nobody speaks"),
                  PortSpec("windows", .segments, "regions to decode one by one (whisper's segments input)"),
                  PortSpec("notes", .segments, "every note: the picture's and the fusion's (fallbacks)"),
                  PortSpec("speech", .segments, "the speech the plan used (visual speech + 'unseen' stretches), for assign-speakers; absent after an audio-only fallback")],
        parameters: [
            ParameterSpec("gate", .bool, default: .bool(true), "keep only text where the on-screen speaker speaks; decode nothing when nobody does"),
            ParameterSpec("enhance", .bool, default: .bool(LipAssistOptions().enhance), "clean speech with a noise spectrum from visual silences"),
            ParameterSpec("segment", .bool, default: .bool(true), "cut recognition windows (at most window_seconds) in visual silences"),
            ParameterSpec("rule", .choice(["mmse-lsa", "wiener"]), default: .string("mmse-lsa"), "the enhancer's suppression rule"),
            ParameterSpec("noise_margin", .double(0...2), default: .double(LipAssistOptions().noiseMargin),
                          "seconds trimmed from each end of a visual silence before it serves as noise"),
            ParameterSpec("window_seconds", .double(1...30), default: .double(LipAssistOptions().windowSeconds), "longest recognition window"),
            ParameterSpec("enhance_below_snr", .double(-100...100), default: .double(LipAssistOptions().enhanceBelowSNR ?? 100),
                          "enhance only when the SNR estimated from visual speech vs visual silence is below this (dB); 100: always"),
            ParameterSpec("enhance_max_fluctuation", .double(0...100), default: .double(LipAssistOptions().enhanceMaxNoiseFluctuation ?? 100),
                          "enhance only when the noise level in visual silences fluctuates less than this (dB, median band std); 100: always"),
        ])

    private var options: LipAssistOptions
    private var chunks: [AudioBuffer] = []
    private var speech: [Segment]?
    private var notes: [Segment] = []
    private var visible: [Segment]?

    public init(parameters: NodeParameters) throws {
        options = LipAssistOptions(gate: parameters.bool("gate"), enhance: parameters.bool("enhance"), segment: parameters.bool("segment"))
        options.enhancementRule = parameters.string("rule") == "wiener" ? .wiener : .mmseLSA
        options.noiseMargin = parameters.double("noise_margin")
        options.windowSeconds = parameters.double("window_seconds")
        let limit = parameters.double("enhance_below_snr")
        options.enhanceBelowSNR = limit >= 100 ? nil : limit
        let fluctuation = parameters.double("enhance_max_fluctuation")
        options.enhanceMaxNoiseFluctuation = fluctuation >= 100 ? nil : fluctuation
    }

    public mutating func receive(_ packet: Packet, on port: Int, output: NodeOutput) throws {
        switch (port, packet) {
        case (0, .audio(let chunk)): chunks.append(chunk)
        case (1, .segments(let segments)): speech = (speech ?? []) + segments
        case (2, .segments(let segments)): notes += segments
        case (3, .segments(let segments)): visible = (visible ?? []) + segments
        default: break
        }
    }

    public mutating func finish(output: NodeOutput) throws {
        guard let audio = try AudioBuffer(joining: chunks) else {
            throw NodeError(code: .nodeFailed, message: "av-enhance: the input has no audio, nothing to transcribe (video-only file?)")
        }
        chunks = []
        guard audio.channelCount == 1 else {
            throw NodeError(code: .nodeFailed, message: "av-enhance needs mono audio, got \(audio.channelCount) channels; decode with channels: 1")
        }
        let origin = audio.startSeconds
        // The fusion works on times from the audio's first sample.
        func shifted(_ list: [Segment]?, by delta: Double) -> [Segment]? {
            list?.map { Segment(start: $0.start + delta, end: $0.end + delta, label: $0.label, score: $0.score) }
        }
        let prepared = try LipAssistedTranscriber(sampleRate: audio.sampleRate, options: options) { _ in [] }
            .prepare(audio.channels[0].array, speech: shifted(speech, by: -origin), visible: shifted(visible, by: -origin))
        let heard = prepared.options.gate ? prepared.plan.keptAudio(prepared.audio, sampleRate: audio.sampleRate) : prepared.audio
        let end = origin + audio.durationSeconds
        var allNotes = notes
        allNotes += prepared.notes.map { Segment(start: origin, end: end, label: $0, score: 0) }
        let switches = "lip assistance: gate \(prepared.options.gate), enhance \(prepared.options.enhance), segment \(prepared.options.segment)"
        allNotes.append(Segment(start: origin, end: end, label: switches, score: 0))
        try output.emit(.segments(allNotes), port: "notes")
        try output.emit(.segments(prepared.plan.windowSegments.map {
            Segment(start: $0.start + origin, end: $0.end + origin, label: $0.label, score: $0.score)
        }), port: "windows")
        if prepared.usesPicture {
            try output.emit(.segments(shifted(prepared.speech, by: origin) ?? []), port: "speech")
        }
        try output.emit(.audio(AudioBuffer(sampleRate: audio.sampleRate, channelLayout: audio.channelLayout, firstSample: audio.firstSample,
                                           channels: [SharedArray(heard)])), port: "audio")
    }
}
