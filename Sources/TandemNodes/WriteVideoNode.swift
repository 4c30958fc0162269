import Foundation
import TandemCore
import TandemMedia

/// `write-video`: encodes the frames of each input into one H.264 MP4 file at a constant frame rate.
public struct WriteVideoNode: ConfigurableNode {
    public static let descriptor = NodeDescriptor(
        kind: "write-video", doc: "Encode frames to an H.264 MP4 file at a constant frame rate.",
        inputs: [PortSpec("video", .video)],
        parameters: [
            ParameterSpec("path", .pathTemplate, default: .string("{relpath}.{id}.mp4"), "output path below --out"),
            ParameterSpec("fps", .double(0.01...1000), default: .double(25), "frame rate of the file"),
            ParameterSpec("crf", .int(0...51), default: .int(23), "x264 quality (lower is better)"),
            ParameterSpec("preset", .choice(["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow"]),
                          default: .string("veryfast"), "x264 speed preset"),
        ])

    private let template: PathTemplate
    private let frameRate: Rational
    private let crf: Int
    private let preset: String
    private var output: AtomicOutput?
    private var writer: VideoFileWriter?

    public init(parameters: NodeParameters) throws {
        template = try PathTemplate(parameters.string("path"))
        let fps = parameters.double("fps")
        // Rates like 29.97 are kept exact to 1/1000.
        frameRate = Rational(Int64((fps * 1000).rounded()), 1000)
        crf = parameters.int("crf")
        preset = parameters.string("preset")
    }

    public mutating func start(_ context: NodeContext) throws {
        output = try context.createOutput(template)
    }

    public mutating func receive(_ packet: Packet, on port: Int, output: NodeOutput) throws {
        guard case .video(let frame) = packet else { return }
        if writer == nil {
            writer = try VideoFileWriter(url: self.output!.temporaryURL, width: frame.width, height: frame.height,
                                         frameRate: frameRate, crf: crf, preset: preset)
        }
        try writer!.write(frame)
    }

    public mutating func finish(output: NodeOutput) throws {
        try writer?.finish()
    }
}
