import Foundation
import TandemCore
import TandemMedia

/// `write-audio`: writes the audio stream of each input to one file (WAV, FLAC, m4a or Opus,
/// chosen by the path's extension).
public struct WriteAudioNode: ConfigurableNode {
    public static let descriptor = NodeDescriptor(
        kind: "write-audio", doc: "Write audio to a WAV, FLAC, m4a (AAC) or Opus file, by the path's extension.",
        inputs: [PortSpec("audio", .audio)],
        parameters: [
            ParameterSpec("path", .pathTemplate, default: .string("{relpath}.flac"), "output path below --out; the extension picks the format"),
            ParameterSpec("sample_format", .choice(["auto", "pcm16", "pcm24", "float32"]), default: .string("auto"),
                          "sample encoding for WAV and FLAC (auto: float WAV, 24-bit FLAC)"),
        ])

    private let template: PathTemplate
    private let sampleFormat: AudioFileWriter.SampleFormat
    private var output: AtomicOutput?
    private var writer: AudioFileWriter?
    private var context: NodeContext?

    public init(parameters: NodeParameters) throws {
        template = try PathTemplate(parameters.string("path"))
        guard AudioFileWriter.Container(fileExtension: (template.description as NSString).pathExtension) != nil else {
            throw NodeError(code: .invalidParameters, message: "write-audio path '\(template)' needs a .wav, .flac, .m4a or .opus extension")
        }
        sampleFormat = switch parameters.string("sample_format") {
        case "pcm16": .pcm16
        case "pcm24": .pcm24
        case "float32": .float32
        default: .automatic
        }
    }

    public mutating func start(_ context: NodeContext) throws {
        output = try context.createOutput(template)
        self.context = context
    }

    public mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        guard case .audio(let buffer) = packet else { return }
        if writer == nil {
            // The writer renames its own temporary onto our temporary; the batch commits that one
            // to the final name only when the whole graph completed.
            writer = try AudioFileWriter(url: self.output!.temporaryURL, sampleRate: buffer.sampleRate,
                                         channels: buffer.channelCount, sampleFormat: sampleFormat)
        }
        try writer!.write(buffer)
    }

    public mutating func finish(output: NodeOutput) throws {
        guard let writer else {
            // An audio stream without samples (or an input whose audio was all cut away): say so rather
            // than let an ok record hide the missing file.
            context?.warn("no audio samples arrived: \(self.output?.finalURL.lastPathComponent ?? template.description) was not written")
            return
        }
        try writer.finish()
    }
}
