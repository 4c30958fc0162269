import Foundation
import TandemCore
import TandemModels

/// `write-transcript`: writes the transcript of each input as JSON (segments with tokens and
/// probabilities), SubRip, WebVTT and/or plain text, laid out as openai/whisper's writers do
/// (`TranscriptFormat`). One file per format; the format's extension is appended to `path`.
public struct WriteTranscriptNode: ValidatingNode {
    public static let descriptor = NodeDescriptor(
        kind: "write-transcript", doc: "Write transcripts as JSON, SRT, WebVTT and/or TXT files.",
        inputs: [PortSpec("transcript", .transcript)],
        parameters: [
            ParameterSpec("path", .pathTemplate, default: .string("{relpath}"), "output path below --out, without extension (.json, .srt, … are appended)"),
            ParameterSpec("formats", .string, default: .string("json,srt,vtt,txt"),
                          "comma-separated formats: \(TranscriptFormat.allCases.map(\.rawValue).joined(separator: ", "))"),
        ])

    public static func problems(in parameters: NodeParameters) -> [NodeParameterProblem] {
        formats(parameters.string("formats")) == nil
            ? [NodeParameterProblem(parameter: "formats", message: "formats '\(parameters.string("formats"))' must list some of "
                                    + TranscriptFormat.allCases.map(\.rawValue).joined(separator: ", ") + ", separated by commas")]
            : []
    }

    static func formats(_ text: String) -> [TranscriptFormat]? {
        let formats = text.split(separator: ",").map { TranscriptFormat(rawValue: $0.trimmingCharacters(in: .whitespaces).lowercased()) }
        guard !formats.isEmpty, formats.allSatisfy({ $0 != nil }) else { return nil }
        return formats.compactMap { $0 }
    }

    private let templates: [(format: TranscriptFormat, template: PathTemplate)]
    private var context: NodeContext?
    private var segments: [TranscriptSegment] = []

    public init(parameters: NodeParameters) throws {
        guard let formats = Self.formats(parameters.string("formats")) else {
            throw NodeError(code: .invalidParameters, message: Self.problems(in: parameters).first?.message ?? "bad formats")
        }
        let path = parameters.string("path")
        templates = try formats.map { ($0, try PathTemplate(path + "." + $0.fileExtension)) }
    }

    public mutating func start(_ context: NodeContext) throws {
        self.context = context
    }

    public mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        guard case .transcript(let part) = packet else { return }
        segments.append(contentsOf: part)
    }

    public mutating func finish(output: NodeOutput) throws {
        for (format, template) in templates {
            let file = try context!.createOutput(template)
            try Data(format.render(segments).utf8).write(to: file.temporaryURL)
        }
    }
}
