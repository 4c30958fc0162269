/// Which frames of a video make up a clip.
///
/// `kinetics` is the official TimeSformer test protocol (facebookresearch/TimeSformer
/// `datasets/decoder.py`): a clip spans `samplingRate · frames` frames at `targetFPS`
/// (8 × 32 at 30 fps ≈ 8.5 s), the video is split into `clips` equal start offsets
/// (start = delta · i / clips, so one clip starts at frame 0), and `frames` indices are spread with
/// `linspace(start, start + span − 1)`, clamped to the video and truncated.
public struct ClipSampler: Sendable, Hashable {
    public enum Strategy: Sendable, Hashable {
        /// The official Kinetics test sampling.
        case kinetics(samplingRate: Int, targetFPS: Double)
        /// `frames` indices from first to last frame inclusive: trunc(linspace(0, n − 1, frames)).
        case uniform
        /// The video cut into `frames` equal segments, the middle frame of each (TSN test sampling).
        case segments
    }

    public var strategy: Strategy
    /// Frames per clip (8 for the base checkpoints).
    public var frames: Int
    /// Temporal clips per video (views are these × the spatial crops).
    public var clips: Int

    public init(strategy: Strategy, frames: Int, clips: Int = 1) {
        precondition(frames > 0 && clips > 0)
        self.strategy = strategy
        self.frames = frames
        self.clips = clips
    }

    /// The base checkpoints' test setting: 8 frames every 32 at 30 fps, one clip.
    public static let kineticsTest = ClipSampler(strategy: .kinetics(samplingRate: 32, targetFPS: 30), frames: 8)

    /// Frame indices of every clip of a video with `frameCount` frames at `fps`.
    public func clipIndices(frameCount: Int, fps: Double) -> [[Int]] {
        guard frameCount > 0 else { return [] }
        switch strategy {
        case .kinetics(let samplingRate, let targetFPS):
            let span = Double(samplingRate * frames) / targetFPS * fps
            let delta = max(Double(frameCount) - span, 0)
            return (0..<clips).map { clip in
                let start = delta * Double(clip) / Double(clips)
                return Self.linspace(start, start + span - 1, frames).map { min(max($0, 0), Double(frameCount - 1)) }.map { Int($0) }
            }
        case .uniform:
            let indices = Self.linspace(0, Double(frameCount - 1), frames).map { Int($0) }
            return [[Int]](repeating: indices, count: clips)
        case .segments:
            let segment = Double(frameCount) / Double(frames)
            let indices = (0..<frames).map { min(Int(segment * Double($0) + segment / 2), frameCount - 1) }
            return [[Int]](repeating: indices, count: clips)
        }
    }

    /// `torch.linspace` in double: `count` values from `start` to `end` inclusive.
    static func linspace(_ start: Double, _ end: Double, _ count: Int) -> [Double] {
        guard count > 1 else { return [start] }
        let step = (end - start) / Double(count - 1)
        return (0..<count).map { start + step * Double($0) }
    }
}
