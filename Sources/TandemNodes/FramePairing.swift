import TandemCore

/// Pairs each video frame with the per-frame segments packet a face node emitted for it.
///
/// `face-track` and `mouth-roi` emit exactly one segments packet per frame, in frame order (empty
/// when no face is visible). A packet without segments has no media time, so the engine may deliver
/// it before its frame; pairing by position in each stream, not by time, is therefore exact.
struct FramePairing {
    private var frames: [VideoFrame] = []
    private var observations: [[Segment]] = []

    /// Adds a packet; returns the pairs now complete, in frame order.
    mutating func add(_ packet: Packet) -> [(frame: VideoFrame, segments: [Segment])] {
        switch packet {
        case .video(let frame): frames.append(frame)
        case .segments(let segments): observations.append(segments)
        default: return []
        }
        let count = min(frames.count, observations.count)
        guard count > 0 else { return [] }
        let pairs = (0..<count).map { (frames[$0], observations[$0]) }
        frames.removeFirst(count)
        observations.removeFirst(count)
        return pairs
    }

    /// Frames or packets left without a partner at the end of the streams.
    var unpaired: Int { frames.count + observations.count }
}
