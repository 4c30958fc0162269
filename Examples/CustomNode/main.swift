// A custom node in Swift, and a graph built and run from code — no pipeline file.
//
//   swift run tandem-example [OUT_DIR]
//
// The graph: a tone generator (a custom source) → `rms` (a custom node: loudness per chunk)
// → the built-in `write-tensor` (a .npy file) and `write-json`.
import Foundation
import TandemCore
import TandemNodes

/// A source: `seconds` of a 440 Hz tone that fades in, in chunks of 1600 samples at 16 kHz.
/// Sources declare no inputs; the engine calls `produce` until it returns false.
struct ToneSource: Node {
    static let descriptor = NodeDescriptor(kind: "tone", doc: "A fading-in 440 Hz tone.",
                                           outputs: [PortSpec("audio", .audio)])
    let sampleRate = 16_000
    let totalSamples: Int
    var position = 0

    init(seconds: Double) { totalSamples = Int(seconds * 16_000) }

    mutating func produce(output: NodeOutput) throws -> Bool {
        guard position < totalSamples else { return false }
        let count = min(1600, totalSamples - position)
        let samples = (position..<position + count).map { i in
            Float(Double(i) / Double(totalSamples) * sin(2 * Double.pi * 440 * Double(i) / Double(sampleRate)))
        }
        try output.emit(.audio(AudioBuffer(sampleRate: sampleRate, channelLayout: "mono", firstSample: Int64(position),
                                           channels: [SharedArray(samples)])))
        position += count
        return true
    }
}

/// A processing node: the RMS level of each audio chunk, as a one-value tensor stamped with the
/// chunk's time span. `ConfigurableNode` (an `init(parameters:)`) lets a catalog build it from a
/// pipeline file too: `catalog.register(RMSNode.self)`.
struct RMSNode: ConfigurableNode {
    static let descriptor = NodeDescriptor(
        kind: "rms", doc: "RMS level of each audio chunk, in dB or linear.",
        inputs: [PortSpec("audio", .audio)], outputs: [PortSpec("level", .tensor)],
        parameters: [ParameterSpec("decibels", .bool, default: .bool(true), "report 20·log10(rms) instead of rms")])

    let decibels: Bool

    init(parameters: NodeParameters) { decibels = parameters.bool("decibels") }

    mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        guard case .audio(let chunk) = packet, chunk.frameCount > 0 else { return }
        let squares = chunk.channels.reduce(0.0) { sum, channel in
            channel.withUnsafeBufferPointer { $0.reduce(sum) { $0 + Double($1 * $1) } }
        }
        let rms = (squares / Double(chunk.frameCount * chunk.channelCount)).squareRoot()
        let value = decibels ? 20 * log10(max(rms, 1e-9)) : rms
        try output.emit(.tensor(TensorValue(shape: [1], data: SharedArray([Float(value)]), startSeconds: chunk.startSeconds,
                                            endSeconds: chunk.startSeconds + chunk.durationSeconds)), port: "level")
    }
}

let outputDirectory = URL(fileURLWithPath: CommandLine.arguments.dropFirst().first ?? "out/example")
do {
    var graph = Graph()
    try graph.add("tone", ToneSource(seconds: 2))
    try graph.add("rms", RMSNode(parameters: try NodeParameters(["decibels": .bool(true)], for: RMSNode.descriptor)))
    try graph.add("npy", try WriteTensorNode(parameters: try NodeParameters(["path": .string("levels.npy")], for: WriteTensorNode.descriptor)))
    try graph.add("json", try WriteJSONNode(parameters: try NodeParameters(["path": .string("levels.json")], for: WriteJSONNode.descriptor)))
    try graph.connect("tone", "audio", to: "rms", "audio")
    try graph.connect("rms", "level", to: "npy", "in")
    try graph.connect("rms", "level", to: "json", "in")  // fan-out: each consumer has its own queue

    let result = try GraphExecution(graph, outputDirectory: outputDirectory).run()
    for statistics in result.statistics {
        print("\(statistics.id) (\(statistics.kind)): \(statistics.packetsIn) in, \(statistics.packetsOut) out")
    }
    print("wrote", result.outputs.map { outputDirectory.appendingPathComponent($0).path }.joined(separator: ", "))
} catch {
    FileHandle.standardError.write(Data("example failed: \(error)\n".utf8))
    exit(1)
}
