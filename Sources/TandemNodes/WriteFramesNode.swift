import Foundation
import TandemCore
import TandemMedia

/// `write-frames`: writes each frame as a PNG or JPEG image (`{index}` numbers them), and
/// optionally one contact sheet per input (all frames, or evenly spaced ones past `max_tiles`).
public struct WriteFramesNode: ConfigurableNode {
    public static let descriptor = NodeDescriptor(
        kind: "write-frames", doc: "Write frames as PNG/JPEG images, and optionally a contact sheet.",
        inputs: [PortSpec("video", .video)],
        parameters: [
            ParameterSpec("path", .pathTemplate, default: .string("{relpath}/{id}_{index}.png"),
                          "image path below --out; needs {index}; .png or .jpg picks the format"),
            ParameterSpec("quality", .int(1...100), default: .int(90), "JPEG quality"),
            ParameterSpec("images", .bool, default: .bool(true), "write one image per frame"),
            ParameterSpec("contact_sheet", .string, default: .string(""), "also write a contact sheet to this path template (empty: none)"),
            ParameterSpec("columns", .int(1...64), default: .int(4), "contact sheet tiles per row"),
            ParameterSpec("tile_width", .int(16...4096), default: .int(160), "contact sheet tile width in pixels"),
            ParameterSpec("max_tiles", .int(1...10_000), default: .int(100),
                          "contact sheet tiles at most; longer inputs keep evenly spaced frames"),
        ])

    private let template: PathTemplate
    /// One encoder for all images: a new one per image costs memory over thousands of images.
    private let encoder: ImageEncoder
    private let images: Bool
    private let sheetTemplate: PathTemplate?
    private let sheetFormat: ImageWriter.Format
    private let quality: Int
    private var sheet: ContactSheet
    private var context: NodeContext?
    private var index = 0

    public init(parameters: NodeParameters) throws {
        template = try PathTemplate(parameters.string("path"))
        guard let format = ImageWriter.Format(fileExtension: (template.description as NSString).pathExtension) else {
            throw NodeError(code: .invalidParameters, message: "write-frames path '\(template)' needs a .png or .jpg extension")
        }
        images = parameters.bool("images")
        guard template.hasIndex || !images else {
            throw NodeError(code: .invalidParameters, message: "write-frames path '\(template)' needs {index}: one image is written per frame")
        }
        quality = parameters.int("quality")
        encoder = ImageEncoder(format: format, quality: quality)
        let sheetPath = parameters.string("contact_sheet")
        if sheetPath.isEmpty {
            sheetTemplate = nil
            sheetFormat = .png
        } else {
            let sheetTemplate = try PathTemplate(sheetPath)
            guard let sheetFormat = ImageWriter.Format(fileExtension: (sheetPath as NSString).pathExtension) else {
                throw NodeError(code: .invalidParameters, message: "contact_sheet path '\(sheetPath)' needs a .png or .jpg extension")
            }
            self.sheetTemplate = sheetTemplate
            self.sheetFormat = sheetFormat
        }
        sheet = ContactSheet(columns: parameters.int("columns"), tileWidth: parameters.int("tile_width"),
                             maxTiles: parameters.int("max_tiles"))
    }

    public mutating func start(_ context: NodeContext) throws {
        self.context = context
    }

    public mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        guard case .video(let frame) = packet else { return }
        if images {
            let file = try context!.createOutput(template, index: index)
            try encoder.encode(frame, path: file.finalURL.path).write(to: file.temporaryURL)
        }
        if sheetTemplate != nil { try sheet.add(frame) }
        index += 1
    }

    public mutating func finish(output: NodeOutput) throws {
        guard let sheetTemplate, !sheet.isEmpty else { return }
        let file = try context!.createOutput(sheetTemplate)
        try ImageWriter.encode(sheet.render(), format: sheetFormat, quality: quality, path: file.finalURL.path).write(to: file.temporaryURL)
    }
}
