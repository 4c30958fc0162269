import TandemCore

/// A box that belongs to one tracked face on one frame — the face itself or its mouth — with the
/// tracker's flags, in a form that travels as a `Segment` between graph nodes.
///
/// Segment form: start = end = the frame's exact time; a typed `PictureRegion` labelled `face<id>` with
/// the box and the flags (`isPartlyOutside`, `isTooSmall`), confidence (and score) 1 when detected on
/// this frame, 0.5 when carried by the tracker between detections.
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
        Segment(start: time, end: time, region: PictureRegion(label: label, box: box, confidence: detected ? 1 : 0.5,
                                                              isPartlyOutside: isPartlyOutside, isTooSmall: isTooSmall))
    }

    /// Reads the segment form; nil when the segment carries no region with a box labelled `face<id>`.
    public init?(segment: Segment) {
        guard let region = segment.region, let box = region.box, region.label.hasPrefix("face"),
              let id = Int(region.label.dropFirst(4)) else { return nil }
        self.init(faceID: id, box: box, detected: region.confidence >= 1, isPartlyOutside: region.isPartlyOutside,
                  isTooSmall: region.isTooSmall)
    }
}
