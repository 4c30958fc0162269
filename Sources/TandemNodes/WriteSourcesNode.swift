import Foundation
import TandemCore
import TandemMedia

/// `write-sources`: writes a separator's output per input — one WAV per source named after its
/// region, and a JSON summary (regions, confidences, files, notes).
///
/// Reads the protocol of `separate` and `sound-of-pixels`: `regions` is one segments packet with a
/// segment per region, each carrying its `PictureRegion` (name, box or none, confidence, seconds
/// sounding and moving, `silent`), and `sources` carries one whole-length audio packet
/// per region that is not silent, in the same order. Regions arrive first (same start time, lower port
/// index), so the k-th audio packet is written as the k-th sounding region's file. Silent regions are
/// listed in the summary with no file.
public struct WriteSourcesNode: ConfigurableNode {
    public static let descriptor = NodeDescriptor(
        kind: "write-sources", doc: "Write separated sources as one WAV per region plus a JSON summary.",
        inputs: [PortSpec("regions", .segments, "one segment per source carrying its region (name, box, confidence, silent)"),
                 PortSpec("sources", .audio, "one whole-length packet per source, in the order of regions"),
                 PortSpec("notes", .segments, "sentences for the summary (fallbacks taken)", optional: true)],
        parameters: [
            ParameterSpec("folder", .pathTemplate, default: .string("{relpath}"), "folder below --out for this input's files"),
            ParameterSpec("sample_format", .choice(["pcm16", "pcm24", "float32"]), default: .string("float32"), "WAV sample encoding"),
        ])

    /// One source's description, read from its region segment's typed `PictureRegion`.
    struct Region {
        var name: String
        var box: PictureRegion.Box?
        var confidence: Double
        var silent = false
        var soundingSeconds: Double?
        var movingSeconds: Double?

        /// - Throws: `NodeError` when the segment carries no region (not the output of a separator).
        init(_ segment: Segment) throws {
            guard let region = segment.region else {
                throw NodeError(code: .nodeFailed, message: "write-sources: region segment '\(segment.label)' carries no region; "
                                + "connect the regions output of separate or sound-of-pixels")
            }
            name = Self.fileSafe(region.label)
            box = region.box
            confidence = region.confidence
            silent = region.silent
            soundingSeconds = region.soundingSeconds
            movingSeconds = region.movingSeconds
        }

        /// The region's entry in the summary (without its file).
        var entry: [String: Any] {
            var entry: [String: Any] = ["label": name, "confidence": confidence, "silent": silent]
            if let box { entry["region"] = ["x": box.x, "y": box.y, "width": box.width, "height": box.height] }
            if let soundingSeconds { entry["sounding_seconds"] = soundingSeconds }
            if let movingSeconds { entry["moving_seconds"] = movingSeconds }
            return entry
        }

        /// Letters, digits, `-` and `_` only, so a label can name a file.
        static func fileSafe(_ text: String) -> String {
            let kept = text.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }
            return kept.isEmpty ? "source" : String(kept)
        }
    }

    private let folder: String
    private let sampleFormat: AudioFileWriter.SampleFormat
    private var context: NodeContext?
    private var regions: [Region] = []
    private var notes: [String] = []
    private var entries: [[String: Any]] = []
    private var seconds = 0.0
    private var sampleRate = 0

    public init(parameters: NodeParameters) throws {
        let folder = parameters.string("folder")
        _ = try PathTemplate(folder + "/summary.json")
        self.folder = folder
        sampleFormat = Self.wavSampleFormat(parameters.string("sample_format"))
    }

    /// The WAV encoding a `sample_format` parameter of `pcm16`, `pcm24` or `float32` names (also `write-clips`').
    static func wavSampleFormat(_ name: String) -> AudioFileWriter.SampleFormat {
        switch name {
        case "pcm16": .pcm16
        case "pcm24": .pcm24
        default: .float32
        }
    }

    public mutating func start(_ context: NodeContext) throws {
        self.context = context
    }

    public mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        switch (port.name, packet) {
        case ("regions", .segments(let segments)):
            regions.append(contentsOf: try segments.map(Region.init))
        case ("notes", .segments(let segments)):
            notes.append(contentsOf: segments.map(\.label))
        case ("sources", .audio(let audio)):
            let sounding = regions.indices.filter { !regions[$0].silent }
            guard entries.count < sounding.count else {
                throw NodeError(code: .nodeFailed, message: "write-sources: source \(entries.count + 1) arrived without a region segment")
            }
            let index = sounding[entries.count]
            let region = regions[index]
            let names = regions.prefix(index).map(\.name)
            // Two regions of the same name (not produced by our separators, but possible) get a suffix.
            let name = names.contains(region.name) ? "\(region.name)_\(index)" : region.name
            let file = try context!.createOutput(PathTemplate("\(folder)/\(name).wav"))
            let writer = try AudioFileWriter(url: file.temporaryURL, sampleRate: audio.sampleRate, channels: audio.channelCount,
                                             sampleFormat: sampleFormat)
            try writer.write(audio)
            try writer.finish()
            var entry = region.entry
            entry["file"] = "\(name).wav"
            entry["rms"] = Self.rms(audio)
            entries.append(entry)
            seconds = audio.durationSeconds
            sampleRate = audio.sampleRate
        default:
            break
        }
    }

    public mutating func finish(output: NodeOutput) throws {
        let mode = regions.contains { $0.box != nil } ? "motion" : "audio-only"
        // Every region, sounding (with its file) or silent (without), in the separator's order.
        var written = entries.makeIterator()
        let all = regions.map { $0.silent ? $0.entry : (written.next() ?? $0.entry) }
        let document: [String: Any] = ["input": context?.input?.relativePath ?? "", "mode": mode, "notes": notes,
                                       "sources": all, "sample_rate": sampleRate, "seconds": seconds]
        let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        let file = try context!.createOutput(PathTemplate("\(folder)/summary.json"))
        try (data + Data("\n".utf8)).write(to: file.temporaryURL)
    }

    /// Root-mean-square level over all channels (0 for silence), so a silent source is visible in the summary.
    static func rms(_ audio: AudioBuffer) -> Double {
        var sum = 0.0, count = 0
        for channel in audio.channels { for v in channel.array { sum += Double(v) * Double(v) }; count += channel.count }
        return count > 0 ? (sum / Double(count)).squareRoot() : 0
    }
}
