import Foundation
import TandemAV
import TandemCore
import TandemDSP
import TandemModels

/// `av-fusion`: the audio says whether someone speaks, the picture says who (`SpeechFusion`).
///
/// Takes the audio, optionally voice probabilities, and lip-activity's speaker-labelled lip stretches, and
/// emits `speech` (foreground speech labelled with the face whose lips move, or `off-screen`), `windows`
/// for `whisper` (cut where nobody speaks), `audio` (the input, or enhanced with the noise of stretches
/// silent in both picture and sound) and `notes`. Every bad input is a note, never a failure: no audio
/// stream (nothing to transcribe), a silent track, no video or no face (all speech off-screen).
///
/// With `voice` unconnected it runs Silero VAD (`vad_model`) on the audio itself, so the pipeline
/// needs no separate `vad` node; an empty `vad_model` leaves the level above the floor alone.
///
/// **Streaming (the default: `listen: everything`, no `enhance`, `voice` unconnected).** Memory does not
/// depend on the recording's length: each audio packet is passed on to `audio` at once, and only compact
/// per-frame records are kept (the level and the voice probability of every 32 ms, 12 bytes; 1.3 MB an
/// hour). Silero VAD runs as the audio arrives (`SileroVADStream`), and the recognition windows are cut
/// as it goes (`SpeechFusion.WindowCutter`: a window closes at a pause once it nears `window_seconds`,
/// judged against a running noise floor), each sent as soon as it is certain, so `whisper` decodes one
/// window while the next arrives and the picture is still being read on the other core. Lip activity
/// scores each face against the whole clip's motion and so arrives at the end of the video: the speech
/// map that names speakers and gates the text is made then, from the kept records (`SpeechFusion
/// .map(levels:…)`), and equals the whole-recording map. The windows equal the whole-recording fusion's
/// on audio-only input once the running floor has converged (always for a recording within one window);
/// with a picture they can differ only where moving lips lift unsure audio inside what the sound alone
/// calls a pause.
///
/// **Whole recording** (`enhance`, `listen: speech`, or a connected `voice` input): the audio is kept
/// until the end (64 KB a second), the map made from it, and `audio` and `windows` sent then — except
/// that without `enhance` the audio is sent as soon as it ends, and with `listen: everything` so is a
/// recording that fits one window.
public struct AVFusionNode: ValidatingNode {
    public static let descriptor = NodeDescriptor(
        kind: "av-fusion", doc: "Audio VAD × level over the noise floor × lip activity → speaker-labelled foreground speech and recognition windows.",
        inputs: [PortSpec("audio", .audio, "mono speech audio", optional: true),
                 PortSpec("voice", .any, "voice probabilities: vad.probabilities (tensor [n], one per hop samples), or segments with score = probability; "
                          + "absent: the level above the noise floor stands in", optional: true),
                 PortSpec("lips", .segments, "lip-activity's speech stretches labelled face<id>; absent: no readable face, everyone off-screen", optional: true),
                 PortSpec("visible", .segments, "lip-activity's stretches with a readable face on screen", optional: true),
                 PortSpec("openings", .segments, "lip-activity's mouth openings per face and frame; given, a face's lips name a speaker only "
                          + "where its mouth opens and closes like speech, the better-synchronised face where two do; absent: wherever its lip stretches lie",
                          optional: true),
                 PortSpec("notes", .segments, "notes to pass on (lip-activity's)", optional: true)],
        outputs: [PortSpec("audio", .audio, "the audio to recognise: the input, enhanced when asked"),
                  PortSpec("windows", .segments, "regions to decode one by one (whisper's segments input); none when nobody speaks; with skip_voiceless, "
                           + "an empty one where a voiceless stretch was left out (no later window starts before it)"),
                  PortSpec("speech", .segments, "foreground speech labelled face<id> or off-screen, score = mean voice probability (assign-speakers' map)"),
                  PortSpec("voiced", .segments, "where the voice detector alone says speech, whatever the level (label voice, score = mean probability): "
                           + "assign-speakers keeps text there only where Whisper is sure of it"),
                  PortSpec("speakers", .segments, "the lip stretches that name speakers (label face<id>): with openings, only where the mouth "
                           + "opens and closes like speech, scored by its synchrony with the sound (assign-speakers' lips)"),
                  PortSpec("notes", .segments, "every note: the picture's and the fusion's")],
        parameters: [
            ParameterSpec("use_picture", .bool, default: .bool(true), "let the lips name speakers and lift unsure audio; false: audio only, everyone off-screen"),
            ParameterSpec("speech_threshold", .double(0...1), default: .double(Double(SpeechFusion.Configuration().speechThreshold)),
                          "voice probability at which the audio alone makes speech"),
            ParameterSpec("level_above_floor", .double(-20...40), default: .double(SpeechFusion.Configuration().levelAboveFloor),
                          "dB the smoothed level must stand above the noise floor (measured where picture and sound are silent)"),
            ParameterSpec("spread_factor", .double(0...10), default: .double(SpeechFusion.Configuration().spreadFactor),
                          "foreground speech must also stand this many times the background's own level spread above the floor"),
            ParameterSpec("lift", .bool, default: .bool(SpeechFusion.Configuration().lift), "let clearly moving lips lift unsure audio to speech"),
            ParameterSpec("lift_threshold", .double(0...1), default: .double(Double(SpeechFusion.Configuration().liftThreshold)),
                          "lowest voice probability the lips can lift"),
            ParameterSpec("padding", .double(0...2), default: .double(SpeechFusion.Configuration().padding), "seconds added around speech"),
            ParameterSpec("listen", .choice(SpeechFusion.Listening.allCases.map(\.rawValue)), default: .string(SpeechFusion.Listening.everything.rawValue),
                          "speech: decode only speech regions (cut where nobody speaks); everything: the whole audio, cut at pauses"),
            ParameterSpec("window_seconds", .double(1...30), default: .double(30), "longest recognition window"),
            ParameterSpec("skip_voiceless", .bool, default: .bool(false),
                          "with listen: everything, leave out of the windows stretches of at least 10 s where no voice could hold text "
                          + "assign-speakers' gate keeps (voice probability under the lift's, 1 s from any voice); only with its gate on"),
            ParameterSpec("voice_hop", .int(1...16_000), default: .int(512), "samples per voice probability when they arrive as a tensor"),
            ParameterSpec("vad_model", .string, default: .string("Models/silero-vad"),
                          "Silero VAD directory, run when `voice` is unconnected (16 kHz audio); empty: the level above the floor alone"),
            ParameterSpec("enhance", .bool, default: .bool(false), "clean speech with a noise spectrum from stretches silent in both picture and sound"),
            ParameterSpec("rule", .choice(["mmse-lsa", "wiener"]), default: .string("mmse-lsa"), "the enhancer's suppression rule"),
            ParameterSpec("enhance_below_snr", .double(-100...100), default: .double(SpeechFusion.Enhancement().belowSNR ?? 100),
                          "enhance only when the estimated SNR is below this (dB); 100: always"),
            ParameterSpec("enhance_max_fluctuation", .double(0...100), default: .double(SpeechFusion.Enhancement().maximumFluctuation ?? 100),
                          "enhance only when the noise fluctuates less than this (dB); 100: always"),
        ],
        inputOrder: .arrival)

