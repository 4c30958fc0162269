import Foundation
import TandemCore
import TandemMedia
import TandemModels

/// `generate-audio`: AudioLDM text-to-audio, variation and inpainting (`AudioLDM`).
///
/// - **text**: one clip per prompt and candidate. The prompts are, in order of precedence: the
///   `prompt` parameter; the lines of the input when it is a `.txt` file (one prompt per line, `#`
///   comments); a sidecar `NAME.prompt.txt` (or `NAME.EXT.prompt.txt`) beside a media input; the row of
///   the `prompts` CSV (`path,prompt`) naming the input. The duration is `duration`, else a media
///   input's own duration (sound for a silent video), else 5 s.
/// - **variation**: the input audio's latents noised to `strength`, denoised with the prompt.
/// - **inpaint**: `start`…`end` seconds of the input audio regenerated, the rest kept.
///
/// Clips longer than `segment_seconds` are generated in segments (each its own noise) joined by
/// 1 s equal-power cross-fades: the UNet's attention grows with the square of the length, and the
/// published models were trained on 10 s clips. Inpainting works on the range plus up to
/// `context_seconds` either side, so a long recording costs no more than a short one.
///
/// Audio in and out is mono at the model's rate (16 kHz for the published checkpoints): decode with
/// `sample_rate: 16000, channels: 1`. Progress is reported per denoising step.
public struct GenerateAudioNode: ValidatingNode {
    public static let descriptor = NodeDescriptor(
        kind: "generate-audio", doc: "Generate audio with AudioLDM from text, or vary or inpaint the input audio (diffusers checkpoint folder).",
        inputs: [PortSpec("audio", .audio, "the clip to vary or inpaint, mono at the model's rate (modes variation, inpaint)", optional: true)],
        outputs: [PortSpec("clips", .audio, "one whole-length packet per prompt and candidate"),
                  PortSpec("info", .segments, "one segment per clip, in the same order; its label is a JSON object: name, prompt, seed, candidate, settings")],
        parameters: [
            ParameterSpec("model", .string, default: .string("Models/audioldm-s-full-v2"),
                          "the diffusers AudioLDM folder (cvssp/audioldm-s-full-v2, -m-full, -l-full; CC BY-NC-SA 4.0)"),
            ParameterSpec("mode", .choice(["text", "variation", "inpaint"]), default: .string("text"), "what to generate"),
            ParameterSpec("prompt", .string, default: .string(""), "the text; empty: the input's prompt file, sidecar or CSV row"),
            ParameterSpec("negative_prompt", .string, default: .string(""), "what to steer away from (e.g. 'low quality, noise')"),
            ParameterSpec("prompts", .string, default: .string(""), "a CSV of path,prompt rows naming inputs by path, relative path or file name"),
            ParameterSpec("duration", .double(0...600), default: .double(0), "seconds (text mode); 0: a media input's duration, else 5"),
            ParameterSpec("steps", .int(1...1000), default: .int(10), "denoising steps (diffusers' default 10; 50 or more for quality with DDIM)"),
            ParameterSpec("guidance", .double(0...50), default: .double(2.5), "classifier-free guidance scale; ≤ 1 turns guidance off"),
            ParameterSpec("seed", .int(0...Int.max), default: .int(0), "noise seed; each candidate draws its own stream of it"),
            ParameterSpec("candidates", .int(1...64), default: .int(1), "clips per prompt"),
            ParameterSpec("sampler", .choice(["auto", "ddim", "dpm++2m"]), default: .string("auto"),
                          "auto: the checkpoint's scheduler (DDIM for the published ones); dpm++2m needs fewer steps"),
            ParameterSpec("eta", .double(0...1), default: .double(0), "DDIM stochasticity (0: deterministic)"),
            ParameterSpec("strength", .double(0...1), default: .double(0.6), "variation: how far from the input (0 keeps it, 1 ignores it)"),
            ParameterSpec("start", .double(0...86_400), default: .double(0), "inpaint: first second regenerated"),
            ParameterSpec("end", .double(0...86_400), default: .double(0), "inpaint: second after the last regenerated"),
            ParameterSpec("segment_seconds", .double(1...60), default: .double(10), "longest clip generated at once; longer ones are joined segments"),
            ParameterSpec("context_seconds", .double(0...60), default: .double(5), "inpaint: seconds of the clip kept as context either side of the range"),
        ])

