import Foundation
import TandemCore
import TandemVision

/// `face-track`: finds faces with OpenCV's Haar cascade and follows them across frames
/// (`FaceTracker`: smoothed boxes, re-detection every N frames, new faces confirmed over a few
/// frames, known faces continued by weaker detections).
///
/// Emits one segments packet per frame, in frame order — one `FaceObservation` segment per visible
/// face (`face<id> x y w h` + flags), empty when none — so `mouth-roi` can pair them with frames.
public struct FaceTrackNode: ConfigurableNode {
    public static let descriptor = NodeDescriptor(
        kind: "face-track", doc: "Detect faces (Haar cascade) and track them across frames; one face list per frame.",
        inputs: [PortSpec("video", .video, "frames (gray8 is cheapest)")],
        outputs: [PortSpec("faces", .segments, "per frame: one segment per face, carrying its PictureRegion (face<id>, box, confidence 1 detected / 0.5 carried, partly-outside, too-small)")],
        parameters: [
            ParameterSpec("cascade", .string, default: .string("frontalface_default"),
                          "Haar cascade: a name in /usr/share/opencv4/haarcascades (without haarcascade_ and .xml) or a path"),
            ParameterSpec("redetect_interval", .int(1...1000), default: .int(FaceTracker.Configuration().redetectInterval),
                          "run the detector every N frames; in between boxes are carried"),
            ParameterSpec("full_scan_interval", .int(1...100_000), default: .int(FaceTracker.Configuration().fullScanInterval),
                          "scan the whole frame for new faces every N frames; other re-detections look only around tracked faces"),
            ParameterSpec("smoothing", .double(0...1), default: .double(FaceTracker.Configuration().smoothing), "box smoothing (0: none)"),
            ParameterSpec("min_readable_width", .int(1...4096), default: .int(FaceTracker.Configuration().minReadableWidth),
                          "faces narrower than this (pixels) are flagged too-small"),
            ParameterSpec("confirmation_frames", .int(0...1000), default: .int(FaceTracker.Configuration().confirmationFrames),
                          "a new face is reported once re-detected on every frame for this many frames (filters transient false faces)"),
        ])

    private var tracker: FaceTracker
    private var frameIndex = 0

    public init(parameters: NodeParameters) throws {
        let name = parameters.string("cascade")
        let cascade = name.contains("/") ? try HaarCascade(contentsOf: URL(fileURLWithPath: name)) : try HaarCascade.stock(name)
        var configuration = FaceTracker.Configuration()
        configuration.redetectInterval = parameters.int("redetect_interval")
        configuration.fullScanInterval = parameters.int("full_scan_interval")
        configuration.smoothing = parameters.double("smoothing")
        configuration.minReadableWidth = parameters.int("min_readable_width")
        configuration.confirmationFrames = parameters.int("confirmation_frames")
        tracker = try FaceTracker(detector: FaceDetector(cascade: cascade), configuration: configuration)
    }

    public mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        guard case .video(let frame) = packet else { return }
        let faces = tracker.update(try GrayImage(frame), frameIndex: frameIndex)
        frameIndex += 1
        try output.emit(.segments(faces.map { FaceObservation($0).segment(time: frame.time) }))
    }
}
