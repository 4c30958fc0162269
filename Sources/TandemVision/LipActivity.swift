/// How much one face's lips move, frame by frame, and a 0…1 speaking score from it.
///
/// Two cues, both from the mouth region resampled to a fixed patch (so a face moving towards the
/// camera does not change the scale of the numbers):
/// - **motion energy**: the mean absolute difference between this frame's and the previous frame's
///   patch, both cut at this frame's mouth box and aligned by the best small shift
///   (`alignedDifference`), which rises whenever lips, jaw or tongue move but not when the tracked box
///   jumps (a re-detection, the smile cascade moving the mouth), jitters or the head moves as a whole;
/// - **opening**: the depth of the darkest horizontal band in the patch's vertical intensity profile
///   (the gap between open lips is darker than lips and skin), normalised by the patch brightness;
///   its frame-to-frame change tracks the open–close rhythm of syllables (3–8 Hz).
///
/// The speaking score is `a / (a + c)` of the smoothed activity `a = motion + w·|Δopening|`, with
/// `c` the larger of a fixed floor and twice the activity's 10th percentile (the still-face level),
/// so it reads 0.5 where activity is twice what a resting face shows.
public struct LipActivity: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// Patch the mouth box is resampled to.
        public var patchWidth = 48
        public var patchHeight = 32
        /// Moving-average length in frames (5 frames = 0.2 s at 25 fps: about one syllable).
        public var smoothingFrames = 5
        /// Weight of the opening change relative to motion energy.
        public var openingWeight: Float = 1
        /// Lowest activity scale `c`, in the 0…1 units of `MotionEnergy` (≈ 1 grey level).
        public var activityFloor: Float = 0.004
        /// Largest shift (patch pixels, ≈ 4 % of the mouth width each way) compensated before
        /// differencing consecutive patches, so face-box jitter and head motion do not read as lip motion.
        public var maxShift = 2
        /// A face where never more than this fraction of the pixels changes by over 16 grey levels
        /// between consecutive frames, for 3 frames in a row, is a still picture (`isStill`). A blink
        /// or a moving mouth changes several percent of a face; codec noise on a photograph almost none.
        public var stillChange: Float = 0.002
        public init() {}
    }

    public var configuration: Configuration
    /// Per frame: mean absolute patch difference (0…1), 0 for the first frame and frames without a face.
    public private(set) var motion: [Float] = []
    /// Per frame: how much the dark-gap depth changed since the previous frame, both measured at this
    /// frame's box (0 for the first frame and frames without a face).
    public private(set) var openingChange: [Float] = []
    /// Per frame: the dark-gap depth itself (`opening`; 0 for frames without a face). A nod moves the whole
    /// mouth and leaves it alike; syllables open and close it, so it is what follows the sound (`LipSync`).
    public private(set) var opening: [Float] = []
    /// Per frame: the fraction of the whole face region (estimated from the mouth box) that changed by
    /// over 16 grey levels since the previous frame, at this frame's box; 0 for the first frame and frames without a face.
    public private(set) var faceChange: [Float] = []
    /// Per frame: whether a mouth was seen (false frames score 0).
    public private(set) var present: [Bool] = []
    public private(set) var times: [Double] = []
    /// The previous frame, whole: its patch is cut again at the current box, so a box that moves
    /// between frames compares the same place in both.
    private var previous: GrayImage?

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Adds a frame with the mouth at `mouth` (frame pixels; clipped to the image).
    public mutating func append(_ image: GrayImage, mouth: FaceBox, time: Double) {
        guard let visible = mouth.clipped(width: image.width, height: image.height), visible.width >= 2, visible.height >= 2 else {
            appendMissing(time: time)
            return
        }
        func patch(of frame: GrayImage) -> GrayImage {
            MouthROI.resample(frame, centerX: mouth.centerX, centerY: mouth.centerY, side: Double(mouth.width),
                              width: configuration.patchWidth, height: configuration.patchHeight, sideY: Double(mouth.height))
        }
        let current = patch(of: image)
        let open = Self.opening(current)
        var energy: Float = 0, change: Float = 0
        if let previous, previous.width == image.width, previous.height == image.height {
            let before = patch(of: previous)
            energy = Self.alignedDifference(before, current, maxShift: configuration.maxShift)
            change = abs(open - Self.opening(before))
        }
        faceChange.append(previous.map { Self.regionChange($0, image, around: mouth) } ?? 0)
        previous = image
        motion.append(energy)
        openingChange.append(change)
        opening.append(open)
        present.append(true)
        times.append(time)
    }

    /// Adds a frame where this face's mouth is not visible.
    public mutating func appendMissing(time: Double) {
        previous = nil
        motion.append(0)
        faceChange.append(0)
        openingChange.append(0)
        opening.append(0)
        present.append(false)
        times.append(time)
    }

    /// Motion of the mouth relative to the face: the mean absolute difference of two patches after
    /// the best whole-patch shift of at most `maxShift` pixels each way (compared over the interior
    /// both shifted patches cover), scaled to 0…1.
    ///
    /// The mouth box follows the tracked face box, which the tracker moves by a pixel or two at each
    /// re-detection and which lags a moving head; a plain difference reads those moves as lip motion.
    /// A rigid shift cannot open a mouth, so the best-aligned difference keeps lip motion and drops box
    /// jitter and head motion.
    /// - Complexity: O((2·maxShift + 1)² · patch pixels).
    public static func alignedDifference(_ a: GrayImage, _ b: GrayImage, maxShift: Int) -> Float {
        precondition(a.width == b.width && a.height == b.height, "patches of one size")
        let m = max(0, min(maxShift, min(a.width, a.height) / 4))
        let x0 = m, x1 = a.width - m, y0 = m, y1 = a.height - m
        guard x1 > x0, y1 > y0 else { return 0 }
        var best = Int.max
        for dy in -m...m {
            for dx in -m...m {
                var sum = 0
                for y in y0..<y1 {
                    let rowA = (y + dy) * a.width + dx, rowB = y * b.width
                    for x in x0..<x1 { sum += abs(Int(a.pixels[rowA + x]) - Int(b.pixels[rowB + x])) }
                    if sum >= best { break }
                }
                best = min(best, sum)
            }
        }
        return Float(best) / Float((x1 - x0) * (y1 - y0)) / 255
    }

    /// Whether the face never changed: a photograph (podcast cover art, a poster) or a false face on a
    /// still background. Its lips cannot say when anyone speaks. A live face blinks, breathes or moves
    /// its head now and then (`faceChange` above `stillChange`), and a speaking mouth moves however
    /// faint its contrast (`motion` above `activityFloor`); a change must last 3 frames, so one-frame
    /// flicker (a video keyframe) does not count.
    public var isStill: Bool {
        guard motion.count >= 3 else { return false }
        func sustained(_ values: [Float], above limit: Float) -> Bool {
            (1..<(values.count - 1)).contains { i in [values[i - 1], values[i], values[i + 1]].sorted()[1] > limit }
        }
        return !sustained(faceChange, above: configuration.stillChange) && !sustained(motion, above: configuration.activityFloor)
    }

    /// The fraction of pixels (every second one each way) that differ by over 16 grey levels between
    /// two same-sized frames, over the face that `mouth` belongs to (the mouth is the lower middle of
    /// the face: `MouthROI.geometricRegion`). A count of clearly changed pixels, not a mean: a mouth or
    /// an eye is a small part of the face, and a mean would drown it in the still rest.
    static func regionChange(_ a: GrayImage, _ b: GrayImage, around mouth: FaceBox) -> Float {
        guard a.width == b.width, a.height == b.height else { return 1 }
        let faceWidth = 2 * Double(mouth.width), faceHeight = Double(mouth.height) / 0.3
        let face = FaceBox(x: Int(mouth.centerX - faceWidth / 2), y: Int(Double(mouth.y) - 0.62 * faceHeight),
                           width: Int(faceWidth), height: Int(faceHeight))
        guard let region = face.clipped(width: a.width, height: a.height) else { return 0 }
        var changed = 0, count = 0
        for y in stride(from: region.y, to: region.y + region.height, by: 2) {
            for x in stride(from: region.x, to: region.x + region.width, by: 2) {
                if abs(Int(a.pixels[y * a.width + x]) - Int(b.pixels[y * b.width + x])) > 16 { changed += 1 }
                count += 1
            }
        }
        return count > 0 ? Float(changed) / Float(count) : 0
    }

    /// Dark-gap depth: over the central half of the columns, (mean row brightness − darkest row) / (mean + 1).
    public static func opening(_ patch: GrayImage) -> Float {
        let x0 = patch.width / 4, x1 = max(x0 + 1, patch.width - patch.width / 4)
        var profile: [Float] = []
        for y in 0..<patch.height {
            var sum = 0
            for x in x0..<x1 { sum += Int(patch.pixels[y * patch.width + x]) }
            profile.append(Float(sum) / Float(x1 - x0))
        }
        let mean = profile.reduce(0, +) / Float(max(1, profile.count))
        return max(0, (mean - (profile.min() ?? mean)) / (mean + 1))
    }

    /// Smoothed activity per frame: moving average of motion plus weighted |Δopening|.
    public func activity() -> [Float] {
        let n = motion.count
        guard n > 0 else { return [] }
        var raw = [Float](repeating: 0, count: n)
        for i in 0..<n where present[i] {
            raw[i] = motion[i] + configuration.openingWeight * openingChange[i]
        }
        let half = max(0, configuration.smoothingFrames / 2)
        var prefix = [Float](repeating: 0, count: n + 1)
        for i in 0..<n { prefix[i + 1] = prefix[i] + raw[i] }
        return (0..<n).map { i in
            let lo = max(0, i - half), hi = min(n, i + half + 1)
            return (prefix[hi] - prefix[lo]) / Float(hi - lo)
        }
    }

    /// Speaking score per frame in 0…1 (0 where no mouth was seen).
    public func speakingScores() -> [Double] {
        let a = activity()
        guard !a.isEmpty else { return [] }
        let seen = zip(a, present).filter(\.1).map(\.0).sorted()
        let p10 = seen.isEmpty ? 0 : seen[min(seen.count - 1, seen.count / 10)]
        let c = Double(max(configuration.activityFloor, 2 * p10))
        return zip(a, present).map { value, seen in seen ? Double(value) / (Double(value) + c) : 0 }
    }
}
