import Foundation
import TandemCore
import TandemDSP
import TandemMedia
import TandemVision

/// `separate`: the default audio-visual separator (motion-informed NMF, no weights; see
/// `MotionGuidedSeparation`): audio + video in, one audio stream per source out, each tied to the
/// picture region whose motion it follows.
///
/// Inputs arrive interleaved by media time (the engine's `Inbox` rule); frames feed the motion map
/// as they come, the audio is gathered, and everything is separated at the end of the stream, since
/// regions are found over the whole video (the factorisation itself goes chunk by chunk). Outputs, all emitted at the end:
/// - `sources`: one audio packet per source, each as long as the input, in the order of `regions`;
/// - `regions`: one segment per source spanning the input, label `name x y w h` (the region's box
///   in the video's pixels; just `name` in audio-only mode), score the attribution confidence 0…1;
/// - `image`: the mixture's spectrogram with each source's mask;
/// - `notes`: sentences about fallbacks (no video stream → audio-only split), as segment labels.
public struct SeparateNode: ConfigurableNode {
    public static let descriptor = NodeDescriptor(
        kind: "separate", doc: "Separate sources by where they move in the picture (motion-informed NMF; audio-only fallback).",
        inputs: [PortSpec("audio", .audio, "the mixture (any rate and channel count)"),
                 PortSpec("video", .video, "frames for motion (gray8, ~144 px shorter side, ~25 fps is plenty)", optional: true)],
        outputs: [PortSpec("sources", .audio, "one whole-length packet per source, in the order of regions"),
                  PortSpec("regions", .segments, "one segment per source: label 'name x y w h', score = confidence"),
                  PortSpec("image", .image, "mixture spectrogram and each source's mask"),
                  PortSpec("notes", .segments, "fallbacks taken, one sentence per segment label")],
        parameters: [
            ParameterSpec("sources", .string, default: .string("auto"), "number of sources, or auto (one per moving region)"),
            ParameterSpec("grid", .string, default: .string(""), "ROWSxCOLUMNS fixed regions instead of found ones (e.g. 1x2); empty: find moving regions"),
            ParameterSpec("cell_size", .int(2...64), default: .int(4), "motion-map cell side in pixels of the frames received"),
            ParameterSpec("divergence", .choice(["kl", "is"]), default: .string("kl"), "NMF divergence: Kullback–Leibler or Itakura–Saito"),
            ParameterSpec("iterations", .int(1...1000), default: .int(MotionInformedNMF.Configuration().iterations), "NMF multiplicative-update iterations"),
            ParameterSpec("components_per_source", .int(1...64), default: .int(MotionInformedNMF.Configuration().componentsPerSource), "NMF components per source"),
            ParameterSpec("chunk_seconds", .double(5...3600), default: .double(MotionInformedNMF.Chunking().seconds),
                          "longer recordings are factorised this many seconds at a time (cross-faded), so memory stays bounded"),
            ParameterSpec("image_width", .int(16...8192), default: .int(800), "plot width of the mask picture in pixels"),
        ])

    /// nil: `auto`; otherwise the count. Throws the message a user needs.
    static func sourceCount(_ text: String) throws -> Int? {
        if text == "auto" { return nil }
        guard let n = Int(text), (1...32).contains(n) else {
            throw NodeError(code: .invalidParameters, message: "sources must be 'auto' or a number in 1...32, got '\(text)'")
        }
        return n
    }

    static func grid(_ text: String) throws -> (rows: Int, columns: Int)? {
        if text.isEmpty { return nil }
        let parts = text.lowercased().split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, parts.allSatisfy({ (1...16).contains($0) }) else {
            throw NodeError(code: .invalidParameters, message: "grid wants ROWSxCOLUMNS (each 1...16), got '\(text)'")
        }
        return (parts[0], parts[1])
    }

    private var separation: MotionGuidedSeparation
    private let imageWidth: Int
    private var input: URL?
    private var videoConnected = false
    private var chunks: [AudioBuffer] = []

    public init(parameters: NodeParameters) throws {
        var configuration = MotionGuidedSeparation.Configuration()
        configuration.sources = try Self.sourceCount(parameters.string("sources"))
        configuration.grid = try Self.grid(parameters.string("grid"))
        configuration.cellSize = parameters.int("cell_size")
        configuration.nmf.divergence = parameters.string("divergence") == "is" ? .itakuraSaito : .kullbackLeibler
        configuration.nmf.iterations = parameters.int("iterations")
        configuration.nmf.componentsPerSource = parameters.int("components_per_source")
        configuration.chunking.seconds = parameters.double("chunk_seconds")
        separation = MotionGuidedSeparation(configuration: configuration)
        imageWidth = parameters.int("image_width")
    }

    public mutating func start(_ context: NodeContext) throws {
        input = context.input?.url
    }

    public mutating func receive(_ packet: Packet, on port: Int, output: NodeOutput) throws {
        switch packet {
        case .audio(let chunk): chunks.append(chunk)
        case .video(let frame):
            videoConnected = true
            try separation.append(frame)
        default: break
        }
    }

    public mutating func finish(output: NodeOutput) throws {
        guard let audio = try AudioBuffer(joining: chunks) else {
            throw NodeError(code: .nodeFailed, message: "separate: the input has no audio, nothing to separate (video-only file?)")
        }
        chunks = []
        // Regions are reported in the source video's pixels, not the analysed frames'.
        let stream = input.flatMap { try? MediaFile.open($0.path).info.firstStream(.video) }
        let separated = try separation.separate(audio, videoWidth: stream?.width, hasVideo: stream != nil || videoConnected)
        let start = audio.startSeconds, end = audio.startSeconds + audio.durationSeconds
        if output.isConnected("notes"), !separated.notes.isEmpty {
            try output.emit(.segments(separated.notes.map { Segment(start: start, end: end, label: $0, score: 0) }), port: "notes")
        }
        try output.emit(.segments(separated.sources.map { $0.segment(start: start, end: end) }), port: "regions")
        for source in separated.sources {
            try output.emit(.audio(AudioBuffer(sampleRate: audio.sampleRate, channelLayout: audio.channelLayout, firstSample: audio.firstSample,
                                               channels: source.channels.map { SharedArray($0) })), port: "sources")
        }
        if output.isConnected("image") {
            let mixture = audio.channels.map(\.array)
            try output.emit(.image(separated.result.picture(of: mixture, firstSecond: start, plotWidth: imageWidth)), port: "image")
        }
    }
}
