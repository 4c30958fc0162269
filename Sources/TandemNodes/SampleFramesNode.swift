import TandemCore
import TandemMedia

/// `sample-frames`: keeps a subset of a frame stream — a constant rate, every n-th frame, or the
/// first n frames.
///
/// For sampling that needs the whole file (N evenly spread frames, clips, key frames) use
/// `decode`'s `sampling`, which seeks instead of decoding everything. The `fps` rule is
/// `FpsSchedule`'s, the one `FrameSampling.fps` uses: at each instant k/rate after the first frame,
/// the frame on screen then (the last frame whose time is ≤ the instant), for instants before the
/// video's end; frames repeat when the rate is higher than the video's.
///
/// The choice depends on frame order and times only, so when this node reads a `decode` node's video
/// and nothing else does, the graph hands the choice to the decoder (`FrameSelectingNode`): frames this
/// node would drop are then never scaled or converted, and this node passes the rest through. Pipeline
/// files mean the same either way; they only run faster.
public struct SampleFramesNode: ConfigurableNode, FrameSelectingNode {
    public static let descriptor = NodeDescriptor(
        kind: "sample-frames", doc: "Keep frames at a constant rate, every n-th frame, or the first n.",
        inputs: [PortSpec("video", .video)], outputs: [PortSpec("video", .video)],
        parameters: [
            ParameterSpec("mode", .choice(["fps", "every", "first"]), default: .string("fps"), "how frames are kept"),
            ParameterSpec("fps", .double(0.0001...1000), default: .double(1), "frames per second (mode fps)"),
            ParameterSpec("n", .int(1...1_000_000), default: .int(1), "keep every n-th frame (every) or the first n (first)"),
        ])

    public let frameSelection: FrameSelection
    /// True once the producer makes the choice: every frame that arrives is kept.
    private var passThrough = false
    private var seen = 0
    /// For `fps`: the schedule, and the frame on screen so far.
    private var schedule: FpsSchedule?
    private var pending: VideoFrame?

    public init(parameters: NodeParameters) {
        frameSelection = switch parameters.string("mode") {
        case "every": .every(parameters.int("n"))
        case "first": .first(parameters.int("n"))
        default: .fps(parameters.double("fps"))
        }
        if case .fps(let rate) = frameSelection { schedule = FpsSchedule(rate: rate) }
    }

    public mutating func selectionMovedUpstream() { passThrough = true }

    public mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        guard case .video(let frame) = packet else { return }
        if passThrough {
            try output.emit(packet)
            return
        }
        defer { seen += 1 }
        switch frameSelection {
        case .every(let n):
            if seen % n == 0 { try output.emit(packet) }
        case .first(let n):
            if seen < n { try output.emit(packet) }
        case .fps:
            // `pending` is on screen at every instant before this frame's time.
            let repeats = schedule?.frameArrives(at: frame.seconds) ?? 0
            if let previous = pending {
                for _ in 0..<repeats { try output.emit(.video(previous)) }
            }
            pending = frame
        }
    }

    public mutating func finish(output: NodeOutput) throws {
        guard let last = pending, let count = schedule?.end() else { return }
        for _ in 0..<count { try output.emit(.video(last)) }
    }
}
