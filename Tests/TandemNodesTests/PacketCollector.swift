import Foundation
import Testing
import TandemCore

/// Test sink: keeps every packet it receives, for the test to inspect after the graph ran.
struct PacketCollector: Node {
    /// Shared with the test; @unchecked Sendable because every access holds `lock`.
    final class Box: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [Packet] = []
        var packets: [Packet] { lock.withLock { stored } }
        func append(_ packet: Packet) { lock.withLock { stored.append(packet) } }
    }

    static let descriptor = NodeDescriptor(kind: "collect", doc: "test sink", inputs: [PortSpec("in", .any)])
    let box: Box

    func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        box.append(packet)
    }
}

/// Builds graphs from code for node tests.
struct GraphHarness {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-nodes-\(UUID().uuidString)")
    var graph = Graph()

    /// Adds a catalog node with parameters checked against its descriptor.
    mutating func add(_ id: String, _ kind: String, _ values: [String: ParameterValue] = [:]) throws {
        let descriptor = try #require(NodeCatalog.standard.descriptor(kind))
        try graph.add(id, try NodeCatalog.standard.make(kind, parameters: NodeParameters(values, for: descriptor)))
    }

    /// Adds a collector fed by `source` (`node.port`) and returns its box.
    mutating func collect(_ id: String, from source: String) throws -> PacketCollector.Box {
        let box = PacketCollector.Box()
        try graph.add(id, PacketCollector(box: box))
        try connect(source, to: "\(id).in")
        return box
    }

    mutating func connect(_ from: String, to: String) throws {
        let a = from.split(separator: "."), b = to.split(separator: ".")
        try graph.connect(String(a[0]), String(a[1]), to: String(b[0]), String(b[1]))
    }

    /// Runs the graph on `file`, outputs below `root/out`.
    func run(on file: URL) throws -> GraphExecution.Result {
        try GraphExecution(graph, input: InputFile(url: file, relativePath: file.lastPathComponent),
                           outputDirectory: root.appendingPathComponent("out")).run()
    }
}

extension [Packet] {
    var spectrograms: [Spectrogram] { compactMap { if case .spectrogram(let s) = $0 { s } else { nil } } }
    var audio: [AudioBuffer] { compactMap { if case .audio(let a) = $0 { a } else { nil } } }
}

/// Reads the float32 array of a `.npy` file written by `write-tensor` (format 1.0, little endian).
func readNpy(_ url: URL) throws -> (shape: [Int], values: [Float]) {
    let data = try Data(contentsOf: url)
    let headerLength = Int(data[8]) | Int(data[9]) << 8
    let header = String(decoding: data[10..<(10 + headerLength)], as: UTF8.self)
    let shapeText = header.split(separator: "(")[1].split(separator: ")")[0]
    let shape = shapeText.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    let body = data[(10 + headerLength)...]
    let values = stride(from: body.startIndex, to: body.endIndex, by: 4).map { (i: Int) -> Float in
        var bits = UInt32(body[i])
        bits |= UInt32(body[i + 1]) << 8
        bits |= UInt32(body[i + 2]) << 16
        bits |= UInt32(body[i + 3]) << 24
        return Float(bitPattern: bits)
    }
    return (shape, values)
}