    public static func problems(in parameters: NodeParameters) -> [NodeParameterProblem] {
        let path = parameters.string("vad_model")
        guard !path.isEmpty else { return [] }
        let file = ModelDirectory.resolve(path).appendingPathComponent(SileroVAD.fileName)
        guard FileManager.default.fileExists(atPath: file.path) else {
            return [NodeParameterProblem(parameter: "vad_model", message: "\(file.path) is missing: run `make models` (Silero VAD, MIT, "
                                         + "from the faster-whisper 1.2.1 wheel), or set vad_model to \"\" to judge speech by its level alone")]
        }
        return []
    }

    private var fusion: SpeechFusion
    private let vadDirectory: URL?
    private var vad: SileroVAD?
    private let usePicture: Bool
    private let listening: SpeechFusion.Listening
    private let windowSeconds: Double
    private let skipVoiceless: Bool
    private let voiceHop: Int
    private let enhance: Bool
    private var enhancement = SpeechFusion.Enhancement()
    private var chunks: [AudioBuffer] = []
    /// The whole audio, joined when its input ended (nil: not ended yet, or no audio came).
    private var audio: AudioBuffer?
    /// Silero VAD's probabilities, computed when the audio ended.
    private var vadProbabilities: [Float]?
    /// Whether `audio` and `windows` were sent when the audio ended.
    private var sentAudio = false, sentWindows = false
    private var voice: [Float] = []
    private var voiceSegments: [Segment] = []
    private var voiceConnected = false
    private var lips: [Segment]?
    private var visible: [Segment]?
    private var openings: [Segment]?
    private var notes: [Segment] = []
    /// The streaming path's state (nil: the whole recording is kept).
    private var streaming: Streaming?

