/// Follows faces from frame to frame: detects every `redetectInterval` frames, associates detections
/// with existing tracks by overlap, smooths each track's box, and gives each face a stable id.
///
/// Detection is the expensive step (a cascade scan), and a talking head barely moves between
/// frames, so boxes are held between re-detections, and most re-detections scan only the
/// surroundings of the faces already tracked; the whole frame is scanned for new faces every
/// `fullScanInterval` frames (1 s at 25 fps). Smoothing (an exponential moving average of the
/// box edges) removes the few-pixel jitter of the grouped cascade boxes, which would otherwise read
/// as mouth motion downstream.
///
/// Two rules keep the cascade's false positives (a test pattern, a patterned shirt) from becoming
/// speakers, and real faces the cascade finds only weakly from being lost:
/// - a new face is *tentative* until it has been found on every detection pass for
///   `confirmationFrames` frames; tentative faces are not returned (OpenCV finds transient "faces" in
///   FFmpeg's testsrc2 pattern with the stock `minNeighbors` 3, each on one or two frames);
/// - a face already tracked is continued by a weaker group of cascade hits (`continuationNeighbors`,
///   the same scan grouped with a lower threshold) that overlaps it, so a face the detector accepts on
///   only some frames (a drawing, a profile turning) keeps its track.
///
/// ```swift
/// var tracker = try FaceTracker(detector: FaceDetector(cascade: .stock("frontalface_default")))
/// for (i, image) in frames.enumerated() { let faces = tracker.update(image, frameIndex: i) }
/// ```
public struct FaceTracker: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// Run the detector every this many frames (1 = every frame).
        public var redetectInterval: Int = 5
        /// Scan the whole frame for new faces at most every this many frames (and whenever nothing is
        /// tracked); re-detections in between scan only around the tracked faces (`searchMargin`,
        /// `searchScale`), which costs a fraction of a full scan.
        public var fullScanInterval: Int = 25
        /// Around a tracked face, the region re-scanned extends this fraction of its size on each side.
        /// Between two re-detections (0.2 s at 25 fps) a talking head moves a few percent of its size,
        /// a nod about a tenth: a quarter leaves room for both, and the region scan costs about a
        /// quarter of what a half-size margin with a 2× size range did (issue #13's speed target; the
        /// cascade scan is the largest vision cost).
        public var searchMargin: Double = 0.25
        /// Around a tracked face, faces from its width / this to its width × this are looked for
        /// (a face that grows or shrinks faster is found again by the next full scan).
        public var searchScale: Double = 1.5
        /// Weight of a new detection in the smoothed box (1 = no smoothing).
        public var smoothing: Double = 0.5
        /// Minimum intersection-over-union for a detection to continue a track.
        public var matchOverlap: Double = 0.3
        /// Re-detections a track may miss before it is dropped (the face left, or turned away).
        public var maxMissedDetections: Int = 2
        /// Faces narrower than this (pixels) are tracked but flagged too small to read lips from.
        public var minReadableWidth: Int = 32
        /// Frames a new face must keep being re-detected (every pass, no miss) before it is reported;
        /// 0 reports faces from their first detection.
        public var confirmationFrames: Int = 10
        /// `minNeighbors` of the weaker grouping that may continue an existing track (≥ 0; values at or
        /// above the detector's own make continuation as strict as detection).
        public var continuationNeighbors: Int = 1
        public init() {}
    }

    public let detector: FaceDetector
    public var configuration: Configuration
    public private(set) var tracks: [TrackedFace] = []
    private var nextID = 0
    private var smoothed: [Int: (x: Double, y: Double, w: Double, h: Double)] = [:]
    private var lastFullScan: Int?

    /// - Throws: `VisionError(.invalidParameter)` for a non-positive interval or a smoothing weight outside (0, 1].
    public init(detector: FaceDetector, configuration: Configuration = Configuration()) throws {
        guard configuration.redetectInterval >= 1 else {
            throw VisionError(.invalidParameter, "redetectInterval \(configuration.redetectInterval) must be ≥ 1")
        }
        guard configuration.fullScanInterval >= 1, configuration.searchMargin >= 0, configuration.searchScale >= 1 else {
            throw VisionError(.invalidParameter, "fullScanInterval \(configuration.fullScanInterval) must be ≥ 1, searchMargin "
                              + "\(configuration.searchMargin) ≥ 0 and searchScale \(configuration.searchScale) ≥ 1")
        }
        guard configuration.smoothing > 0, configuration.smoothing <= 1 else {
            throw VisionError(.invalidParameter, "smoothing \(configuration.smoothing) must be in (0, 1]")
        }
        self.detector = detector
        self.configuration = configuration
    }

    /// Advances to the next frame, detecting when due (or when a face awaits confirmation).
    /// - Returns: the confirmed tracks after this frame, by id.
    @discardableResult
    public mutating func update(_ image: GrayImage, frameIndex: Int) -> [TrackedFace] {
        // Tentative faces are re-checked on every frame (around where they were found), so confirmation
        // takes `confirmationFrames` frames however sparse the re-detections of known faces are. With
        // nothing tracked the frame is scanned every `redetectInterval` frames, not every frame: slides
        // and pictures without faces are common and would cost a full scan a frame.
        let due = frameIndex % configuration.redetectInterval == 0 || tracks.contains { !$0.isConfirmed }
        guard due else {
            for i in tracks.indices { tracks[i].lastFrame = frameIndex; tracks[i].detectedThisFrame = false }
            return confirmedTracks
        }
        // One scan, grouped twice: strictly for new faces, leniently to continue known ones. The scan
        // covers the whole frame when one is due, else only the tracked faces' surroundings.
        let fullScan = tracks.isEmpty || lastFullScan.map { frameIndex - $0 >= configuration.fullScanInterval } ?? true
        if fullScan { lastFullScan = frameIndex }
        let candidates = fullScan ? detector.candidates(in: image) : tracks.flatMap { track in
            let box = track.box, margin = configuration.searchMargin, scale = configuration.searchScale
            let region = FaceBox(x: box.x - Int(margin * Double(box.width)), y: box.y - Int(margin * Double(box.height)),
                                 width: box.width + 2 * Int(margin * Double(box.width)),
                                 height: box.height + 2 * Int(margin * Double(box.height)))
            let lower = max(1, Int(Double(box.width) / scale)), upper = max(lower, Int((Double(box.width) * scale).rounded(.up)))
            return detector.candidates(in: image, region: region, sizes: lower...upper)
        }
        func grouped(_ threshold: Int) -> [FaceBox] {
            FaceDetector.groupRectangles(candidates, threshold: threshold, eps: 0.2)
                .compactMap { $0.clipped(width: image.width, height: image.height) }
        }
        let strong = grouped(detector.minNeighbors)
        let weakThreshold = min(detector.minNeighbors, configuration.continuationNeighbors)
        let weak = tracks.isEmpty || weakThreshold == detector.minNeighbors ? [] : grouped(weakThreshold)
        associate(strong, continuing: weak, frameIndex: frameIndex, width: image.width, height: image.height)
        return confirmedTracks
    }

    /// The tracks that passed confirmation (what `update` returns).
    public var confirmedTracks: [TrackedFace] { tracks.filter(\.isConfirmed) }

    /// The association step alone: continues tracks with `detections` (matched greedily by overlap,
    /// best pairs first), then tracks still unmatched with `continuing` (weaker detections), starts
    /// tentative tracks for unmatched `detections`, confirms tentative tracks found long enough, and
    /// drops tracks that missed too many re-detections (tentative ones: any) or lie wholly outside the frame.
    /// - Returns: every track, tentative ones included.
    @discardableResult
    public mutating func associate(_ detections: [FaceBox], continuing weak: [FaceBox] = [], frameIndex: Int,
                                   width: Int, height: Int) -> [TrackedFace] {
        func pairs(_ boxes: [FaceBox], skipping taken: Set<Int>) -> [(overlap: Double, track: Int, detection: Int)] {
            var pairs: [(overlap: Double, track: Int, detection: Int)] = []
            for (t, track) in tracks.enumerated() where !taken.contains(t) {
                for (d, box) in boxes.enumerated() {
                    let o = track.box.overlap(box)
                    if o >= configuration.matchOverlap { pairs.append((o, t, d)) }
                }
            }
            return pairs.sorted { $0.overlap > $1.overlap }
        }
        var trackTaken = Set<Int>(), detectionTaken = Set<Int>(), weakTaken = Set<Int>()
        var matches: [(track: Int, box: FaceBox)] = []
        for pair in pairs(detections, skipping: []) where !trackTaken.contains(pair.track) && !detectionTaken.contains(pair.detection) {
            trackTaken.insert(pair.track)
            detectionTaken.insert(pair.detection)
            matches.append((pair.track, detections[pair.detection]))
        }
        for pair in pairs(weak, skipping: trackTaken) where !trackTaken.contains(pair.track) && !weakTaken.contains(pair.detection) {
            trackTaken.insert(pair.track)
            weakTaken.insert(pair.detection)
            matches.append((pair.track, weak[pair.detection]))
        }
        for (track, box) in matches {
            let id = tracks[track].id
            let a = configuration.smoothing
            var s = smoothed[id] ?? (Double(box.x), Double(box.y), Double(box.width), Double(box.height))
            s = (s.x + a * (Double(box.x) - s.x), s.y + a * (Double(box.y) - s.y),
                 s.w + a * (Double(box.width) - s.w), s.h + a * (Double(box.height) - s.h))
            smoothed[id] = s
            tracks[track].box = FaceBox(x: Int(s.x.rounded()), y: Int(s.y.rounded()), width: Int(s.w.rounded()), height: Int(s.h.rounded()))
            tracks[track].missedDetections = 0
            tracks[track].detectedThisFrame = true
            if frameIndex - tracks[track].firstFrame >= configuration.confirmationFrames { tracks[track].isConfirmed = true }
        }
        for t in tracks.indices where !trackTaken.contains(t) {
            tracks[t].missedDetections += 1
            tracks[t].detectedThisFrame = false
        }
        for (d, box) in detections.enumerated() where !detectionTaken.contains(d) {
            // A detection overlapping a track that a weaker group continued is that face, not a new one.
            if tracks.contains(where: { $0.box.overlap(box) >= configuration.matchOverlap }) { continue }
            tracks.append(TrackedFace(id: nextID, box: box, firstFrame: frameIndex, lastFrame: frameIndex,
                                      isConfirmed: configuration.confirmationFrames <= 0))
            smoothed[nextID] = (Double(box.x), Double(box.y), Double(box.width), Double(box.height))
            nextID += 1
        }
        tracks.removeAll { track in
            let allowed = track.isConfirmed ? configuration.maxMissedDetections : 0
            let gone = track.missedDetections > allowed || track.box.clipped(width: width, height: height) == nil
            if gone { smoothed[track.id] = nil }
            return gone
        }
        for i in tracks.indices {
            tracks[i].lastFrame = frameIndex
            let visible = tracks[i].box.clipped(width: width, height: height)?.area ?? 0
            tracks[i].isPartlyOutside = visible < tracks[i].box.area
            tracks[i].isTooSmall = tracks[i].box.width < configuration.minReadableWidth
        }
        tracks.sort { $0.id < $1.id }
        return tracks
    }
}

/// One face followed across frames.
public struct TrackedFace: Sendable, Hashable {
    /// Stable for the life of the track; a face that leaves and comes back gets a new id.
    public var id: Int
    /// The smoothed box in frame pixels (may extend past the frame edge).
    public var box: FaceBox
    public var firstFrame: Int
    public var lastFrame: Int
    /// Consecutive re-detections without a matching detection.
    public var missedDetections: Int = 0
    /// Whether the detector confirmed the face on this frame (false between re-detections).
    public var detectedThisFrame: Bool = true
    /// Re-detected for `confirmationFrames` since it appeared: a face, not a passing false positive.
    public var isConfirmed: Bool = true
    /// The box crosses the frame edge: the face is entering or leaving.
    public var isPartlyOutside: Bool = false
    /// Narrower than `Configuration.minReadableWidth`: lip activity from it is unreliable.
    public var isTooSmall: Bool = false

    /// A label for outputs, e.g. `face0`.
    public var label: String { "face\(id)" }
}
