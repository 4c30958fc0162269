/// A region of the picture that a result belongs to — a player a separated source came from, a tracked
/// face or its mouth on one frame — carried typed by its segment (`Segment.region`), so a consumer reads
/// the box and the flags instead of parsing them back out of a label.
public struct PictureRegion: Sendable, Equatable, Codable {
    /// An axis-aligned rectangle in pixels: the source video's for a separated player, the analysed frame's
    /// (the frames the face tracker received) for a face or its mouth.
    public struct Box: Sendable, Hashable, Codable {
        public var x: Int
        public var y: Int
        public var width: Int
        public var height: Int

        public init(x: Int, y: Int, width: Int, height: Int) {
            self.x = x
            self.y = y
            self.width = width
            self.height = height
        }
    }

    /// The region's name (`motion0`, `region1`, `source0`), also used to name its outputs.
    public var label: String
    /// Where it is; nil when there is no picture to point at (an audio-only split).
    public var box: Box?
    /// How sure the producer is that this region's result is right, 0…1.
    public var confidence: Double
    /// The region moved but none of the sound is its: consumers write no file for it.
    public var silent: Bool
    /// Seconds in which its result sounded, when measured.
    public var soundingSeconds: Double?
    /// Seconds in which the region moved, when measured.
    public var movingSeconds: Double?
    /// The box reaches past the picture's edge (a face partly outside the frame).
    public var isPartlyOutside: Bool
    /// The region is too small to read (a face too far away to see its lips).
    public var isTooSmall: Bool

    public init(label: String, box: Box? = nil, confidence: Double, silent: Bool = false,
                soundingSeconds: Double? = nil, movingSeconds: Double? = nil, isPartlyOutside: Bool = false, isTooSmall: Bool = false) {
        self.label = label
        self.box = box
        self.confidence = confidence
        self.silent = silent
        self.soundingSeconds = soundingSeconds
        self.movingSeconds = movingSeconds
        self.isPartlyOutside = isPartlyOutside
        self.isTooSmall = isTooSmall
    }
}

extension Segment {
    /// A segment over `start…end` that carries `region`, with the label and score set from it (its name
    /// and confidence) for consumers that only read those.
    public init(start: MediaTime, end: MediaTime, region: PictureRegion) {
        self.init(start: start, end: end, label: region.label, score: region.confidence)
        self.region = region
    }

    /// A segment over `start…end` seconds that carries `region` (see `init(start:end:region:)` with exact times).
    public init(start: Double, end: Double, region: PictureRegion) {
        self.init(start: MediaTime(seconds: start), end: MediaTime(seconds: end), region: region)
    }
}
