import Foundation
import TandemCore
import TandemDSP
import TandemModels
import TandemNN

/// `whisper`: 16 kHz mono audio → transcript, with a Whisper model in CTranslate2 / faster-whisper
/// format (`WhisperRecognizer`), decoding as faster-whisper does (beam search, temperature fallback,
/// previous text as prompt).
///
/// Whisper reads 30 s windows and moves its window by what it decoded. On its own the node decodes each
/// window as soon as its audio and `lookahead_seconds` more have arrived (`WhisperRecognizer.Stream`), and
/// emits that window's segments at once: it keeps log-mel frames of the next window and the look-ahead
/// (32 KB a second), never the input's samples, so memory does not grow with the input's length. The
/// look-ahead lets Whisper's loudness floor (8 decades below the loudest frame) see the loud parts ahead;
/// inputs up to 30 s plus the look-ahead give exactly the whole-input transcript. When the optional
/// `segments` input is connected (speech regions or recognition windows from a voice-, lip-activity or
/// `av-fusion` node), only those regions are decoded — none when the producer sends none — each on its
/// own (touching or overlapping regions are one region; where two only touch, with `cut_windows`, a window's
/// text stops at that pause and the next window starts there, each still reading 30 s of real audio), with the prompt and the language carried from
/// region to region (`WhisperRecognizer.RegionSession`). Regions are decoded as their audio arrives, each
/// through its own `WhisperRecognizer.Stream`, and the audio is released behind them, so memory does not
/// grow with the input either: the node holds the audio not yet known to be in a region or not yet pushed
/// (how far the producer's regions lag the audio), and the first region's first 30 s until the language is
/// known. Regions must arrive in time order (by start), as every Tandem producer sends them; a region
/// that reaches back into one already decoded is decoded from where that one ended. With `stitch` the
/// regions are decoded all together without the audio between them
/// (`WhisperRecognizer.transcribe(_:stitching:)`), and the node holds the samples until the end of the
/// stream (230 MB per hour). With `vad_filter`, as in faster-whisper,
/// Silero VAD finds the speech, the silence between spans is cut out, the rest is transcribed as one
/// recording and the times are mapped back — as the audio arrives (`VADFilterDecoder`: each span is
/// pushed into one stream once decided, the audio released behind it), with the transcript of
/// `WhisperRecognizer.transcribe(_:vadFilter:)` whenever the speech is at most 30 s plus the look-ahead; it
/// cannot be combined with a connected `segments` input. Resampling is `decode`'s job (`sample_rate: 16000, channels: 1`).
public struct WhisperNode: ValidatingNode {
    public static let descriptor = NodeDescriptor(
        kind: "whisper", doc: "Whisper speech recognition (CTranslate2 model directory) of 16 kHz mono audio.",
        inputs: [PortSpec("audio", .audio, "16 kHz mono audio (decode with sample_rate: 16000, channels: 1)"),
                 PortSpec("segments", .segments, "speech regions to transcribe, in time order (an empty one decodes nothing: no later one starts before it); "
                          + "unconnected: the whole input", optional: true)],
        outputs: [PortSpec("transcript", .transcript, "the input's transcript segments, on the file's clock")],
        parameters: [
            ParameterSpec("model", .string, default: .string("Models/whisper-base"),
                          "model directory (model.bin, config.json, tokenizer.json); relative: to the current directory, then the package root"),
            ParameterSpec("beam_size", .int(1...32), default: .int(5), "beam width at temperature 0 (1: greedy)"),
            ParameterSpec("best_of", .int(1...32), default: .int(5), "samples drawn at temperatures above 0"),
            ParameterSpec("temperatures", .string, default: .string("0,0.2,0.4,0.6,0.8,1"),
                          "temperature fallback: comma-separated, tried in order while a window's text is too repetitive or improbable"),
            ParameterSpec("condition_on_previous_text", .bool, default: .bool(true), "prompt each window with the text before it"),
            ParameterSpec("initial_prompt", .string, default: .string(""), "text given as the previous text of the first window"),
            ParameterSpec("language", .string, default: .string(WhisperDecodingOptions.autoLanguage),
                          "language code (de, fr, …), or auto: detected on the first 30 s (English-only models: auto or en)"),
            ParameterSpec("language_from_first_window", .bool, default: .bool(false),
                          "with language auto: detect it from the first window's encoder output, which that window is then decoded from (one 30 s encode "
                          + "fewer; false: faster-whisper's own 30 s copy, whose probabilities differ slightly on recordings under 30 s)"),
            ParameterSpec("task", .choice(WhisperDecodingOptions.Task.allCases.map(\.rawValue)), default: .string("transcribe"),
                          "transcribe in the spoken language, or translate it to English (multilingual models)"),
            ParameterSpec("without_timestamps", .bool, default: .bool(false), "decode text only, one segment per window"),
            ParameterSpec("word_timestamps", .bool, default: .bool(true),
                          "time every word from the cross-attention (faster-whisper word_timestamps; one more decoder pass per window)"),
            ParameterSpec("hallucination_silence_threshold", .double(0...3600), default: .double(0),
                          "with word_timestamps: skip silence before text that looks invented when more than this many seconds of it surround the text (faster-whisper's option; 0: off)"),
            ParameterSpec("lookahead_seconds", .double(0...86_400), default: .double(600),
                          "audio read beyond a 30 s window before it is decoded, so the loudness floor sees what comes next (32 KB held per second; inputs up to 30 s plus this are transcribed exactly as a whole)"),
            ParameterSpec("threads", .int(0...256), default: .int(0), "compute threads of this node; 0: the graph's share of the cores (cores / --jobs, or --threads)"),
            ParameterSpec("stitch", .bool, default: .bool(false),
                          "with the segments input: decode the regions stitched together without the audio between them, times mapped back "
                          + "(as vad_filter does with its own spans); false: each region decoded on its own"),
            ParameterSpec("cut_windows", .bool, default: .bool(true),
                          "with the segments input: where two regions touch (av-fusion's windows, cut in pauses), a window's text stops and the next window starts; "
                          + "each window still reads 30 s of real audio (false: Whisper's own seek runs across them)"),
            ParameterSpec("vad_filter", .bool, default: .bool(false),
                          "transcribe only the speech Silero VAD finds, stitched together, times mapped back (faster-whisper's vad_filter; the vad_* parameters are its VadOptions)"),
        ] + VADParameters.specs(prefix: "vad_"),
        // The regions' producer (av-fusion) sends the audio at once and each region once it is certain: the
        // node buffers what it needs itself, and waiting to align the two would only stall the audio.
        inputOrder: .arrival)