    /// What the streaming path keeps: per-frame records, never samples.
    struct Streaming {
        var meter: SpeechFusion.LevelMeter?
        var vad: SileroVADStream?
        var cutter: SpeechFusion.WindowCutter?
        /// With `skip_voiceless` and a voice detector: where recognition need not read.
        var voiceless: SpeechFusion.VoicelessStretches?
        /// Windows cut but not yet known to hold voice or not.
        var pending: [Segment] = []
        /// Every frame's voice probability so far (for the map at the end).
        var probabilities: [Float] = []
        /// Frames given to the cutter.
        var fed = 0
        var first: AudioBuffer?
        var ended = false
    }

    public init(parameters: NodeParameters) throws {
        var configuration = SpeechFusion.Configuration()
        configuration.speechThreshold = Float(parameters.double("speech_threshold"))
        configuration.levelAboveFloor = parameters.double("level_above_floor")
        configuration.lift = parameters.bool("lift")
        configuration.spreadFactor = parameters.double("spread_factor")
        configuration.liftThreshold = Float(parameters.double("lift_threshold"))
        configuration.padding = parameters.double("padding")
        fusion = SpeechFusion(configuration: configuration)
        usePicture = parameters.bool("use_picture")
        listening = SpeechFusion.Listening(rawValue: parameters.string("listen")) ?? .speech
        windowSeconds = parameters.double("window_seconds")
        skipVoiceless = parameters.bool("skip_voiceless") && listening == .everything
        voiceHop = parameters.int("voice_hop")
        if let problem = Self.problems(in: parameters).first {
            throw NodeError(code: .invalidParameters, message: problem.message)
        }
        let vadPath = parameters.string("vad_model")
        vadDirectory = vadPath.isEmpty ? nil : ModelDirectory.resolve(vadPath)
        enhance = parameters.bool("enhance")
        enhancement.rule = parameters.string("rule") == "wiener" ? .wiener : .mmseLSA
        let limit = parameters.double("enhance_below_snr")
        enhancement.belowSNR = limit >= 100 ? nil : limit
        let fluctuation = parameters.double("enhance_max_fluctuation")
        enhancement.maximumFluctuation = fluctuation >= 100 ? nil : fluctuation
    }

    public mutating func start(_ context: NodeContext) throws {
        voiceConnected = context.connectedInputs.contains("voice")
        if !voiceConnected, let vadDirectory {
            vad = try ModelCache.shared.model("silero-vad:" + vadDirectory.standardizedFileURL.path) { try SileroVAD(directory: vadDirectory) }
        }
        if !enhance, !voiceConnected, listening == .everything { streaming = Streaming() }
    }

