import Foundation
import TandemCore

/// `write-json`: writes every packet it receives, as JSON, into one file per input.
///
/// Segments and transcripts are written in full; audio, video, spectrogram and tensor packets are
/// written as their description (position, shape) plus, for tensors, their values — the node is for
/// results, not for bulk media.
public struct WriteJSONNode: ConfigurableNode {
    public static let descriptor = NodeDescriptor(
        kind: "write-json", doc: "Write the packets received (segments, transcripts, tensors, descriptions) to a JSON file.",
        inputs: [PortSpec("in", .any, "any packets")],
        parameters: [
            ParameterSpec("path", .pathTemplate, default: .string("{relpath}.{id}.json"), "output path below --out"),
            ParameterSpec("pretty", .bool, default: .bool(true), "indent the JSON"),
        ])

    private let template: PathTemplate
    private let pretty: Bool
    private var output: AtomicOutput?
    private var nodeID = ""
    private var relativePath = ""
    private var packets: [Any] = []

    public init(parameters: NodeParameters) throws {
        template = try PathTemplate(parameters.string("path"))
        pretty = parameters.bool("pretty")
    }

    public mutating func start(_ context: NodeContext) throws {
        output = try context.createOutput(template)
        nodeID = context.nodeID
        relativePath = context.input?.relativePath ?? ""
    }

    public mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        packets.append(Self.object(packet))
    }

    public mutating func finish(output: NodeOutput) throws {
        let document: [String: Any] = ["input": relativePath, "node": nodeID, "packets": packets]
        var options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes]
        if pretty { options.insert(.prettyPrinted) }
        let data = try JSONSerialization.data(withJSONObject: document, options: options)
        try (data + Data("\n".utf8)).write(to: self.output!.temporaryURL)
    }

    /// The JSON form of a segment's region: its name, box (when there is a picture), confidence and flags.
    static func object(_ region: PictureRegion) -> [String: Any] {
        var object: [String: Any] = ["label": region.label, "confidence": region.confidence, "silent": region.silent,
                                     "partly_outside": region.isPartlyOutside, "too_small": region.isTooSmall]
        if let box = region.box { object["box"] = ["x": box.x, "y": box.y, "width": box.width, "height": box.height] }
        if let seconds = region.soundingSeconds { object["sounding_seconds"] = seconds }
        if let seconds = region.movingSeconds { object["moving_seconds"] = seconds }
        return object
    }

    /// The JSON form of one packet.
    static func object(_ packet: Packet) -> [String: Any] {
        var object: [String: Any] = ["kind": packet.kind.rawValue]
        if let start = packet.startSeconds { object["start"] = start }
        switch packet {
        case .segments(let segments):
            object["segments"] = segments.map { segment in
                var item: [String: Any] = ["start": segment.start, "end": segment.end, "label": segment.label, "score": segment.score]
                if let region = segment.region { item["region"] = Self.object(region) }
                return item
            }
        case .transcript(let segments):
            object["segments"] = segments.map { segment in
                var item: [String: Any] = ["start": segment.start, "end": segment.end, "text": segment.text,
                                           "tokens": segment.tokens, "avg_logprob": segment.averageLogProbability,
                                           "no_speech_prob": segment.noSpeechProbability]
                if let speaker = segment.speaker { item["speaker"] = speaker }
                return item
            }
        case .tensor(let tensor):
            object["shape"] = tensor.shape
            object["data"] = tensor.data.array.map { Double($0) }
            if let end = tensor.endSeconds { object["end"] = end }
        case .audio(let audio):
            object["sample_rate"] = audio.sampleRate
            object["channels"] = audio.channelCount
            object["first_sample"] = audio.firstSample
            object["frames"] = audio.frameCount
        case .video(let frame), .image(let frame):
            object["width"] = frame.width
            object["height"] = frame.height
            object["layout"] = frame.layout.rawValue
            object["pts"] = frame.pts
            object["frame_index"] = frame.frameIndex
        case .spectrogram(let spectrogram):
            object["values"] = spectrogram.values.rawValue
            object["bins"] = spectrogram.binCount
            object["frames"] = spectrogram.frameCount
            object["hop"] = spectrogram.hop
            object["first_frame"] = spectrogram.firstFrame
        }
        return object
    }
}
