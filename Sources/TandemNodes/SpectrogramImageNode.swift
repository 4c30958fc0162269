import TandemCore
import TandemDSP

/// `spectrogram-image`: draws the spectrogram of each input as one picture (`SpectrogramImage`:
/// colour map, time axis in seconds, frequency axis in Hz or mel bands), emitted at the end.
///
/// The spectrogram packets of an input are gathered until its end, since the picture's time axis
/// spans them all: memory is frames × bins × 4 bytes (80 mel bands at 10 ms: 115 MB per hour).
public struct SpectrogramImageNode: ConfigurableNode {
    public static let descriptor = NodeDescriptor(
        kind: "spectrogram-image", doc: "Draw each input's spectrogram as a picture with labelled axes and a colour map.",
        inputs: [PortSpec("spectrogram", .spectrogram)],
        outputs: [PortSpec("image", .image, "one RGB picture per input")],
        parameters: [
            ParameterSpec("color_map", .choice(ColorMap.allCases.map(\.rawValue)), default: .string("magma"), "colours from low to high values"),
            ParameterSpec("width", .int(0...16_384), default: .int(800), "plot width in pixels; 0 draws one column per frame"),
            ParameterSpec("height", .int(0...16_384), default: .int(0), "plot height in pixels; 0 draws one row per bin"),
            ParameterSpec("scaling", .choice(["auto", "linear", "db"]), default: .string("auto"),
                          "auto: dB for magnitude/power/mel, min…max for log-mel"),
            ParameterSpec("db_range", .double(1...300), default: .double(80), "decibels below the maximum shown (scaling db)"),
        ])

    private let renderer: SpectrogramImage
    private var first: Spectrogram?
    private var frames = 0
    private var values: [Float] = []

    public init(parameters: NodeParameters) throws {
        let width = parameters.int("width"), height = parameters.int("height")
        let range = Float(parameters.double("db_range"))
        let scaling: SpectrogramImage.Scaling? = switch parameters.string("scaling") {
        case "linear": .linear
        case "db": .decibels(range: range)
        default: nil
        }
        renderer = SpectrogramImage(colorMap: ColorMap(rawValue: parameters.string("color_map")) ?? .magma, scaling: scaling,
                                    plotWidth: width == 0 ? nil : width, plotHeight: height == 0 ? nil : height)
    }

    public mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        guard case .spectrogram(let spectrogram) = packet else { return }
        if let first {
            guard first.binCount == spectrogram.binCount, first.values == spectrogram.values else {
                throw NodeError(code: .nodeFailed, message: "spectrogram-image: packets of \(first.binCount) \(first.values) bins, "
                                + "then \(spectrogram.binCount) \(spectrogram.values) bins")
            }
        } else {
            first = spectrogram
        }
        frames += spectrogram.frameCount
        values.append(contentsOf: spectrogram.data.array)
    }

    public mutating func finish(output: NodeOutput) throws {
        guard var whole = first, frames > 0 else { return }
        whole.frameCount = frames
        whole.data = SharedArray(values)
        values = []
        try output.emit(.image(try renderer.render(whole)))
    }
}