    /// Streaming: passes the chunk on, measures it, runs the voice detector and sends the windows that became certain.
    private mutating func stream(_ chunk: AudioBuffer, output: NodeOutput) throws {
        guard chunk.channelCount == 1 else {
            throw NodeError(code: .nodeFailed, message: "av-fusion needs mono audio, got \(chunk.channelCount) channels; decode with channels: 1")
        }
        if streaming!.first == nil {
            let hasVoice = vad != nil && chunk.sampleRate == SileroVAD.sampleRate
            let hop = hasVoice ? SileroVAD.chunkSize : SpeechFusion.hop(voice: nil, sampleRate: chunk.sampleRate)
            streaming!.first = chunk
            streaming!.meter = SpeechFusion.LevelMeter(hop: hop)
            streaming!.vad = hasVoice ? SileroVADStream(model: vad!) : nil
            streaming!.cutter = SpeechFusion.WindowCutter(configuration: fusion.configuration, hop: hop, sampleRate: chunk.sampleRate,
                                                         limit: windowSeconds, maximumWait: windowSeconds, hasVoice: hasVoice)
            if skipVoiceless && hasVoice { streaming!.voiceless = voicelessStretches(hop: hop, sampleRate: chunk.sampleRate) }
        } else if let first = streaming!.first, chunk.sampleRate != first.sampleRate {
            throw NodeError(code: .nodeFailed, message: "av-fusion: the audio's sample rate changed from \(first.sampleRate) to \(chunk.sampleRate) Hz")
        }
        try output.emit(.audio(chunk), port: "audio")
        let samples = chunk.channels[0].array
        streaming!.meter!.append(samples)
        if streaming!.vad != nil {
            let probabilities = streaming!.vad!.process(samples)
            streaming!.probabilities += probabilities
            streaming!.voiceless?.append(probabilities)
        }
        try feedCutter(output: output)
    }

    /// Gives the cutter the frames whose level and voice probability are both known, and sends the windows it cuts.
    private mutating func feedCutter(output: NodeOutput) throws {
        let power = streaming!.meter!.power
        let hasVoice = streaming!.vad != nil
        let ready = hasVoice ? min(power.count, streaming!.probabilities.count) : power.count
        guard ready > streaming!.fed else { return }
        let range = streaming!.fed..<ready
        let windows = streaming!.cutter!.append(power: power[range], probabilities: hasVoice ? streaming!.probabilities[range] : [])
        streaming!.fed = ready
        try sendWindows(settledWindows(adding: windows), output: output)
    }

    /// The pieces of the cut windows whose voice is known (all of them without `skip_voiceless`). A window whose end
    /// was left out is followed by an empty one at its end, which tells `whisper` that no later window starts before
    /// it, so it need not hold the audio of a long voiceless stretch.
    private mutating func settledWindows(adding windows: [Segment]) -> [Segment] {
        guard streaming!.voiceless != nil else { return windows }
        streaming!.pending += windows
        var pieces: [Segment] = []
        while let window = streaming!.pending.first, window.end <= streaming!.voiceless!.settled {
            let kept = streaming!.voiceless!.pieces(of: window)
            pieces += kept
            if kept.last?.end != window.end { pieces.append(Segment(start: window.end, end: window.end, label: window.label)) }
            streaming!.pending.removeFirst()
        }
        return pieces
    }

    /// A tracker of the stretches recognition can skip: below the lowest probability any kept text can have
    /// (the lips' lift's when they may lift; the lips are not known before the windows are sent).
    private func voicelessStretches(hop: Int, sampleRate: Int) -> SpeechFusion.VoicelessStretches {
        SpeechFusion.VoicelessStretches(configuration: fusion.configuration, hop: hop, sampleRate: sampleRate,
                                        voiceFloor: fusion.configuration.lowestKeptProbability(lifting: usePicture))
    }

