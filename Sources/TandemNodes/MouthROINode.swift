import TandemCore
import TandemVision

/// `mouth-roi`: places each tracked face's mouth (`MouthPlacer`: face geometry refined by the smile
/// cascade) and optionally cuts the normalised 88×88 grayscale mouth crop AV-HuBERT / Auto-AVSR take.
///
/// Pairs frames with `face-track`'s per-frame packets by position (`FramePairing`) and emits, per
/// frame, one segments packet of mouth boxes (same label form as the faces, the box the mouth's).
public struct MouthROINode: ConfigurableNode {
    public static let descriptor = NodeDescriptor(
        kind: "mouth-roi", doc: "Place each tracked face's mouth; per frame mouth boxes, optionally 88×88 normalised crops.",
        inputs: [PortSpec("video", .video, "the frames face-track saw"),
                 PortSpec("faces", .segments, "face-track's per-frame face lists")],
        outputs: [PortSpec("mouths", .segments, "per frame: one segment per face, carrying a PictureRegion face<id> with the mouth's box"),
                  PortSpec("crops", .tensor, "per face and frame: [1, 88, 88] normalised mouth crop (mean 0.421, std 0.165)")],
        parameters: [
            ParameterSpec("refine", .bool, default: .bool(true), "refine the geometric mouth with the smile cascade"),
        ])

    private var placer: VisualVoiceActivity.MouthPlacer
    private var pairing = FramePairing()

    public init(parameters: NodeParameters) throws {
        placer = try parameters.bool("refine") ? VisualVoiceActivity.MouthPlacer() : VisualVoiceActivity.MouthPlacer(mouth: MouthROI())
    }

    public mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        let cropsWanted = output.isConnected("crops")
        for (frame, segments) in pairing.add(packet) {
            let image = try GrayImage(frame)
            let mouths = segments.compactMap(FaceObservation.init(segment:)).map { placer.place($0, in: image) }
            try output.emit(.segments(mouths.map { $0.segment(time: frame.time) }), port: "mouths")
            guard cropsWanted else { continue }
            for mouth in mouths {
                let crop = MouthROI.normalizedCrop(image, mouth: mouth.box)
                try output.emit(.tensor(TensorValue(shape: [1, MouthROI.modelSize, MouthROI.modelSize], data: SharedArray(crop),
                                                    start: frame.time, end: nil)), port: "crops")
            }
        }
    }

    public mutating func finish(output: NodeOutput) throws {
        if pairing.unpaired > 0 {
            throw NodeError(code: .nodeFailed, message: "mouth-roi: \(pairing.unpaired) frames or face lists without a partner; "
                            + "connect the same video to face-track and mouth-roi")
        }
    }
}
