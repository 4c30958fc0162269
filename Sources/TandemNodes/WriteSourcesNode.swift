import Foundation
import TandemCore
import TandemMedia

/// `write-sources`: writes a separator's output per input — one WAV per source named after its
/// region, and a JSON summary (regions, confidences, files, notes).
///
/// Reads the protocol of `separate` and `sound-of-pixels`: `sources` carries, for each stretch of
/// time, one audio packet per region in the order of the regions (all packets of a stretch start at
/// the same sample; stretches follow each other), and `regions` is one segments packet with a segment
/// per region, each carrying its `PictureRegion` (name, box or none, confidence, seconds sounding and
/// moving, `silent`) — sent after the sources by `separate`, since silence is known only at the end.
/// Each source's stretches are appended to a staging file as they arrive (never held whole); at the
/// end each file is renamed to its region's name, and a silent region's is deleted: it is listed in
/// the summary with no file. Every file is still written under a temporary name and appears only
/// when the input's graph completes.
public struct WriteSourcesNode: ConfigurableNode {
    public static let descriptor = NodeDescriptor(
        kind: "write-sources", doc: "Write separated sources as one WAV per region plus a JSON summary.",
        inputs: [PortSpec("regions", .segments, "one segment per source carrying its region (name, box, confidence, silent)"),
                 PortSpec("sources", .audio, "per stretch of time, one packet per region in the order of regions"),
                 PortSpec("notes", .segments, "sentences for the summary (fallbacks taken)", optional: true)],
        parameters: [
            ParameterSpec("folder", .pathTemplate, default: .string("{relpath}"), "folder below --out for this input's files"),
            ParameterSpec("sample_format", .choice(["pcm16", "pcm24", "float32"]), default: .string("float32"), "WAV sample encoding"),
        ],
        // Regions come after the sources (whose silence they decide), so waiting to interleave the
        // ports by media time would only hold the sources back.
        inputOrder: .arrival)

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

    /// One source's file while its stretches arrive: a staging output renamed to the region's name at the end.
    final class Staged {
        let staging: AtomicOutput
        let writer: AudioFileWriter
        let sampleRate: Int
        var endSample: Int64
        var frames = 0
        var sumOfSquares = 0.0
        var samples = 0

        init(staging: AtomicOutput, writer: AudioFileWriter, sampleRate: Int, endSample: Int64) {
            self.staging = staging
            self.writer = writer
            self.sampleRate = sampleRate
            self.endSample = endSample
        }
    }

    private let folder: String
    private let sampleFormat: AudioFileWriter.SampleFormat
    private var context: NodeContext?
    private var regions: [Region] = []
    private var notes: [String] = []
    private var staged: [Staged] = []
    /// The first sample of the stretch being received, and how many of its packets came.
    private var stretchStart: Int64?
    private var stretchIndex = 0

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
            if stretchStart == audio.firstSample { stretchIndex += 1 } else {
                stretchStart = audio.firstSample
                stretchIndex = 0
            }
            try append(audio, toSource: stretchIndex)
        default:
            break
        }
    }

    /// Appends one stretch of source `index` to its staging file (made on its first stretch).
    private mutating func append(_ audio: AudioBuffer, toSource index: Int) throws {
        if index == staged.count {
            let staging = try context!.createOutput(PathTemplate("\(folder)/source-\(index).partial.wav"))
            let writer = try AudioFileWriter(url: staging.temporaryURL, sampleRate: audio.sampleRate, channels: audio.channelCount,
                                             sampleFormat: sampleFormat)
            staged.append(Staged(staging: staging, writer: writer, sampleRate: audio.sampleRate, endSample: audio.firstSample))
        }
        guard index < staged.count else {
            throw NodeError(code: .nodeFailed, message: "write-sources: a stretch at sample \(audio.firstSample) has more sources than the first (\(staged.count))")
        }
        let source = staged[index]
        guard source.endSample == audio.firstSample else {
            throw NodeError(code: .nodeFailed, message: "write-sources: source \(index + 1)'s audio at sample \(audio.firstSample) does not continue "
                            + "the previous stretch (which ended at \(source.endSample))")
        }
        try source.writer.write(audio)
        // Summed in a local (the same additions in the same order): a stored property of a class, updated per
        // sample, is read and written through memory with an exclusivity check each time.
        var sumOfSquares = source.sumOfSquares
        for channel in audio.channels {
            channel.withUnsafeBufferPointer { samples in for v in samples { sumOfSquares += Double(v) * Double(v) } }
        }
        source.sumOfSquares = sumOfSquares
        source.samples += audio.frameCount * audio.channelCount
        source.frames += audio.frameCount
        source.endSample = audio.endSample
    }

    public mutating func finish(output: NodeOutput) throws {
        guard staged.count == regions.count else {
            throw NodeError(code: .nodeFailed, message: "write-sources: \(staged.count) source(s) arrived for \(regions.count) region segment(s); "
                            + "connect the regions and sources outputs of the same separator")
        }
        let mode = regions.contains { $0.box != nil } ? "motion" : "audio-only"
        // Every region, sounding (with its file) or silent (without), in the separator's order.
        var all: [[String: Any]] = []
        for (index, region) in regions.enumerated() {
            let source = staged[index]
            try source.writer.finish()
            guard !region.silent else {
                source.staging.discard()
                all.append(region.entry)
                continue
            }
            let names = regions.prefix(index).map(\.name)
            // Two regions of the same name (not produced by our separators, but possible) get a suffix.
            let name = names.contains(region.name) ? "\(region.name)_\(index)" : region.name
            let file = try context!.createOutput(PathTemplate("\(folder)/\(name).wav"))
            do {
                try FileManager.default.moveItem(at: source.staging.temporaryURL, to: file.temporaryURL)
            } catch {
                throw NodeError(code: .outputFailed, message: "write-sources: cannot move \(source.staging.temporaryURL.path) to \(file.temporaryURL.path): "
                                + error.localizedDescription, underlying: error)
            }
            source.staging.discard()
            var entry = region.entry
            entry["file"] = "\(name).wav"
            entry["rms"] = source.samples > 0 ? (source.sumOfSquares / Double(source.samples)).squareRoot() : 0
            all.append(entry)
        }
        let first = staged.first
        // The run's warnings so far (the decoder's: a stream that stops first, which audio stream of several), beside the
        // separation's notes, so the summary alone tells what the sources were made from.
        let document: [String: Any] = ["input": context?.input?.relativePath ?? "", "mode": mode, "notes": notes, "sources": all,
                                       "warnings": context?.warnings.all ?? [],
                                       "sample_rate": first?.sampleRate ?? 0,
                                       "seconds": first.map { Double($0.frames) / Double($0.sampleRate) } ?? 0.0]
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
