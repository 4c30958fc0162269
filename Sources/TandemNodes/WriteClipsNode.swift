import Foundation
import TandemCore
import TandemMedia

/// `write-clips`: writes generated clips — one WAV per clip named after it — and `generation.json`,
/// the settings and seed of every clip (`clips`: one object per clip with its `audio` file), so any clip
/// can be made again and `tandem report` shows each with its player and settings.
///
/// Reads `generate-audio`'s protocol: `info` carries one segment per clip whose label is a JSON object
/// with at least `name`, and `clips` one whole-length audio packet per clip, in the same order (the
/// k-th audio packet is the k-th info segment's clip, whichever arrives first).
public struct WriteClipsNode: ConfigurableNode {
    public static let descriptor = NodeDescriptor(
        kind: "write-clips", doc: "Write generated clips as one WAV each plus generation.json (prompt, seed, settings per file).",
        inputs: [PortSpec("info", .segments, "one segment per clip: label = JSON object with name, prompt, seed, settings"),
                 PortSpec("clips", .audio, "one whole-length packet per clip, in the order of info")],
        parameters: [
            ParameterSpec("folder", .pathTemplate, default: .string("{relpath}"), "folder below --out for this input's files"),
            ParameterSpec("sample_format", .choice(["pcm16", "pcm24", "float32"]), default: .string("float32"), "WAV sample encoding"),
        ])

    private let folder: String
    private let sampleFormat: AudioFileWriter.SampleFormat
    private var context: NodeContext?
    private var descriptions: [[String: Any]] = []
    private var clips: [AudioBuffer] = []

    public init(parameters: NodeParameters) throws {
        let folder = parameters.string("folder")
        _ = try PathTemplate(folder + "/generation.json")
        self.folder = folder
        sampleFormat = WriteSourcesNode.wavSampleFormat(parameters.string("sample_format"))
    }

    public mutating func start(_ context: NodeContext) throws {
        self.context = context
    }

    public mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        switch (port.name, packet) {
        case ("info", .segments(let segments)):
            for segment in segments {
                guard let object = try? JSONSerialization.jsonObject(with: Data(segment.label.utf8)) as? [String: Any] else {
                    throw NodeError(code: .nodeFailed, message: "write-clips: a clip's info is not a JSON object: \(segment.label.prefix(80))")
                }
                descriptions.append(object)
            }
        case ("clips", .audio(let audio)):
            clips.append(audio)
        default:
            break
        }
    }

    public mutating func finish(output: NodeOutput) throws {
        guard clips.count == descriptions.count else {
            throw NodeError(code: .nodeFailed, message: "write-clips: \(clips.count) clips arrived with \(descriptions.count) descriptions")
        }
        var used: Set<String> = []
        var entries: [[String: Any]] = []
        for (clip, description) in zip(clips, descriptions) {
            var name = WriteSourcesNode.Region.fileSafe(description["name"] as? String ?? "clip")
            // Two clips of the same name (the same prompt twice in a file) get a suffix.
            if used.contains(name) { name += "_\(entries.count + 1)" }
            used.insert(name)
            let file = try context!.createOutput(PathTemplate("\(folder)/\(name).wav"))
            let writer = try AudioFileWriter(url: file.temporaryURL, sampleRate: clip.sampleRate, channels: clip.channelCount,
                                             sampleFormat: sampleFormat)
            try writer.write(clip)
            try writer.finish()
            var entry = description
            // `audio`, as the HTML report reads a generation (`GeneratedAudio`).
            entry["audio"] = "\(name).wav"
            entry["rms"] = WriteSourcesNode.rms(clip)
            entries.append(entry)
        }
        let document: [String: Any] = ["input": context?.input?.relativePath ?? "", "clips": entries]
        let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        let file = try context!.createOutput(PathTemplate("\(folder)/generation.json"))
        try (data + Data("\n".utf8)).write(to: file.temporaryURL)
    }
}