    public static func problems(in parameters: NodeParameters) -> [NodeParameterProblem] {
        var problems: [NodeParameterProblem] = []
        let model = ModelDirectory.resolve(parameters.string("model"))
        if !FileManager.default.fileExists(atPath: model.appendingPathComponent("model_index.json").path) {
            problems.append(NodeParameterProblem(parameter: "model", message: "no AudioLDM checkpoint at \(model.path): \(AudioLDM.howToObtain)"))
        }
        let csv = parameters.string("prompts")
        if !csv.isEmpty, !FileManager.default.fileExists(atPath: csv) {
            problems.append(NodeParameterProblem(parameter: "prompts", message: "the prompts CSV \(csv) does not exist"))
        }
        if parameters.string("mode") == "inpaint", parameters.double("end") <= parameters.double("start") {
            problems.append(NodeParameterProblem(parameter: "end", message: "inpaint needs end > start (seconds of the input to regenerate), got \(parameters.double("start"))…\(parameters.double("end"))"))
        }
        return problems
    }

    private let modelURL: URL
    private let mode: String
    private var settings: AudioGenerationSettings
    private let promptParameter: String
    private let promptsCSV: String
    private let duration: Double
    private let candidates: Int
    private let strength: Double
    private let range: Range<Double>
    private let segmentSeconds: Double
    private let contextSeconds: Double
    private var context: NodeContext?
    private var model: AudioLDM?
    private var chunks: [AudioBuffer] = []

    public init(parameters: NodeParameters) throws {
        if let problem = Self.problems(in: parameters).first { throw NodeError(code: .invalidParameters, message: problem.message) }
        modelURL = ModelDirectory.resolve(parameters.string("model"))
        mode = parameters.string("mode")
        let negative = parameters.string("negative_prompt")
        settings = AudioGenerationSettings(prompt: "", negativePrompt: negative.isEmpty ? nil : negative)
        settings.steps = parameters.int("steps")
        settings.guidance = Float(parameters.double("guidance"))
        settings.seed = UInt64(parameters.int("seed"))
        settings.eta = Float(parameters.double("eta"))
        settings.sampler = DiffusionSamplerKind(rawValue: parameters.string("sampler"))
        promptParameter = parameters.string("prompt")
        promptsCSV = parameters.string("prompts")
        duration = parameters.double("duration")
        candidates = parameters.int("candidates")
        strength = parameters.double("strength")
        range = parameters.double("start")..<max(parameters.double("start"), parameters.double("end"))
        segmentSeconds = parameters.double("segment_seconds")
        contextSeconds = parameters.double("context_seconds")
    }

    public mutating func start(_ context: NodeContext) throws {
        self.context = context
        let url = modelURL
        model = try ModelCache.shared.model("audioldm:" + url.standardizedFileURL.path) { try AudioLDM(url: url) }
    }

