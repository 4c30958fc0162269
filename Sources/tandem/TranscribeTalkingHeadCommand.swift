import ArgumentParser
import Foundation
import TandemCore
import TandemMedia
import TandemModels
import TandemVision

/// `tandem transcribe-talking-head VIDEO --model DIR`: Whisper told when and what to listen to by
/// the speaker's lips (gate, enhance, segment — each switchable), with the speaking face per segment.
///
/// Without a video stream or a readable face it falls back to audio-only recognition and says so
/// in `notes`.
struct TranscribeTalkingHeadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcribe-talking-head",
        abstract: "Lip-assisted transcription of a talking-head video (JSON on stdout or --output).")

    @Argument(help: "Video (or audio) file.") var input: String
    @Option(help: "CTranslate2 / faster-whisper Whisper model directory (`make models` installs Models/whisper-base and Models/whisper-tiny.en).")
    var model = "Models/whisper-base"
    @Option(help: "Language code, or auto: detected once on the first 30 s (multilingual models).") var language = WhisperDecodingOptions.autoLanguage
    @Flag(help: "Ignore the picture: plain Whisper.") var audioOnly = false
    @Flag(help: "Do not gate the transcript to visual speech.") var noGate = false
    @Flag(inversion: .prefixedNo, help: "Enhance the audio with a noise spectrum from visual silences (off by default).")
    var enhance = false
    @Flag(help: "Do not cut recognition windows in visual silences.") var noSegment = false
    @Option(help: "Enhance only when the SNR estimated from visual speech vs visual silence is below this (dB).")
    var enhanceBelowSnr: Double?
    @Option(help: "Enhance only when the noise in visual silences fluctuates less than this (dB).")
    var enhanceMaxFluctuation: Double?
    @Option(help: "When gating, drop text whose window Whisper rates at least this likely to hold no speech (and avg log-prob < -1); 1: off.")
    var gatedNoSpeechThreshold: Double?
    @Option(help: "Shorter side frames are scaled to for face analysis (0 = as decoded).") var analysisSide = 360
    @Option(help: "Beam size (1 = greedy).") var beamSize = 5
    @Flag(inversion: .prefixedNo, help: "Time every word (each segment gets `words` with start, end and probability).")
    var wordTimestamps = true
    @Option(help: "Write the JSON here instead of stdout.") var output: String?
    @Option(help: "Take the picture's findings from an earlier JSON output of this command (its 'vision') instead of analysing the video again; for comparing fusion switches.")
    var visionFrom: String?

    /// What the picture said: speaker-labelled visual speech (nil: no readable face), where a readable
    /// face was on screen, and the bad-input notes.
    struct Vision: Codable {
        var speech: [Segment]?
        var visible: [Segment]?
        var notes: [String]
    }

    struct Output: Encodable {
        var input: String
        var options: [String: Bool]
        var segments: [TranscriptSegment]
        var text: String
        var visualSegments: [Segment]
        var vision: Vision?
        var notes: [String]
        var seconds: [String: Double]
    }

    /// A missing model or a language it cannot give is a usage error (exit 2), found before the video is read.
    func validate() throws {
        let directory = URL(fileURLWithPath: model)
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("model.bin").path)
                || FileManager.default.fileExists(atPath: directory.appendingPathComponent("model.safetensors").path) else {
            throw ValidationError("no Whisper model in \(directory.path): run `make models` to install the embedded "
                                  + "Models/whisper-base and Models/whisper-tiny.en, or give --model DIR")
        }
        var options = WhisperDecodingOptions()
        options.language = language
        let problems = try WhisperLanguages(directory: directory).problems(with: options, model: directory.path)
        if !problems.isEmpty { throw ValidationError(problems.joined(separator: "; ")) }
    }

    func run() throws {
        let clock = ContinuousClock()
        var seconds: [String: Double] = [:]
        func elapsed(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

        var start = clock.now
        let audio = try AudioReader(path: input, options: AudioDecodeOptions(sampleRate: 16_000, channels: 1)).readAll()
        let samples = audio.channels.first?.array ?? []
        let duration = Double(samples.count) / 16_000
        seconds["audio"] = elapsed(clock.now - start)

        var vision: Vision?
        if !audioOnly, let visionFrom {
            struct Earlier: Decodable { var vision: Vision? }
            let earlier = try JSONDecoder().decode(Earlier.self, from: Data(contentsOf: URL(fileURLWithPath: visionFrom)))
            vision = earlier.vision ?? Vision(speech: nil, visible: nil, notes: ["\(visionFrom) holds no picture findings"])
        } else if !audioOnly {
            start = clock.now
            do {
                // Downscale big frames for the cascade scan; never upscale small ones.
                let resize: ResizeMode = analysisSide > 0 ? .shorterSideAtMost(analysisSide) : .none
                let reader = try FrameReader(path: input, options: VideoDecodeOptions(layout: .gray8, resize: resize))
                var analyzer = try VisualVoiceActivity.Analyzer()
                while let frame = try reader.next() {
                    analyzer.append(try GrayImage(frame), time: frame.seconds)
                }
                let report = analyzer.finish(duration: duration)
                vision = Vision(speech: report.hasReadableFace ? report.segments : nil,
                                visible: report.hasReadableFace ? report.visible : nil, notes: report.notes)
            } catch {
                vision = Vision(speech: nil, visible: nil, notes: ["video unusable (\(error))"])
            }
            seconds["vision"] = elapsed(clock.now - start)
        }
        var notes = vision?.notes ?? []
        let speech = vision?.speech, visible = vision?.visible

        start = clock.now
        let recognizer = try WhisperRecognizer(directory: URL(fileURLWithPath: model))
        var decoding = WhisperDecodingOptions()
        decoding.beamSize = beamSize
        decoding.bestOf = beamSize
        decoding.wordTimestamps = wordTimestamps
        decoding.language = language
        // Windows are decoded one by one: the language is detected once for the whole input, not per window.
        if recognizer.tokenizer.isMultilingual, language == WhisperDecodingOptions.autoLanguage {
            decoding.language = try recognizer.detectLanguage(samples).language
        }
        if audioOnly { notes.append("audio-only requested") }
        var options = audioOnly ? LipAssistOptions.audioOnly : LipAssistOptions(gate: !noGate, enhance: enhance, segment: !noSegment)
        if let enhanceBelowSnr { options.enhanceBelowSNR = enhanceBelowSnr }
        if let enhanceMaxFluctuation { options.enhanceMaxNoiseFluctuation = enhanceMaxFluctuation }
        if let gatedNoSpeechThreshold { options.gatedNoSpeechThreshold = gatedNoSpeechThreshold >= 1 ? nil : gatedNoSpeechThreshold }
        // Whisper's own "no speech" skip stays on inside gated windows: without it, windows of
        // noisy speech came back as invented text more often than as the words (Tools/eval).
        let transcriber = LipAssistedTranscriber(options: options) { [decoding] audio, previousText in
            var windowOptions = decoding
            if decoding.conditionOnPreviousText, let previousText {
                windowOptions.initialPrompt = previousText
                windowOptions.initialPromptTokens = nil
            }
            return try recognizer.transcribe(audio, options: windowOptions).map(\.transcriptSegment)
        }
        let result = try transcriber.transcribe(samples, speech: speech, visible: visible)
        seconds["recognition"] = elapsed(clock.now - start)
        notes += result.notes

        let out = Output(
            input: input, options: ["gate": options.gate, "enhance": options.enhance, "segment": options.segment],
            segments: result.segments, text: result.segments.map(\.text).joined().trimmingCharacters(in: .whitespaces),
            visualSegments: speech ?? [], vision: vision, notes: notes, seconds: seconds)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(out)
        if let output {
            try data.write(to: URL(fileURLWithPath: output))
        } else {
            print(String(decoding: data, as: UTF8.self))
        }
    }
}
