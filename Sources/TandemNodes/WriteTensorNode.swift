import Foundation
import TandemCore

/// `write-tensor`: gathers the tensors of one input and writes them as one `.npy` or `.safetensors` file.
///
/// With `layout: stack` every tensor must have the same shape and the file holds `[count] + shape`;
/// with `concat` tensors are joined along their first axis (trailing shapes must agree). Spectrograms
/// are taken as `[frames, bins]` tensors, float video frames as `[3, height, width]` and 8-bit
/// frames as `[height, width, channels]` (values 0…255). Values go to the file as they arrive
/// (`TensorFileWriter`), so memory does not grow with the input; the safetensors file also holds
/// `start_seconds` (one value per packet) when every packet carries a time.
public struct WriteTensorNode: ConfigurableNode {
    public static let descriptor = NodeDescriptor(
        kind: "write-tensor", doc: "Write the tensors of each input to a .npy or .safetensors file.",
        inputs: [PortSpec("in", .any, "tensor, spectrogram or video packets")],
        parameters: [
            ParameterSpec("path", .pathTemplate, default: .string("{relpath}.{id}.npy"), "output path below --out"),
            ParameterSpec("format", .choice(["npy", "safetensors"]), default: .string("npy"), "file format"),
            ParameterSpec("layout", .choice(["stack", "concat"]), default: .string("stack"), "stack equal shapes on a new axis, or join along axis 0"),
            ParameterSpec("name", .string, default: .string("data"), "tensor name inside a .safetensors file"),
        ])

    /// Why the tensors could not be written.
    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    private let template: PathTemplate
    private let format: String
    private let stack: Bool
    private let name: String
    private var writer: TensorFileWriter?
    private var shapes: [[Int]] = []
    private var times: [Float] = []

    public init(parameters: NodeParameters) throws {
        template = try PathTemplate(parameters.string("path"))
        format = parameters.string("format")
        stack = parameters.string("layout") == "stack"
        name = parameters.string("name")
    }

    public mutating func start(_ context: NodeContext) throws {
        let output = try context.createOutput(template)
        writer = try TensorFileWriter(url: output.temporaryURL,
                                      format: format == "npy" ? .npy : .safetensors(name: name, metadata: ["format": "pt", "writer": "tandem"]))
    }

    public mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        let shape: [Int]
        var values: [Float]
        switch packet {
        case .tensor(let tensor):
            shape = tensor.shape
            values = tensor.data.array
        case .spectrogram(let spectrogram):
            shape = [spectrogram.frameCount, spectrogram.binCount * (spectrogram.values == .complex ? 2 : 1)]
            values = spectrogram.data.array
        case .video(let frame) where frame.layout == .float32CHW:
            shape = [frame.channelCount, frame.height, frame.width]
            values = frame.floats.array
        case .video(let frame):
            // 8-bit frames become [height, width, channels] floats in 0…255 (rows may be padded).
            let channels = frame.channelCount
            shape = [frame.height, frame.width, channels]
            values = []
            values.reserveCapacity(frame.height * frame.width * channels)
            for y in 0..<frame.height {
                for x in 0..<frame.width * channels { values.append(Float(frame.bytes[y * frame.stride + x])) }
            }
        default:
            throw Problem(description: "write-tensor takes tensor, spectrogram or video packets, got \(packet.kind)")
        }
        if let first = shapes.first {
            if stack, shape != first {
                throw Problem(description: "cannot stack a tensor of shape \(shape) onto shape \(first); use layout: concat")
            }
            if !stack, shape.dropFirst() != first.dropFirst() {
                throw Problem(description: "cannot concatenate shape \(shape) to shape \(first): trailing dimensions differ")
            }
        }
        try writer!.append(values, trailing: stack ? shape : Array(shape.dropFirst()))
        shapes.append(shape)
        if let time = packet.startSeconds { times.append(Float(time)) }
    }

    public mutating func finish(output: NodeOutput) throws {
        let shape: [Int]
        if let first = shapes.first {
            shape = stack ? [shapes.count] + first : [shapes.reduce(0) { $0 + ($1.first ?? 1) }] + first.dropFirst()
        } else {
            shape = [0]
        }
        try writer!.finish(shape: shape, times: times.count == shapes.count ? times : [])
    }
}
