import Foundation
import TandemCore
import TandemMedia
import TandemNodes

// Benchmarks of the engine: per-packet overhead of the queues and threads, and the cost of the
// graph around real media work (decode → sample → write frames vs the media layer alone).

/// Emits `count` one-value tensor packets with increasing times.
private struct BenchSource: Node {
    static let descriptor = NodeDescriptor(kind: "bench-source", doc: "", outputs: [PortSpec("out", .tensor)])
    let count: Int
    var next = 0
    let packet = Packet.tensor(TensorValue(shape: [1], data: SharedArray([1]), startSeconds: 0))
    mutating func produce(output: NodeOutput) throws -> Bool {
        guard next < count else { return false }
        // Emit a small batch per call, as a decoder emits a chunk's worth.
        for _ in 0..<min(64, count - next) { try output.emit(packet) }
        next += min(64, count - next)
        return true
    }
}

private struct BenchPass: Node {
    static let descriptor = NodeDescriptor(kind: "bench-pass", doc: "", inputs: [PortSpec("in", .any)], outputs: [PortSpec("out", .any)])
    mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws { try output.emit(packet) }
}

private struct BenchSink: Node {
    static let descriptor = NodeDescriptor(kind: "bench-sink", doc: "", inputs: [PortSpec("in", .any)])
    var count = 0
    mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws { count += 1 }
}

private func chain(packets: Int, passes: Int, capacity: ChannelCapacity) throws {
    var graph = Graph(defaultCapacity: capacity)
    try graph.add("source", BenchSource(count: packets))
    var previous = "source"
    for index in 0..<passes {
        try graph.add("pass\(index)", BenchPass())
        try graph.connect(previous, "out", to: "pass\(index)", "in")
        previous = "pass\(index)"
    }
    try graph.add("sink", BenchSink())
    try graph.connect(previous, "out", to: "sink", "in")
    _ = try GraphExecution(graph, outputDirectory: FileManager.default.temporaryDirectory).run()
}

private func fanOut(packets: Int, consumers: Int) throws {
    var graph = Graph()
    try graph.add("source", BenchSource(count: packets))
    for index in 0..<consumers {
        try graph.add("sink\(index)", BenchSink())
        try graph.connect("source", "out", to: "sink\(index)", "in")
    }
    _ = try GraphExecution(graph, outputDirectory: FileManager.default.temporaryDirectory).run()
}

/// User + system CPU seconds of this process so far.
private func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

let engineBenchSuite = BenchSuite(name: "engine") {
    let packets = 200_000
    var cases = [
        BenchCase(name: "chain-5-pass-through (standard queues: 256 packets / 16 MiB)", units: Double(packets), unitName: "packets") {
            try chain(packets: packets, passes: 5, capacity: .standard)
        },
        BenchCase(name: "chain-5-pass-through (16-packet queues)", units: Double(packets), unitName: "packets") {
            try chain(packets: packets, passes: 5, capacity: ChannelCapacity(packets: 16, bytes: 64 << 20))
        },
        BenchCase(name: "chain-5-pass-through (64-packet queues)", units: Double(packets), unitName: "packets") {
            try chain(packets: packets, passes: 5, capacity: ChannelCapacity(packets: 64, bytes: 64 << 20))
        },
        // Wall time depends on what else the two cores run; CPU time per packet does much less.
        BenchCase(name: "chain-5-pass-through CPU cost (standard queues; prints packets per CPU-second)", units: Double(packets), unitName: "packets") {
            let before = cpuSeconds()
            try chain(packets: packets, passes: 5, capacity: .standard)
            print(String(format: "  chain-5: %.0f packets per CPU-second", Double(packets) / (cpuSeconds() - before)))
        },
        BenchCase(name: "fan-out-4", units: Double(packets), unitName: "packets") {
            try fanOut(packets: packets, consumers: 4)
        },
    ]
    // The graph around real work: decode → 1 fps → PNG, against FrameReader(.fps(1)) + ImageWriter alone.
    let video = URL(fileURLWithPath: "Media/two-instruments.mp4")
    if FileManager.default.fileExists(atPath: video.path) {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-engine-bench")
        let catalog = NodeCatalog.standard
        let pipeline = try Pipeline.load(yaml: """
            version: 1
            nodes:
              - {id: decode, kind: decode}
              - {id: sample, kind: sample-frames, params: {fps: 1}, inputs: {video: decode.video}}
              - {id: frames, kind: write-frames, params: {path: "g/{index}.png"}, inputs: {video: sample.video}}
            """, file: "bench.yaml", catalog: catalog)
        cases.append(BenchCase(name: "graph decode→fps1→png (8 s video)", units: 8, unitName: "video-s") {
            try? FileManager.default.removeItem(at: out)
            let input = InputFile(url: video, relativePath: video.lastPathComponent)
            _ = try GraphExecution(try pipeline.makeGraph(catalog: catalog), input: input, outputDirectory: out).run()
        })
        cases.append(BenchCase(name: "media alone FrameReader(fps 1)+ImageWriter (8 s video)", units: 8, unitName: "video-s") {
            let reader = try FrameReader(url: video, sampling: .fps(1))
            var index = 0
            while let frame = try reader.next() {
                try ImageWriter.write(frame, to: out.appendingPathComponent("m/\(index).png"))
                index += 1
            }
        })
    }
    return cases
}