    public mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        if case .audio(let chunk) = packet { chunks.append(chunk) }
    }

    public mutating func finish(output: NodeOutput) throws {
        guard let model, let context else { return }
        let prompts = try prompts(for: context.input)
        let name = context.input?.relativePath ?? "input"
        var input: [Float] = []
        if mode != "text" {
            guard let audio = try AudioBuffer(joining: chunks) else {
                throw NodeError(code: .nodeFailed, message: "generate-audio: \(name) has no audio to \(mode == "inpaint" ? "inpaint" : "vary")")
            }
            guard audio.sampleRate == model.sampleRate, audio.channelCount == 1 else {
                throw NodeError(code: .nodeFailed, message: "generate-audio needs \(model.sampleRate) Hz mono audio, got \(audio.sampleRate) Hz × "
                                + "\(audio.channelCount); decode with sample_rate: \(model.sampleRate), channels: 1")
            }
            input = audio.channels[0].array
            chunks = []
        }
        let seconds = mode == "text" ? try textDuration(context.input) : Double(input.count) / Double(model.sampleRate)
        let total = prompts.count * candidates
        var finished = 0
        for (number, prompt) in prompts.enumerated() {
            var request = settings
            request.prompt = prompt
            for candidate in 0..<candidates {
                let progress: (Int, Int) -> Void = { step, steps in
                    context.reportProgress(finished * steps + step, of: total * steps, unit: "steps")
                }
                let generator = LongAudioGenerator(model: model, segmentSeconds: segmentSeconds, contextSeconds: contextSeconds)
                let samples: [Float]
                switch mode {
                case "variation": samples = try generator.variation(of: input, request, strength: strength, candidate: candidate, progress: progress)
                case "inpaint": samples = try generator.inpaint(input, range: range, request, candidate: candidate, progress: progress)
                default: samples = try generator.generate(request, seconds: seconds, candidate: candidate, progress: progress)
                }
                finished += 1
                let clipName = Self.clipName(prompt: prompt, number: number, count: prompts.count, candidate: candidate, candidates: candidates, mode: mode)
                var description: [String: Any] = [
                    "name": clipName, "prompt": prompt, "negative_prompt": request.negativePrompt ?? "", "seed": request.seed,
                    "candidate": candidate, "steps": request.steps, "guidance_scale": Double(request.guidance),
                    "sampler": (request.sampler ?? DiffusionSamplerKind(className: model.schedulerConfiguration.className) ?? .ddim).rawValue,
                    "eta": Double(request.eta), "mode": mode, "seconds": Double(samples.count) / Double(model.sampleRate),
                    "sample_rate": model.sampleRate, "model": model.url.lastPathComponent,
                ]
                if mode == "variation" { description["strength"] = strength }
                if mode == "inpaint" { description["range"] = [range.lowerBound, range.upperBound] }
                let label = String(decoding: try JSONSerialization.data(withJSONObject: description, options: [.sortedKeys]), as: UTF8.self)
                let end = MediaTime(sample: Int64(samples.count), rate: model.sampleRate)
                try output.emit(.segments([Segment(start: .zero, end: end, label: label, score: 1)]), port: "info")
                try output.emit(.audio(AudioBuffer(sampleRate: model.sampleRate, channelLayout: "mono", firstSample: 0,
                                                   channels: [SharedArray(samples)])), port: "clips")
            }
        }
    }

    /// The prompts for one input, by the precedence in the type's description.
    func prompts(for input: InputFile?) throws -> [String] {
        if !promptParameter.isEmpty { return [promptParameter] }
        if mode != "text" { return [""] }
        guard let input else {
            throw NodeError(code: .invalidParameters, message: "generate-audio: no prompt; set prompt=…")
        }
        if input.url.pathExtension.lowercased() == "txt" {
            let prompts = try Self.lines(of: input.url)
            guard !prompts.isEmpty else {
                throw NodeError(code: .nodeFailed, message: "generate-audio: \(input.relativePath) has no prompt (one per line, # comments)")
            }
            return prompts
        }
        let stem = input.url.deletingPathExtension()
        for sidecar in [stem.appendingPathExtension("prompt.txt"), input.url.appendingPathExtension("prompt.txt")]
        where FileManager.default.fileExists(atPath: sidecar.path) {
            let prompt = try Self.lines(of: sidecar).joined(separator: " ")
            if !prompt.isEmpty { return [prompt] }
        }
        if !promptsCSV.isEmpty, let prompt = try Self.csvPrompt(promptsCSV, for: input) { return [prompt] }
        throw NodeError(code: .invalidParameters, message: "generate-audio: no prompt for \(input.relativePath): set prompt=…, put one in "
                        + "\(stem.lastPathComponent).prompt.txt beside it, or name it in a prompts CSV (path,prompt)")
    }

    static func lines(of url: URL) throws -> [String] {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw NodeError(code: .nodeFailed, message: "generate-audio: cannot read \(url.path) as UTF-8 text")
        }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    /// The prompt of the CSV row whose path is the input's path, relative path or file name.
    static func csvPrompt(_ path: String, for input: InputFile) throws -> String? {
        let url = URL(fileURLWithPath: path)
        for line in try lines(of: url) {
            let fields = CSVLine.fields(line)
            guard fields.count >= 2 else { continue }
            let key = fields[0]
            if key == input.url.path || key == input.relativePath || key == input.url.lastPathComponent {
                return fields[1...].joined(separator: ",")
            }
        }
        return nil
    }

    private func textDuration(_ input: InputFile?) throws -> Double {
        if duration > 0 { return duration }
        if let input, input.url.pathExtension.lowercased() != "txt",
           let file = try? MediaFile.open(input.url), let seconds = file.info.durationSeconds, seconds > 0 {
            return seconds
        }
        return 5
    }

    /// `01-a-dog-barks-c2`: the prompt's number and first words (file-safe), and the candidate when there are
    /// several; `inpainted` or `variation` for the edits.
    static func clipName(prompt: String, number: Int, count: Int, candidate: Int, candidates: Int, mode: String) -> String {
        var name: String
        if mode != "text" {
            name = mode == "inpaint" ? "inpainted" : "variation"
            if count > 1 { name += String(format: "-%02d", number + 1) }
        } else {
            let words = prompt.lowercased().split { !$0.isLetter && !$0.isNumber }.prefix(6).joined(separator: "-")
            name = String(format: "%02d", number + 1) + (words.isEmpty ? "" : "-" + String(words.prefix(40)))
        }
        if candidates > 1 { name += "-c\(candidate + 1)" }
        return name
    }
}

/// One line of a CSV file split into fields, with RFC 4180 quoting ("a, b" and doubled quotes).
enum CSVLine {
    static func fields(_ line: String) -> [String] {
        var fields: [String] = [], field = "", quoted = false
        var characters = line.makeIterator()
        var pending: Character? = nil
        while let c = pending ?? characters.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let next = characters.next() {
                        if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                    } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" && field.isEmpty {
                quoted = true
            } else if c == "," {
                fields.append(field.trimmingCharacters(in: .whitespaces))
                field = ""
            } else {
                field.append(c)
            }
        }
        fields.append(field.trimmingCharacters(in: .whitespaces))
        return fields
    }
}