    /// `windows` (seconds from the audio's start) without the voiceless stretches of a whole recording's voice
    /// track, and the seconds left out.
    private func withoutVoiceless(_ windows: [Segment], voice: VoiceTrack?, sampleRate: Int, sampleCount: Int) -> (windows: [Segment], skipped: Double) {
        guard skipVoiceless, let voice else { return (windows, 0) }
        var voiceless = voicelessStretches(hop: voice.hop, sampleRate: sampleRate)
        voiceless.append(voice.probabilities)
        voiceless.finish(sampleCount: sampleCount)
        return (windows.flatMap { voiceless.pieces(of: $0) }, voiceless.skippedSeconds)
    }

    /// What the notes say of the stretches recognition left out.
    private func voicelessNote(_ seconds: Double, of duration: Double) -> String? {
        guard seconds > 0 else { return nil }
        return String(format: "%.1f s of %.1f s without a voice (probability under %.2f, at least %.0f s from any) not sent to recognition",
                      seconds, duration, fusion.configuration.lowestKeptProbability(lifting: usePicture), fusion.configuration.voicelessMargin)
    }

    private func sendWindows(_ windows: [Segment], output: NodeOutput) throws {
        guard !windows.isEmpty, let origin = streaming?.first?.startSeconds else { return }
        try output.emit(.segments(windows.map { Segment(start: $0.start + origin, end: $0.end + origin, label: $0.label, score: $0.score) }),
                        port: "windows")
    }

    /// Streaming: the audio ended; the last frames are judged and the last windows sent.
    private mutating func endStream(output: NodeOutput) throws {
        streaming!.ended = true
        if streaming!.first != nil {
            if streaming!.vad != nil {
                let probabilities = streaming!.vad!.finish()
                streaming!.probabilities += probabilities
                streaming!.voiceless?.append(probabilities)
            }
            try feedCutter(output: output)
            let meter = streaming!.meter!
            let lastProbability = streaming!.vad != nil && meter.power.count < streaming!.probabilities.count
                ? streaming!.probabilities[meter.power.count] : 0
            let windows = streaming!.cutter!.finish(lastPower: meter.partial, lastProbability: lastProbability, sampleCount: meter.sampleCount)
            streaming!.voiceless?.finish(sampleCount: meter.sampleCount)
            try sendWindows(settledWindows(adding: windows), output: output)
        }
        try output.end(port: "audio")
        try output.end(port: "windows")
        sentAudio = true
        sentWindows = true
    }

    /// Streaming: the map from the kept records, once the picture has spoken.
    private mutating func finishStream(output: NodeOutput) throws {
        if !streaming!.ended { try endStream(output: output) }
        var allNotes = notes
        guard let first = streaming!.first, let meter = streaming!.meter else {
            let span = notes.first.map { ($0.start, $0.end) } ?? (0, 0)
            allNotes.append(Segment(start: span.0, end: span.1, label: "no audio stream: nothing to transcribe", score: 0))
            try output.emit(.segments(allNotes), port: "notes")
            try output.emit(.segments([]), port: "speech")
            try output.emit(.segments([]), port: "voiced")
            try output.emit(.segments([]), port: "speakers")
            return
        }
        let origin = first.startSeconds, rate = first.sampleRate
        let levels = meter.finished()
        let track = streaming!.vad != nil ? VoiceTrack(probabilities: streaming!.probabilities, hop: SileroVAD.chunkSize) : nil
        let map = fusion.map(levels: levels, sampleRate: rate, voice: track,
                             lips: usePicture ? lips.map { Self.shifted($0, by: -origin) } : nil,
                             visible: usePicture ? visible.map { Self.shifted($0, by: -origin) } : nil,
                             openings: usePicture ? openings.map { Self.tracks($0, origin: origin) } : nil)
        var fusionNotes = map.notes
        if !usePicture { fusionNotes.append("picture not used (use_picture: false): all speech is attributed off-screen") }
        if let skipped = streaming!.voiceless.flatMap({ voicelessNote($0.skippedSeconds, of: Double(levels.sampleCount) / Double(rate)) }) {
            fusionNotes.append(skipped)
        }
        let end = origin + Double(levels.sampleCount) / Double(rate)
        allNotes += fusionNotes.map { Segment(start: origin, end: end, label: $0, score: 0) }
        try output.emit(.segments(allNotes), port: "notes")
        try output.emit(.segments(Self.shifted(map.speech, by: origin)), port: "speech")
        try output.emit(.segments(Self.shifted(map.voiced, by: origin)), port: "voiced")
        try output.emit(.segments(Self.shifted(map.speakers, by: origin)), port: "speakers")
    }

