import ArgumentParser
import Foundation
import TandemCore
import TandemNodes

/// `tandem transcribe-talking-head VIDEO...`: a front end to `Pipelines/transcribe-talking-head.yaml`
/// run through the batch runner, so the command and `tandem run` run one graph (manifest, atomic
/// outputs, `--jobs`, `--resume`). Its flags become the pipeline's parameters.
///
/// With one input and no `--out`, the transcript (with its notes) is printed as JSON, or written to
/// `--output`; with `--out DIR` the pipeline's outputs and manifest go to DIR as with `tandem run`.
struct TranscribeTalkingHeadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcribe-talking-head",
        abstract: "Transcribe talking-head video: the audio says whether someone speaks, the lips say who (runs Pipelines/transcribe-talking-head.yaml).")

    @Argument(help: "Video (or audio) files, folders or @list files.") var inputs: [String]
    @Option(help: "Whisper model directory (CTranslate2 / faster-whisper format); default: the pipeline's.") var model: String?
    @Option(help: "Language code, or auto: detected once per input (multilingual models); default: the pipeline's (auto).")
    var language: String?
    @Flag(help: "Ignore the picture: speech from the audio alone, every speaker off-screen.") var audioOnly = false
    @Flag(help: "Keep all recognised text; only name the speakers.") var noGate = false
    @Flag(inversion: .prefixedNo, help: "Enhance the audio with the noise of stretches silent in both picture and sound (off by default).")
    var enhance = false
    @Flag(help: "Decode the whole audio (cut at pauses; the default) rather than only the speech regions; kept for old scripts.") var noSegment = false
    @Option(help: "Enhance only when the estimated SNR is below this (dB).") var enhanceBelowSnr: Double?
    @Option(help: "Enhance only when the noise fluctuates less than this (dB).") var enhanceMaxFluctuation: Double?
    @Option(help: "Drop text Whisper rates at least this likely to hold no speech (with avg log-prob < -1); 1: off.")
    var gatedNoSpeechThreshold: Double?
    @Option(help: "Shorter side frames are scaled to for face analysis.") var analysisSide: Int?
    @Option(help: "Beam size (1 = greedy).") var beamSize: Int?
    @Flag(inversion: .prefixedNo, help: "Time every word (each segment gets `words` with start, end, probability and speaker).")
    var wordTimestamps = true
    @Option(help: "Write the JSON here instead of stdout (one input, no --out).") var output: String?
    @Option(help: "Write the pipeline's outputs and manifest here, as `tandem run --out` does.") var out: String?
    @OptionGroup var batch: BatchFlags

    /// The flags as `--set` overrides of the pipeline's parameters (`BatchFlags` puts an explicit `--set` last, so it wins).
    var parameterOverrides: [String] {
        var sets: [String] = []
        if let model { sets.append("model=\(model)") }
        if let language { sets.append("language=\(language)") }
        if audioOnly { sets.append("use_picture=false") }
        if noGate { sets.append("gate=false") }
        if enhance { sets.append("enhance=true") }
        if noSegment { sets.append("listen=everything") }
        if let enhanceBelowSnr { sets.append("enhance_below_snr=\(enhanceBelowSnr)") }
        if let enhanceMaxFluctuation { sets.append("enhance_max_fluctuation=\(enhanceMaxFluctuation)") }
        if let gatedNoSpeechThreshold { sets.append("no_speech_threshold=\(gatedNoSpeechThreshold)") }
        if let analysisSide { sets.append("analysis_side=\(analysisSide)") }
        if let beamSize { sets.append("beam_size=\(beamSize)") }
        if !wordTimestamps { sets.append("word_timestamps=false") }
        return sets
    }

    func run() throws {
        let printing = out == nil
        if printing && inputs.count != 1 {
            throw usageError("give one input, or --out DIR for several")
        }
        let folder = out.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("tandem-talking-head-\(UUID().uuidString)")
        defer { if printing { try? FileManager.default.removeItem(at: folder) } }
        let (summary, terminated) = try batch.runBatch(bundled: "transcribe-talking-head", inputs: inputs, out: folder.path,
                                                       sets: parameterOverrides, progress: "none")
        guard printing else {
            print(summary.text)
            try RunCommand.exit(summary, terminated: terminated)
            return
        }
        FileHandle.standardError.write(Data((summary.text + "\n").utf8))
        if summary.exitCode != 0 {
            // The manifest holds the reason; say it before the temporary folder goes.
            if let text = try? String(contentsOf: folder.appendingPathComponent("manifest.jsonl"), encoding: .utf8) {
                FileHandle.standardError.write(Data(text.utf8))
            }
            try RunCommand.exit(summary, terminated: terminated)
        }
        let data = try Self.document(in: folder)
        if let output {
            try AtomicOutput.write(data, to: URL(fileURLWithPath: output))
        } else {
            print(String(decoding: data, as: UTF8.self))
        }
    }

    /// The single input's transcript JSON with its notes (`notes`: the sentences) and the input path added.
    static func document(in folder: URL) throws -> Data {
        let manifest = try String(contentsOf: folder.appendingPathComponent("manifest.jsonl"), encoding: .utf8)
        guard let line = manifest.split(separator: "\n").last,
              let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let outputs = record["outputs"] as? [String],
              let json = outputs.first(where: { $0.hasSuffix(".json") && !$0.hasSuffix(".notes.json") }) else {
            throw ValidationError("the pipeline wrote no transcript JSON in \(folder.path)")
        }
        var document = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent(json))) as? [String: Any] ?? [:]
        if let notesFile = outputs.first(where: { $0.hasSuffix(".notes.json") }),
           let written = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent(notesFile))) as? [String: Any],
           let packets = written["packets"] as? [[String: Any]] {
            // write-json's document: packets of segments whose labels are the sentences.
            document["notes"] = packets.flatMap { ($0["segments"] as? [[String: Any]] ?? []).compactMap { $0["label"] as? String } }
        }
        document["input"] = record["path"]
        return try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }
}
