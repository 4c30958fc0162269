/// The rule of `FrameSampling.fps`, in one place: at each instant first + k/rate (first: the first
/// frame's time), the frame on screen then (the last frame whose time is not after the instant),
/// for instants before the video's end (the last frame's time plus one frame duration).
///
/// Both `FrameReader` (sampling `.fps`) and the `sample-frames` node count with it, so a graph may
/// move a `sample-frames` node's choice into its decoder (which then converts only the frames it
/// keeps) without changing a single output frame.
///
/// It sees only times, in presentation order: tell it each frame's time as the frame arrives; it
/// answers how many times the frame before it is shown. A frame is kept until the next one's time
/// is known, so the caller holds one frame (unconverted) at a time.
public struct FpsSchedule: Sendable {
    /// Seconds between instants.
    public let period: Double
    private var first: Double?
    private var instant = 0
    private var heldTime: Double?
    private var frameDuration = 0.0

    /// The longest gap between two frames that is filled by repeating a frame (seconds): a jump of
    /// the timestamps (a damaged or concatenated file) would repeat the held frame for hours, so
    /// the output clock restarts at the frame after such a gap instead.
    public static let maximumGap = 600.0

    /// - Parameter rate: instants per second, positive and finite.
    public init(rate: Double) {
        period = 1 / rate
    }

    /// A frame shown from `time` (seconds) arrives; returns how many instants show the previous frame
    /// (0 for the first frame), after which this frame is the one held.
    public mutating func frameArrives(at time: Double) -> Int {
        var count = 0
        if let held = heldTime { frameDuration = max(0, time - held) }
        var first = self.first ?? time
        if time - (first + Double(instant) * period) > Self.maximumGap {
            // The held frame gets the instant it was due, then the clock restarts at this frame.
            if heldTime != nil {
                count += 1
                instant += 1
            }
            first = time - Double(instant) * period
        }
        self.first = first
        // Every instant before this frame's time shows the held frame; instants within a nanosecond
        // of a frame's time belong to that frame (rounding of pts).
        while heldTime != nil && first + Double(instant) * period < time - 1e-9 {
            count += 1
            instant += 1
        }
        heldTime = time
        return count
    }

    /// The stream ended; returns how many more instants show the last frame. It stays on screen for
    /// one frame duration (the gap before it), where the video ends: an instant at or past the end
    /// shows no frame (a 600 s video at 1 fps gives 600 frames, not 601).
    public mutating func end() -> Int {
        guard let held = heldTime, let first else { return 0 }
        let end = held + max(frameDuration, 1e-6)
        var count = 0
        while first + Double(instant) * period < end - 1e-9 {
            count += 1
            instant += 1
        }
        heldTime = nil
        return count
    }
}
