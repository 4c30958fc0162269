/// Which frames `FrameReader` returns.
///
/// Encoded as a flat object with a `kind`, so pipeline files can state it:
/// `{kind: uniform, count: 8}`, `{kind: clips, count: 1, frames: 8, stride: 32}`, `{kind: fps, rate: 2}`.
/// Index-based strategies (`uniform`, `segments`, `clips`, `timestamps`) count frames with the
/// file's packet index, never with header frame counts, and seek; the frames they return are
/// exactly those a full decode yields at the same indices.
public enum FrameSampling: Sendable, Hashable {
    /// Every frame, in order.
    case all
    /// A constant output rate: at each instant k/rate after the first frame, the frame on screen
    /// then (the last frame whose time is ≤ the instant). Frames repeat when the rate is higher than
    /// the video's, and variable-frame-rate input comes out at a constant rate. Only instants before
    /// the video's end (the last frame's time plus one frame duration) are emitted: a 600 s video at
    /// 1 fps gives 600 frames.
    case fps(Double)
    /// `count` frames evenly spread from the first to the last frame: index round(k·(N−1)/(count−1)).
    case uniform(count: Int)
    /// The middle frame of each of `count` equal segments (TSN's test-time sampling):
    /// index floor((k + 0.5)·N/count).
    case segments(count: Int)
    /// `count` clips of `frames` frames each `stride` apart, clip starts evenly spread over the
    /// video (one clip: centered). Indices past the end repeat the last frame. Clips come out in order.
    case clips(count: Int, frames: Int, stride: Int)
    /// Key frames only, decoded with `skip_frame = AVDISCARD_NONKEY` (much faster than a full decode).
    /// Files whose packets lack timestamps (AVI with packed B-frames) are decoded in full instead,
    /// so that the key frames still carry their true frame index.
    case keyframes
    /// The frame on screen at each time (seconds on the file's clock), in the order given.
    case timestamps([Double])
    /// A frame whenever the picture changes by more than `threshold` (mean absolute difference of
    /// 32×32 gray thumbnails, 0…1) from the previous frame; the first frame always.
    case scene(threshold: Double)

    /// Frame indices to return, in output order, for a video of `frameCount` frames; `nil` for the
    /// strategies that decide while decoding (`all`, `fps`, `keyframes`, `scene`, `timestamps`).
    func indices(frameCount n: Int) -> [Int]? {
        guard n > 0 else { return [] }
        switch self {
        case .uniform(let count):
            guard count > 0 else { return [] }
            if count == 1 { return [(n - 1) / 2] }
            return (0..<count).map { k in Int((Double(k) * Double(n - 1) / Double(count - 1)).rounded()) }
        case .segments(let count):
            guard count > 0 else { return [] }
            return (0..<count).map { k in min(n - 1, Int((Double(k) + 0.5) * Double(n) / Double(count))) }
        case .clips(let count, let frames, let stride):
            guard count > 0, frames > 0, stride > 0 else { return [] }
            let span = (frames - 1) * stride + 1
            let room = max(0, n - span)
            let starts = count == 1 ? [room / 2] : (0..<count).map { k in Int((Double(k) * Double(room) / Double(count - 1)).rounded()) }
            return starts.flatMap { start in (0..<frames).map { f in min(n - 1, start + f * stride) } }
        case .all, .fps, .keyframes, .timestamps, .scene:
            return nil
        }
    }
}

extension FrameSampling: Codable {
    private enum Keys: String, CodingKey { case kind, rate, count, frames, stride, seconds, threshold }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let kind = try c.decode(String.self, forKey: .kind)
        switch kind {
        case "all": self = .all
        case "fps": self = .fps(try c.decode(Double.self, forKey: .rate))
        case "uniform": self = .uniform(count: try c.decode(Int.self, forKey: .count))
        case "segments": self = .segments(count: try c.decode(Int.self, forKey: .count))
        case "clips":
            self = .clips(count: try c.decodeIfPresent(Int.self, forKey: .count) ?? 1,
                          frames: try c.decode(Int.self, forKey: .frames), stride: try c.decodeIfPresent(Int.self, forKey: .stride) ?? 1)
        case "keyframes": self = .keyframes
        case "timestamps": self = .timestamps(try c.decode([Double].self, forKey: .seconds))
        case "scene": self = .scene(threshold: try c.decodeIfPresent(Double.self, forKey: .threshold) ?? 0.3)
        default:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription:
                "unknown frame sampling \(kind) (all, fps, uniform, segments, clips, keyframes, timestamps, scene)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case .all: try c.encode("all", forKey: .kind)
        case .fps(let rate): try c.encode("fps", forKey: .kind); try c.encode(rate, forKey: .rate)
        case .uniform(let count): try c.encode("uniform", forKey: .kind); try c.encode(count, forKey: .count)
        case .segments(let count): try c.encode("segments", forKey: .kind); try c.encode(count, forKey: .count)
        case .clips(let count, let frames, let stride):
            try c.encode("clips", forKey: .kind)
            try c.encode(count, forKey: .count)
            try c.encode(frames, forKey: .frames)
            try c.encode(stride, forKey: .stride)
        case .keyframes: try c.encode("keyframes", forKey: .kind)
        case .timestamps(let seconds): try c.encode("timestamps", forKey: .kind); try c.encode(seconds, forKey: .seconds)
        case .scene(let threshold): try c.encode("scene", forKey: .kind); try c.encode(threshold, forKey: .threshold)
        }
    }
}
