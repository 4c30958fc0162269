import TandemCore

/// `sample-frames`: keeps a subset of a frame stream — a constant rate, every n-th frame, or the
/// first n frames.
///
/// For sampling that needs the whole file (N evenly spread frames, clips, key frames) use
/// `decode`'s `sampling`, which seeks instead of decoding everything. The `fps` rule is the one
/// `FrameSampling.fps` documents: at each instant k/rate after the first frame, the frame on
/// screen then (the last frame whose time is ≤ the instant), for instants before the video's
/// end; frames repeat when the rate is higher than the video's.
public struct SampleFramesNode: ConfigurableNode {
    public static let descriptor = NodeDescriptor(
        kind: "sample-frames", doc: "Keep frames at a constant rate, every n-th frame, or the first n.",
        inputs: [PortSpec("video", .video)], outputs: [PortSpec("video", .video)],
        parameters: [
            ParameterSpec("mode", .choice(["fps", "every", "first"]), default: .string("fps"), "how frames are kept"),
            ParameterSpec("fps", .double(0.0001...1000), default: .double(1), "frames per second (mode fps)"),
            ParameterSpec("n", .int(1...1_000_000), default: .int(1), "keep every n-th frame (every) or the first n (first)"),
        ])

    private enum Mode { case fps(Double), every(Int), first(Int) }
    private let mode: Mode
    private var seen = 0
    /// For `fps`: the frame on screen so far, the first frame's time, and instants emitted.
    private var pending: VideoFrame?
    private var origin: Double?
    private var emitted = 0
    private var frameDuration = 0.0

    public init(parameters: NodeParameters) {
        mode = switch parameters.string("mode") {
        case "every": .every(parameters.int("n"))
        case "first": .first(parameters.int("n"))
        default: .fps(parameters.double("fps"))
        }
    }

    public mutating func receive(_ packet: Packet, on port: Int, output: NodeOutput) throws {
        guard case .video(let frame) = packet else { return }
        defer { seen += 1 }
        switch mode {
        case .every(let n):
            if seen % n == 0 { try output.emit(packet) }
        case .first(let n):
            if seen < n { try output.emit(packet) }
        case .fps(let rate):
            if origin == nil { origin = frame.seconds }
            if let previous = pending {
                frameDuration = max(0, frame.seconds - previous.seconds)
                // `previous` is on screen at every instant before this frame's time.
                try emitInstants(of: previous, rate: rate, output: output) { $0 < frame.seconds - 1e-9 }
            }
            pending = frame
        }
    }

    public mutating func finish(output: NodeOutput) throws {
        guard case .fps(let rate) = mode, let last = pending else { return }
        // As in `FrameReader`: the last frame stays on screen for one frame duration (the gap
        // before it), where the video ends; instants at or past the end are not emitted.
        let end = last.seconds + max(frameDuration, 1e-6)
        try emitInstants(of: last, rate: rate, output: output) { $0 < end - 1e-9 }
    }

    /// Emits `frame` for each next instant origin + k/rate (computed from k, so no drift) that passes `test`.
    private mutating func emitInstants(of frame: VideoFrame, rate: Double, output: NodeOutput, while test: (Double) -> Bool) throws {
        // Instants within a nanosecond of a frame's time belong to that frame (rounding of pts).
        guard let origin else { return }
        while test(origin + Double(emitted) / rate) {
            try output.emit(.video(frame))
            emitted += 1
        }
    }
}
