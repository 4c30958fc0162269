import Foundation
import TandemCore
import TandemMedia

/// `write-image`: writes image packets (spectrogram pictures, plots, masks) as PNG or JPEG files.
///
/// Every picture it gets is drawn by Tandem, so PNGs are written as `ImageWriter.Content.drawn` (no row filter, a
/// fast deflate: the separator's mask picture in less than half the time and smaller).
///
/// Most producers emit one picture per input, so the default path has no `{index}`; a second
/// picture for the same input then needs `{index}` in the path.
public struct WriteImageNode: ConfigurableNode {
    public static let descriptor = NodeDescriptor(
        kind: "write-image", doc: "Write image packets (plots, spectrogram pictures) as PNG/JPEG files.",
        inputs: [PortSpec("image", .image)],
        parameters: [
            ParameterSpec("path", .pathTemplate, default: .string("{relpath}.{id}.png"),
                          "image path below --out; .png or .jpg picks the format; {index} numbers several images"),
            ParameterSpec("quality", .int(1...100), default: .int(90), "JPEG quality"),
        ])

    private let template: PathTemplate
    private let format: ImageWriter.Format
    private let quality: Int
    private var context: NodeContext?
    private var index = 0

    public init(parameters: NodeParameters) throws {
        template = try PathTemplate(parameters.string("path"))
        guard let format = ImageWriter.Format(fileExtension: (template.description as NSString).pathExtension) else {
            throw NodeError(code: .invalidParameters, message: "write-image path '\(template)' needs a .png or .jpg extension")
        }
        self.format = format
        quality = parameters.int("quality")
    }

    public mutating func start(_ context: NodeContext) throws {
        self.context = context
    }

    public mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        guard case .image(let image) = packet else { return }
        guard index == 0 || template.hasIndex else {
            throw NodeError(code: .invalidParameters, message: "write-image got a second image for this input; add {index} to path '\(template)'")
        }
        let file = try context!.createOutput(template, index: index)
        try ImageWriter.encode(image, format: format, quality: quality, content: .drawn, path: file.finalURL.path).write(to: file.temporaryURL)
        index += 1
    }
}