    public static func problems(in parameters: NodeParameters) -> [NodeParameterProblem] {
        var problems: [NodeParameterProblem] = []
        if temperatures(parameters.string("temperatures")) == nil {
            problems.append(NodeParameterProblem(parameter: "temperatures",
                                                 message: "temperatures '\(parameters.string("temperatures"))' must be numbers in 0...2 separated by commas"))
        }
        let directory = ModelDirectory.resolve(parameters.string("model"))
        let manager = FileManager.default
        let hint = "Whisper models are CTranslate2 directories as faster-whisper uses them: run `make models` to install the embedded "
            + "Models/whisper-base and Models/whisper-tiny.en; others come from the Hugging Face hub, e.g. `huggingface-cli download "
            + "Systran/faster-whisper-small --local-dir Models/whisper-small` on a machine with network access."
        var isDirectory: ObjCBool = false
        if !manager.fileExists(atPath: directory.path, isDirectory: &isDirectory) || !isDirectory.boolValue {
            problems.append(NodeParameterProblem(parameter: "model", message: "model directory \(directory.path) does not exist. " + hint))
        } else {
            for file in ["model.bin"] where !manager.fileExists(atPath: directory.appendingPathComponent(file).path) {
                problems.append(NodeParameterProblem(parameter: "model", message: "\(directory.appendingPathComponent(file).path) is missing. " + hint))
            }
            let tokenizers = ["tokenizer.json", "vocabulary.json", "vocabulary.txt"]
            if !tokenizers.contains(where: { manager.fileExists(atPath: directory.appendingPathComponent($0).path) }) {
                problems.append(NodeParameterProblem(parameter: "model", message: "\(directory.path) has no tokenizer.json (nor vocabulary.json/.txt). " + hint))
            } else {
                // The language and task the model can give are known from its vocabulary: say so before any input is read.
                do {
                    // Validation and every graph's node check this: the 2 MB tokenizer.json is parsed once per process.
                    let languages = try ModelCache.shared.model("whisper-languages:" + directory.standardizedFileURL.path) {
                        try WhisperLanguages(directory: directory)
                    }
                    for message in languages.problems(with: decodingOptions(parameters), model: directory.path) {
                        problems.append(NodeParameterProblem(parameter: message.hasPrefix("task") ? "task" : "language", message: message))
                    }
                } catch {
                    problems.append(NodeParameterProblem(parameter: "model", message: "\(error)"))
                }
            }
        }
        if parameters.bool("vad_filter") { problems += VADParameters.problems(in: parameters, prefix: "vad_") }
        return problems
    }

