import ArgumentParser
import Foundation
import TandemCore
import TandemDSP
import TandemMedia
import TandemNodes
import TandemVision

/// `tandem separate INPUT --out DIR [--sources N|auto]`: one WAV per instrument, found by where it moves.
///
/// The default separator (motion-informed NMF, no weights): the video is decoded small and gray at a
/// fixed rate, its motion is mapped on a grid of cells, moving regions are found (connected groups, or
/// exactly N clusters), and each region's motion curve guides the attribution of NMF components.
/// Without a video stream the audio-only fallback runs and the summary says so; without audio there is
/// nothing to separate and the command fails with a clear message.
struct SeparateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "separate", abstract: "Separate the instruments of a recording by where they move (motion-informed NMF).")

    @Argument(help: "A media file with an audio stream (and a video stream for motion guidance).") var input: String
    @Option(help: "Output folder: one WAV per source and summary.json.") var out: String
    @Option(help: "Number of sources, or 'auto' (one per moving region).") var sources: String = "auto"
    @Option(help: "Video frames per second analysed for motion.") var fps: Double = 25
    @Option(help: "Shorter side, in pixels, of the frames analysed for motion.") var analysisSide: Int = 144
    @Option(help: "Use a ROWSxCOLUMNS grid of regions instead of finding moving regions (e.g. 1x2).") var grid: String?
    @Option(name: .customLong("region"), help: "A player's region 'x,y,w,h' in video pixels, used as given (repeat for each player).")
    var regions: [String] = []
    @Option(help: "NMF divergence: kl or is.") var divergence: String = "kl"
    @Option(help: "NMF iterations (multiplicative updates of the β-divergence).") var iterations: Int = MotionInformedNMF.Configuration().iterations
    @Option(help: "NMF components per source.") var componentsPerSource: Int = MotionInformedNMF.Configuration().componentsPerSource
    @Option(help: "With --sources auto, a region is dropped as silent only when the evidence rises by more than this without it (negative: also when it falls by less).")
    var dropMargin: Float = MotionInformedNMF.Configuration().dropMargin
    @Option(help: "With --sources auto, a region whose own source follows its motion at least this well (-1...1) is always kept.")
    var keepEvidence: Float = MotionInformedNMF.Configuration().keepEvidence
    @Option(help: "Longer recordings are factorised this many seconds at a time, cross-faded, so memory stays bounded.")
    var chunkSeconds: Double = MotionInformedNMF.Chunking().seconds

    func run() throws {
        let started = Date()
        let count: Int?
        if sources == "auto" { count = nil } else if let n = Int(sources), n >= 1 { count = n } else {
            throw ValidationError("--sources must be a positive number or 'auto', got '\(sources)'")
        }
        let info = try MediaFile.open(input).info
        guard info.firstStream(.audio) != nil else {
            throw ValidationError("\(input): no audio stream, nothing to separate")
        }
        var phases: [String: Double] = [:]
        var mark = Date()
        func lap(_ name: String) { phases[name] = Date().timeIntervalSince(mark); mark = Date() }
        let audio = try AudioReader(path: input).readAll()
        lap("decodeAudio")
        let audioStart = Double(audio.firstSample) / Double(audio.sampleRate)

        var configuration = MotionGuidedSeparation.Configuration()
        configuration.sources = count
        configuration.cellSize = max(2, analysisSide / 36)
        configuration.nmf.divergence = divergence == "is" ? .itakuraSaito : .kullbackLeibler
        configuration.nmf.iterations = max(1, iterations)
        configuration.chunking.seconds = max(5, chunkSeconds)
        configuration.nmf.componentsPerSource = max(1, componentsPerSource)
        configuration.nmf.dropMargin = dropMargin
        configuration.nmf.keepEvidence = keepEvidence
        if let grid {
            let parts = grid.lowercased().split(separator: "x").compactMap { Int($0) }
            guard parts.count == 2 else { throw ValidationError("--grid wants ROWSxCOLUMNS, got '\(grid)'") }
            configuration.grid = (parts[0], parts[1])
        }
        let video = info.firstStream(.video)
        if !regions.isEmpty {
            let given: [MotionRegion]
            do { given = try SeparateNode.regions(regions.joined(separator: ";")) ?? [] } catch let error as NodeError {
                throw ValidationError("--region: \(error.message)")
            }
            // Checked against the probed video stream before anything is decoded.
            if let width = video?.width, let height = video?.height,
               let problem = MotionGuidedSeparation.problems(with: given, width: width, height: height).first {
                throw ValidationError("--region: \(input): \(problem)")
            }
            configuration.regions = given
        }
        var separation = MotionGuidedSeparation(configuration: configuration)
        if video != nil {
            let reader = try FrameReader(path: input, sampling: .fps(fps),
                                         options: VideoDecodeOptions(layout: .gray8, resize: .shorterSide(analysisSide)))
            while let frame = try reader.next() { try separation.append(frame) }
            lap("decodeVideoAndMotion")
        }
        let output = try separation.separate(audio, videoWidth: video?.width, hasVideo: video != nil)
        for note in output.notes { FileHandle.standardError.write(Data("tandem separate: \(input): \(note)\n".utf8)) }
        let result = output.result
        lap("separate")

        let folder = URL(fileURLWithPath: out)
        var summary: [[String: Any]] = []
        for source in output.sources {
            var entry: [String: Any] = ["label": source.label, "confidence": Double(source.confidence), "silent": source.silent,
                                        "sounding_seconds": source.soundingSeconds]
            if let moving = source.movingSeconds { entry["moving_seconds"] = moving }
            if !source.silent {
                let name = "\(source.label).wav"
                try AtomicOutput.write(Self.wav(source.channels, sampleRate: audio.sampleRate), to: folder.appendingPathComponent(name))
                entry["file"] = name
            }
            if let region = source.region {
                entry["region"] = ["x": region.x, "y": region.y, "width": region.width, "height": region.height]
            }
            summary.append(entry)
        }
        let document: [String: Any] = [
            "input": input, "mode": result.mode.rawValue, "note": output.notes.joined(separator: "; "), "sources": summary,
            "sampleRate": audio.sampleRate, "seconds": Double(audio.frameCount) / Double(audio.sampleRate),
            "elapsedSeconds": Date().timeIntervalSince(started), "phaseSeconds": phases,
        ]
        let json = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
        try AtomicOutput.write(json, to: folder.appendingPathComponent("summary.json"))
        print(String(decoding: json, as: UTF8.self))
    }

    /// A 32-bit float WAV (format 3), channels interleaved.
    static func wav(_ channels: [[Float]], sampleRate: Int) -> Data {
        let frames = channels.first?.count ?? 0, count = channels.count
        var data = Data()
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { data.append(contentsOf: $0) } }
        func u16(_ v: Int) { withUnsafeBytes(of: UInt16(v).littleEndian) { data.append(contentsOf: $0) } }
        let bytes = frames * count * 4
        data.append(contentsOf: Array("RIFF".utf8)); u32(36 + bytes)
        data.append(contentsOf: Array("WAVEfmt ".utf8)); u32(16); u16(3); u16(count)
        u32(sampleRate); u32(sampleRate * count * 4); u16(count * 4); u16(32)
        data.append(contentsOf: Array("data".utf8)); u32(bytes)
        var interleaved = [Float](repeating: 0, count: frames * count)
        for c in 0..<count { for i in 0..<frames { interleaved[i * count + c] = channels[c][i] } }
        interleaved.withUnsafeBytes { data.append(contentsOf: $0) }
        return data
    }
}
