import TandemCore

/// A box that belongs to one tracked face on one frame — the face itself or its mouth — with the
/// tracker's flags, in a form that travels as a `Segment` between graph nodes.
///
/// Segment form: start = the frame's time, end = start; label `face<id> x y w h` followed by the
/// words `detected`, `partly-outside` and `too-small` when they hold; score 1 when detected on this
/// frame, 0.5 when carried by the tracker between detections.
public struct FaceObservation: Sendable, Hashable {
    public var faceID: Int
    public var box: FaceBox
    /// The detector confirmed the face on this frame (false between re-detections).
    public var detected: Bool
    public var isPartlyOutside: Bool
    public var isTooSmall: Bool

    public init(faceID: Int, box: FaceBox, detected: Bool = true, isPartlyOutside: Bool = false, isTooSmall: Bool = false) {
        self.faceID = faceID
        self.box = box
        self.detected = detected
        self.isPartlyOutside = isPartlyOutside
        self.isTooSmall = isTooSmall
    }

    /// The face a tracker returned, with its (face) box.
    public init(_ face: TrackedFace) {
        self.init(faceID: face.id, box: face.box, detected: face.detectedThisFrame, isPartlyOutside: face.isPartlyOutside,
                  isTooSmall: face.isTooSmall)
    }

    /// `face<id>`, the speaker label outputs use.
    public var label: String { "face\(faceID)" }

    /// Its segment form on the frame at `time` (the frame's exact time, its pts on the file's clock).
    public func segment(time: MediaTime) -> Segment {
        var words = [label, String(box.x), String(box.y), String(box.width), String(box.height)]
        if detected { words.append("detected") }
        if isPartlyOutside { words.append("partly-outside") }
        if isTooSmall { words.append("too-small") }
        return Segment(start: time, end: time, label: words.joined(separator: " "), score: detected ? 1 : 0.5)
    }

    /// Reads the segment form; nil when the label is not `face<id> x y w h …`.
    public init?(segment: Segment) {
        let words = segment.label.split(separator: " ").map(String.init)
        guard words.count >= 5, words[0].hasPrefix("face"), let id = Int(words[0].dropFirst(4)) else { return nil }
        let numbers = words[1...4].compactMap { Int($0) }
        guard numbers.count == 4 else { return nil }
        let flags = Set(words.dropFirst(5))
        self.init(faceID: id, box: FaceBox(x: numbers[0], y: numbers[1], width: numbers[2], height: numbers[3]),
                  detected: flags.contains("detected"), isPartlyOutside: flags.contains("partly-outside"),
                  isTooSmall: flags.contains("too-small"))
    }
}
