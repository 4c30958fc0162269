import TandemCore
import TandemVision

/// `lip-activity`: motion energy and opening of each mouth per frame → a speaking score per face →
/// visual voice activity segments with hysteresis and padding, labelled with the face that spoke
/// (`VisualVoiceActivity.SpeakerScorer`).
///
/// `speech` is emitted once, at the end, and only when a readable face was seen — possibly empty
/// (nobody spoke). No packet at all means the picture cannot tell (no video, no face, faces too small):
/// downstream nodes then fall back to audio only. `notes` says why, in sentences. `visible` tells
/// where a readable face was on screen, so the fusion can listen unaided where none was. `openings`
/// carries each mouth's opening frame by frame, so the fusion can tell lips that move with the sound
/// from lips that only move.
public struct LipActivityNode: ConfigurableNode {
    public static let descriptor = NodeDescriptor(
        kind: "lip-activity", doc: "Lip activity per face → speaker-labelled visual speech segments (hysteresis, padding).",
        inputs: [PortSpec("video", .video, "the frames mouth-roi saw"),
                 PortSpec("mouths", .segments, "mouth-roi's per-frame mouth boxes")],
        outputs: [PortSpec("speech", .segments, "speech segments labelled face<id>, score = mean speaking score; absent when no readable face"),
                  PortSpec("notes", .segments, "bad-input findings (no face, several faces, too small, leaving the frame)"),
                  PortSpec("visible", .segments, "where a readable face was on screen (label 'visible'); absent when no readable face"),
                  PortSpec("openings", .segments, "each readable face's mouth opening, one segment per frame it was seen (label face<id>, "
                           + "score = opening): what av-fusion compares with the sound; absent when no readable face")],
        parameters: [
            ParameterSpec("on_threshold", .double(0...1), default: .double(VisualVoiceActivity.Configuration().onThreshold), "score that starts speech"),
            ParameterSpec("off_threshold", .double(0...1), default: .double(VisualVoiceActivity.Configuration().offThreshold), "score that ends speech"),
            ParameterSpec("min_speech", .double(0...10), default: .double(VisualVoiceActivity.Configuration().minSpeech), "shortest speech kept, seconds"),
            ParameterSpec("min_silence", .double(0...10), default: .double(VisualVoiceActivity.Configuration().minSilence), "shorter gaps are bridged, seconds"),
            ParameterSpec("padding", .double(0...5), default: .double(VisualVoiceActivity.Configuration().padding), "seconds added before and after speech"),
        ])

    private var scorer = VisualVoiceActivity.SpeakerScorer()
    private var configuration = VisualVoiceActivity.Configuration()
    private var pairing = FramePairing()
    private var firstFrame: MediaTime?
    private var lastFrameEnd: MediaTime?

    public init(parameters: NodeParameters) throws {
        configuration.onThreshold = parameters.double("on_threshold")
        configuration.offThreshold = parameters.double("off_threshold")
        configuration.minSpeech = parameters.double("min_speech")
        configuration.minSilence = parameters.double("min_silence")
        configuration.padding = parameters.double("padding")
        guard configuration.offThreshold <= configuration.onThreshold else {
            throw NodeError(code: .invalidParameters, message: "lip-activity: off_threshold \(configuration.offThreshold) is above on_threshold \(configuration.onThreshold)")
        }
    }

    public mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        for (frame, segments) in pairing.add(packet) {
            scorer.append(try GrayImage(frame), time: frame.seconds, mouths: segments.compactMap(FaceObservation.init(segment:)))
            firstFrame = firstFrame ?? frame.time
            lastFrameEnd = frame.time
        }
    }

    public mutating func finish(output: NodeOutput) throws {
        let report = scorer.finish(duration: nil, configuration: configuration)
        let span = (start: firstFrame ?? .zero, end: lastFrameEnd ?? .zero)
        var notes = report.notes
        if report.times.isEmpty { notes = ["no video frames (audio-only input?)"] }
        if !notes.isEmpty {
            try output.emit(.segments(notes.map { Segment(start: span.start, end: span.end, label: $0, score: 0) }), port: "notes")
        }
        if report.hasReadableFace {
            try output.emit(.segments(report.segments), port: "speech")
            try output.emit(.segments(report.visible), port: "visible")
            try output.emit(.segments(Self.openingSegments(report)), port: "openings")
        }
    }

    /// One segment per face and frame its mouth was seen: the frame's span, the face's label, its opening as the score.
    static func openingSegments(_ report: VisualVoiceActivity.SpeakerScorer.Report) -> [Segment] {
        let times = report.times
        let frame = times.count > 1 ? (times.last! - times.first!) / Double(times.count - 1) : 0.04
        return report.openings.keys.sorted().flatMap { face in
            report.openings[face]!.enumerated().compactMap { i, opening in
                opening.map { Segment(start: times[i], end: times[i] + frame, label: face, score: $0) }
            }
        }
    }
}
