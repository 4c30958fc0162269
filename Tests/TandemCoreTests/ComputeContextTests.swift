import Foundation
import Testing
@testable import TandemCore

/// Records the compute width current on its thread for every packet it receives, in `start` and in `finish`.
struct WidthRecorder: Node {
    static let descriptor = NodeDescriptor(kind: "test-width", doc: "records the compute width", inputs: [PortSpec("in", .any)])
    let seen: Recorder<Int?>
    var delay: TimeInterval = 0.002
    mutating func start(_ context: NodeContext) throws { seen.append(ComputeContext.current?.threads) }
    mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        Thread.sleep(forTimeInterval: delay)
        seen.append(ComputeContext.current?.threads)
    }
    mutating func finish(output: NodeOutput) throws { seen.append(ComputeContext.current?.threads) }
}

@Suite struct ComputeContextTests {
    func graph(_ seen: Recorder<Int?>) throws -> Graph {
        var graph = Graph()
        try graph.add("source", CountingSource(count: 40))
        try graph.add("width", WidthRecorder(seen: seen))
        try graph.connect("source", "out", to: "width", "in")
        return graph
    }

    @Test func graphsRunningAtOnceEachKeepTheWidthTheyWereBuiltWith() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-compute-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let narrow = Recorder<Int?>(), wide = Recorder<Int?>()
        let first = try GraphExecution(try graph(narrow), outputDirectory: scratch, compute: ComputeContext(threads: 1))
        let second = try GraphExecution(try graph(wide), outputDirectory: scratch, compute: ComputeContext(threads: 3))
        let group = DispatchGroup()
        for execution in [first, second] {
            group.enter()
            Thread {
                _ = try? execution.run()
                group.leave()
            }.start()
        }
        group.wait()
        #expect(narrow.values.count == 42 && wide.values.count == 42)
        #expect(Set(narrow.values) == [1])
        #expect(Set(wide.values) == [3])
    }

    @Test func withoutAWidthAGraphTakesTheContextItIsBuiltIn() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-compute-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let inherited = Recorder<Int?>(), none = Recorder<Int?>()
        let execution = try ComputeContext(threads: 2).run { try GraphExecution(try graph(inherited), outputDirectory: scratch) }
        _ = try execution.run()
        _ = try GraphExecution(try graph(none), outputDirectory: scratch).run()
        #expect(Set(inherited.values) == [2])
        #expect(Set(none.values) == [nil])
    }

    @Test func jobsSplitTheCores() {
        #expect(ComputeContext.share(ofJobs: 1, cores: 8).threads == 8)
        #expect(ComputeContext.share(ofJobs: 2, cores: 8).threads == 4)
        #expect(ComputeContext.share(ofJobs: 3, cores: 8).threads == 2)
        #expect(ComputeContext.share(ofJobs: 4, cores: 2).threads == 1)
        var options = BatchOptions(outputDirectory: URL(fileURLWithPath: "/tmp"))
        options.jobs = 4
        // Fewer inputs than jobs: only as many graphs run, and they share the cores.
        #expect(options.compute(running: 1) == ComputeContext.share(ofJobs: 1))
        #expect(options.compute(running: 10) == ComputeContext.share(ofJobs: 4))
        options.threadsPerGraph = 3
        #expect(options.compute(running: 10).threads == 3)
    }
}