    /// The decoding options the parameters ask for (temperatures unparsable: greedy only; validation reports them).
    static func decodingOptions(_ parameters: NodeParameters) -> WhisperDecodingOptions {
        var options = WhisperDecodingOptions()
        options.beamSize = parameters.int("beam_size")
        options.bestOf = parameters.int("best_of")
        options.temperatures = temperatures(parameters.string("temperatures")) ?? [0]
        options.conditionOnPreviousText = parameters.bool("condition_on_previous_text")
        let prompt = parameters.string("initial_prompt")
        options.initialPrompt = prompt.isEmpty ? nil : prompt
        let language = parameters.string("language").trimmingCharacters(in: .whitespaces).lowercased()
        options.language = language.isEmpty ? WhisperDecodingOptions.autoLanguage : language
        options.languageFromFirstWindow = parameters.bool("language_from_first_window")
        options.task = WhisperDecodingOptions.Task(rawValue: parameters.string("task")) ?? .transcribe
        options.withoutTimestamps = parameters.bool("without_timestamps")
        options.wordTimestamps = parameters.bool("word_timestamps")
        let silence = parameters.double("hallucination_silence_threshold")
        options.hallucinationSilenceThreshold = silence > 0 ? silence : nil
        return options
    }

    /// Parses `0,0.2,…`; nil when a value is not a number in 0...2 or the list is empty.
    static func temperatures(_ text: String) -> [Float]? {
        let values = text.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0.map { (0...2).contains($0) } ?? false }) else { return nil }
        return values.compactMap { $0 }
    }

    private let directory: URL
    private let options: WhisperDecodingOptions
    private let threads: Int
    private var recognizer: WhisperRecognizer?
    /// Set when the node transcribes as audio arrives (no segments input, no vad_filter).
    private var stream: WhisperRecognizer.Stream?
    private let lookaheadSeconds: Double
    private var segmentsConnected = false
    private var samples: [Float] = []
    private var firstSample: Int64?
    private var regionList: [Segment] = []
    private let vadFilter: Bool
    private let stitch: Bool
    private let cutWindows: Bool
    private let vadOptions: VADOptions
    private let parameters: NodeParameters
    private var vad: SileroVAD?
    /// Set when the node decodes the `segments` input's regions as they arrive (no stitch, no vad_filter).
    private var regions: RegionDecoder?
    /// Set with `vad_filter`: the speech found and decoded as the audio arrives.
    private var vadFiltering: VADFilterDecoder?

    public init(parameters: NodeParameters) throws {
        if let problem = Self.problems(in: parameters).first {
            throw NodeError(code: .invalidParameters, message: problem.message)
        }
        directory = ModelDirectory.resolve(parameters.string("model"))
        options = Self.decodingOptions(parameters)
        threads = parameters.int("threads")
        lookaheadSeconds = parameters.double("lookahead_seconds")
        vadFilter = parameters.bool("vad_filter")
        stitch = parameters.bool("stitch")
        cutWindows = parameters.bool("cut_windows")
        vadOptions = VADParameters.options(parameters, prefix: "vad_")
        self.parameters = parameters
    }

    public mutating func start(_ context: NodeContext) throws {
        // A wired segments input that never delivers a segment means "no speech", not "transcribe everything".
        segmentsConnected = context.connectedInputs.contains("segments")
        let directory = self.directory
        recognizer = try ModelCache.shared.model("whisper:" + directory.standardizedFileURL.path) {
            try WhisperRecognizer(directory: directory)
        }
        if vadFilter {
            guard !segmentsConnected else {
                throw NodeError(code: .invalidParameters, message: "whisper: vad_filter finds the speech itself; disconnect the segments input or set vad_filter: false")
            }
            vad = try VADParameters.model(parameters, prefix: "vad_")
            vadFiltering = VADFilterDecoder(vad: vad!, options: vadOptions, stream: try recognizer!.stream(options: options, lookaheadSeconds: lookaheadSeconds))
        } else if !segmentsConnected {
            stream = try recognizer!.stream(options: options, lookaheadSeconds: lookaheadSeconds)
        } else if !stitch {
            regions = RegionDecoder(session: try recognizer!.regionSession(options: options), lookaheadSeconds: lookaheadSeconds,
                                    cutAtTouching: cutWindows)
        }
    }

    public mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        switch packet {
        case .audio(let audio):
            guard audio.sampleRate == WhisperLogMel.sampleRate, audio.channelCount == 1 else {
                throw NodeError(code: .nodeFailed, message: "whisper needs 16000 Hz mono audio, got \(audio.sampleRate) Hz with "
                                + "\(audio.channelCount) channels; decode with sample_rate: 16000 and channels: 1")
            }
            if firstSample == nil { firstSample = audio.firstSample }
            if stream != nil {
                let found = try Self.withThreads(threads) { try stream!.push(audio.channels[0].array) }
                if !found.isEmpty { try output.emit(.transcript(onFileClock(found))) }
            } else if vadFiltering != nil {
                let found = try Self.withThreads(threads) { try vadFiltering!.push(audio.channels[0].array) }
                if !found.isEmpty { try output.emit(.transcript(onFileClock(found))) }
            } else if regions != nil {
                let found = try Self.withThreads(threads) { () throws -> [WhisperSegment] in
                    regions!.add(samples: audio.channels[0].array, origin: firstSample!)
                    return try regions!.advance()
                }
                if !found.isEmpty { try output.emit(.transcript(onFileClock(found))) }
            } else if samples.isEmpty {
                // Shares the packet's storage instead of copying it: `av-fusion` sends the whole recording
                // as one packet and keeps it itself, so a copy here would hold the samples twice
                // (230 MB per hour at 16 kHz). A second packet copies once, as appending always did.
                samples = audio.channels[0].array
            } else {
                samples.append(contentsOf: audio.channels[0].array)
            }
        case .segments(let segments):
            segmentsConnected = true
            if regions != nil {
                regions!.add(segments, origin: firstSample)
                let found = try Self.withThreads(threads) { try regions!.advance() }
                if !found.isEmpty { try output.emit(.transcript(onFileClock(found))) }
                return
            }
            regionList.append(contentsOf: segments)
        default:
            break
        }
    }

    public mutating func inputEnded(_ port: InputPort, output: NodeOutput) throws {
        guard regions != nil else { return }
        if port.name == "audio" { regions!.audioEnded = true } else { regions!.regionsEnded = true }
        let found = try Self.withThreads(threads) { try regions!.advance() }
        if !found.isEmpty { try output.emit(.transcript(onFileClock(found))) }
    }

    public mutating func finish(output: NodeOutput) throws {
        if vadFiltering != nil {
            let found = try Self.withThreads(threads) { try vadFiltering!.finish() }
            // The last packet, empty or not: a transcript always ends with one.
            try output.emit(.transcript(onFileClock(found)))
            return
        }
        if regions != nil {
            regions!.audioEnded = true
            regions!.regionsEnded = true
            regions!.add([], origin: firstSample ?? 0)
            let found = try Self.withThreads(threads) { try regions!.advance() }
            // The last packet, empty or not: a transcript always ends with one.
            try output.emit(.transcript(onFileClock(found)))
            return
        }
        if stream != nil {
            // The last packet, empty or not: a transcript always ends with one.
            let found = try Self.withThreads(threads) { try stream!.finish() }
            try output.emit(.transcript(onFileClock(found)))
            return
        }
        try Self.withThreads(threads) { try transcribeAll(output: output) }
    }

    /// Runs `body` with the node's own width: it narrows (or widens) only this node's work, never the
    /// process's or another graph's.
    private static func withThreads<R>(_ threads: Int, _ body: () throws -> R) rethrows -> R {
        threads > 0 ? try ComputeContext(threads: threads).run(body) : try body()
    }

    /// Segments timed from the first sample received, placed on the file's clock at the 16 kHz sample
    /// each time names. The recogniser's times are faster-whisper's seconds (whole 10 ms steps, words
    /// rounded to them; samples where `vad_filter` maps them back), so the nearest sample recovers each
    /// instant exactly, and the packets carry sample indices rather than sums of seconds.
    private func onFileClock(_ segments: [WhisperSegment]) -> [TranscriptSegment] {
        let origin = firstSample ?? 0
        func sample(_ seconds: Double) -> MediaTime {
            MediaTime(sample: origin + Int64((seconds * Double(WhisperLogMel.sampleRate)).rounded()), rate: WhisperLogMel.sampleRate)
        }
        return segments.map { segment in
            var item = segment.transcriptSegment
            item.startTime = sample(segment.start)
            item.endTime = sample(segment.end)
            item.words = segment.words?.map { TranscriptWord(word: $0.word, start: sample($0.start), end: sample($0.end), probability: $0.probability) }
            return item
        }
    }

    private mutating func transcribeAll(output: NodeOutput) throws {
        let origin = Double(firstSample ?? 0) / Double(WhisperLogMel.sampleRate)
        var transcript: [TranscriptSegment] = []
        if !samples.isEmpty {
            let found: [WhisperSegment]
            if segmentsConnected {
                let shifted = regionList.map { Segment(start: $0.start - origin, end: $0.end - origin, label: $0.label, score: $0.score) }
                found = stitch ? try recognizer!.transcribe(samples, stitching: shifted, options: options)
                    : try recognizer!.transcribe(samples, within: shifted, options: options, cutAtTouching: cutWindows)
            } else {
                found = try recognizer!.transcribe(samples, options: options)
            }
            transcript = onFileClock(found)
        }
        samples = []
        try output.emit(.transcript(transcript))
    }
}