    /// Lip-activity's per-frame opening segments as one track per face, times relative to `origin`.
    static func tracks(_ openings: [Segment], origin: Double) -> [String: LipSync.Track] {
        var byFace: [String: [(time: Double, opening: Double)]] = [:]
        for s in openings { byFace[s.label, default: []].append((s.start - origin, s.score)) }
        return byFace.mapValues { frames in
            let sorted = frames.sorted { $0.time < $1.time }
            return LipSync.Track(times: sorted.map(\.time), opening: sorted.map(\.opening))
        }
    }

    private static func shifted(_ list: [Segment], by delta: Double) -> [Segment] {
        list.map { Segment(start: $0.start + delta, end: $0.end + delta, label: $0.label, score: $0.score) }
    }

    public mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        switch (port.name, packet) {
        case ("audio", .audio(let chunk)) where streaming != nil: try stream(chunk, output: output)
        case ("audio", .audio(let chunk)): chunks.append(chunk)
        case ("voice", .tensor(let t)): voice += t.data.array
        case ("voice", .segments(let s)): voiceSegments += s
        case ("lips", .segments(let s)): lips = (lips ?? []) + s
        case ("visible", .segments(let s)): visible = (visible ?? []) + s
        case ("openings", .segments(let s)): openings = (openings ?? []) + s
        case ("notes", .segments(let s)): notes += s
        default: break
        }
    }

    public mutating func inputEnded(_ port: InputPort, output: NodeOutput) throws {
        if port.name == "audio", streaming != nil { return try endStream(output: output) }
        guard port.name == "audio", let audio = try AudioBuffer(joining: chunks) else { return }
        chunks = []
        self.audio = audio
        guard audio.channelCount == 1 else { return }      // finish reports it
        if let vad, !voiceConnected, audio.sampleRate == SileroVAD.sampleRate {
            vadProbabilities = vad.speechProbabilities(audio.channels[0].array)
        }
        guard !enhance else { return }
        try output.emit(.audio(audio), port: "audio")
        try output.end(port: "audio")
        sentAudio = true
        // With skip_voiceless, the voice must be known: the node's own detector's, not a connected one still arriving.
        if listening == .everything, audio.durationSeconds > 0, audio.durationSeconds <= windowSeconds, !(skipVoiceless && voiceConnected) {
            // The one window `SpeechFusion.windows` gives such a recording, whatever the map.
            let whole = SpeechFusion.windows(for: SpeechMap(speech: [], quiet: [], noiseFloor: nil, notes: []),
                                             duration: audio.durationSeconds, listening: .everything, limit: windowSeconds)
            let windows = withoutVoiceless(whole, voice: vadProbabilities.map { VoiceTrack(probabilities: $0, hop: SileroVAD.chunkSize) },
                                           sampleRate: audio.sampleRate, sampleCount: audio.frameCount).windows
            try output.emit(.segments(windows.map { Segment(start: $0.start + audio.startSeconds, end: $0.end + audio.startSeconds,
                                                            label: $0.label, score: $0.score) }), port: "windows")
            try output.end(port: "windows")
            sentWindows = true
        }
    }

    public mutating func finish(output: NodeOutput) throws {
        if streaming != nil { return try finishStream(output: output) }
        var allNotes = notes
        guard let audio = try self.audio ?? AudioBuffer(joining: chunks) else {
            let span = notes.first.map { ($0.start, $0.end) } ?? (0, 0)
            allNotes.append(Segment(start: span.0, end: span.1, label: "no audio stream: nothing to transcribe", score: 0))
            try output.emit(.segments(allNotes), port: "notes")
            try output.emit(.segments([]), port: "windows")
            try output.emit(.segments([]), port: "speech")
            try output.emit(.segments([]), port: "voiced")
            try output.emit(.segments([]), port: "speakers")
            return
        }
        chunks = []
        guard audio.channelCount == 1 else {
            throw NodeError(code: .nodeFailed, message: "av-fusion needs mono audio, got \(audio.channelCount) channels; decode with channels: 1")
        }
        let origin = audio.startSeconds, rate = audio.sampleRate
        func shifted(_ list: [Segment], by delta: Double) -> [Segment] {
            list.map { Segment(start: $0.start + delta, end: $0.end + delta, label: $0.label, score: $0.score) }
        }
        let samples = audio.channels[0].array
        let track: VoiceTrack?
        if !voice.isEmpty {
            track = VoiceTrack(probabilities: voice, hop: voiceHop)
        } else if !voiceSegments.isEmpty {
            // Segments with a probability each: rasterised on the hop grid.
            let count = (samples.count + voiceHop - 1) / voiceHop
            var values = [Float](repeating: 0, count: count)
            for s in voiceSegments {
                let a = max(0, Int(((s.start - origin) * Double(rate) / Double(voiceHop)).rounded()))
                let b = min(count, Int(((s.end - origin) * Double(rate) / Double(voiceHop)).rounded()))
                if b > a { for i in a..<b { values[i] = Float(s.score) } }
            }
            track = VoiceTrack(probabilities: values, hop: voiceHop)
        } else if let vad, rate == SileroVAD.sampleRate {
            track = VoiceTrack(probabilities: vadProbabilities ?? vad.speechProbabilities(samples), hop: SileroVAD.chunkSize)
        } else {
            track = nil
            if voiceConnected { allNotes.append(Segment(start: origin, end: origin + audio.durationSeconds, label: "the voice detector gave nothing", score: 0)) }
        }
        let lipsRelative = usePicture ? lips.map { shifted($0, by: -origin) } : nil
        let visibleRelative = usePicture ? visible.map { shifted($0, by: -origin) } : nil
        let map = fusion.map(samples, sampleRate: rate, voice: track, lips: lipsRelative, visible: visibleRelative,
                             openings: usePicture ? openings.map { Self.tracks($0, origin: origin) } : nil)
        var heard = samples
        var fusionNotes = map.notes
        if !usePicture { fusionNotes.append("picture not used (use_picture: false): all speech is attributed off-screen") }
        if enhance {
            let result = try SpeechFusion.enhance(samples, sampleRate: rate, map: map, enhancement: enhancement)
            heard = result.audio
            fusionNotes.append(result.note)
        }
        let (windows, skipped) = withoutVoiceless(SpeechFusion.windows(for: map, duration: audio.durationSeconds, listening: listening, limit: windowSeconds),
                                                  voice: track, sampleRate: rate, sampleCount: samples.count)
        if let note = voicelessNote(skipped, of: audio.durationSeconds) { fusionNotes.append(note) }
        let end = origin + audio.durationSeconds
        allNotes += fusionNotes.map { Segment(start: origin, end: end, label: $0, score: 0) }
        try output.emit(.segments(allNotes), port: "notes")
        if !sentWindows { try output.emit(.segments(shifted(windows, by: origin)), port: "windows") }
        try output.emit(.segments(shifted(map.speech, by: origin)), port: "speech")
        try output.emit(.segments(shifted(map.voiced, by: origin)), port: "voiced")
        try output.emit(.segments(shifted(map.speakers, by: origin)), port: "speakers")
        if !sentAudio {
            try output.emit(.audio(AudioBuffer(sampleRate: rate, channelLayout: audio.channelLayout, firstSample: audio.firstSample,
                                               channels: [SharedArray(heard)])), port: "audio")
        }
    }
}
