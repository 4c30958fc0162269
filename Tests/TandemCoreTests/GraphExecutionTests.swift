import Foundation
import Testing
@testable import TandemCore

@Suite struct GraphExecutionTests {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-engine-\(UUID().uuidString)")

    @Test func chainDeliversEveryPacketInOrderAndFlushes() throws {
        let recorder = Recorder<(port: String, value: Float)>()
        let finished = Recorder<Bool>()
        var graph = Graph()
        try graph.add("src", CountingSource(count: 500))
        try graph.add("a", PassThrough())
        try graph.add("b", PassThrough())
        try graph.add("sink", RecordingSink(recorder: recorder, finished: finished))
        try graph.connect("src", "out", to: "a", "in")
        try graph.connect("a", "out", to: "b", "in")
        try graph.connect("b", "out", to: "sink", "in")
        let result = try GraphExecution(graph, outputDirectory: scratch).run()
        #expect(recorder.values.map(\.value) == (0..<500).map(Float.init))
        #expect(finished.values == [true])
        #expect(result.statistics.map(\.packetsIn) == [0, 500, 500, 500])
        #expect(result.statistics.map(\.packetsOut) == [500, 500, 500, 0])
    }

    @Test func nodesKnowWhichOptionalInputsAreWired() throws {
        let alone = Recorder<Set<String>>(), both = Recorder<Set<String>>()
        var graph = Graph()
        try graph.add("src", CountingSource(count: 3))
        try graph.add("silent", CountingSource(count: 0))
        try graph.add("alone", RecordingSink(recorder: Recorder(), wiredInputs: alone))
        try graph.add("both", RecordingSink(recorder: Recorder(), wiredInputs: both))
        try graph.connect("src", "out", to: "alone", "in")
        try graph.connect("src", "out", to: "both", "in")
        try graph.connect("silent", "out", to: "both", "side")
        _ = try GraphExecution(graph, outputDirectory: scratch).run()
        #expect(alone.values == [["in"]])
        // Wired even though its producer never sends a packet.
        #expect(both.values == [["in", "side"]])
    }

    @Test func slowSinkBoundsTheQueue() throws {
        let fast = Recorder<(port: String, value: Float)>()
        let slow = Recorder<(port: String, value: Float)>()
        var graph = Graph()
        try graph.add("src", CountingSource(count: 60))
        try graph.add("fast", RecordingSink(recorder: fast))
        try graph.add("slow", RecordingSink(recorder: slow, delay: 0.002))
        try graph.connect("src", "out", to: "fast", "in", capacity: ChannelCapacity(packets: 4, bytes: 1 << 20))
        try graph.connect("src", "out", to: "slow", "in", capacity: ChannelCapacity(packets: 4, bytes: 1 << 20))
        let result = try GraphExecution(graph, outputDirectory: scratch).run()
        #expect(slow.values.count == 60)
        #expect(fast.values.count == 60)
        let slowStats = try #require(result.statistics.first { $0.id == "slow" })
        // Without back-pressure the source would finish at once and the queue would hold ~60.
        #expect(slowStats.queueHighWater <= 4)
        #expect(slowStats.queueHighWater >= 3)
    }

    @Test func byteBoundAdmitsOneOversizedPacketAtATime() throws {
        let slow = Recorder<(port: String, value: Float)>()
        var graph = Graph()
        try graph.add("src", CountingSource(count: 20))
        try graph.add("slow", RecordingSink(recorder: slow, delay: 0.001))
        // Each tensor packet counts 4 bytes; a 4-byte bound holds one packet.
        try graph.connect("src", "out", to: "slow", "in", capacity: ChannelCapacity(packets: 100, bytes: 4))
        let result = try GraphExecution(graph, outputDirectory: scratch).run()
        #expect(slow.values.count == 20)
        #expect(result.statistics[1].queueHighWater == 1)
    }

    @Test func throwingNodeCancelsAnEndlessGraph() throws {
        let outcome = withTimeout(10) { () -> String in
            do {
                var graph = Graph()
                try graph.add("src", CountingSource(count: nil))
                try graph.add("bad", PassThrough(failAt: 50))
                try graph.add("sink", RecordingSink(recorder: Recorder()))
                try graph.add("other", RecordingSink(recorder: Recorder(), delay: 0.001))
                try graph.connect("src", "out", to: "bad", "in")
                try graph.connect("bad", "out", to: "sink", "in")
                try graph.connect("src", "out", to: "other", "in")
                let input = InputFile(url: URL(fileURLWithPath: "/data/clip.mp4"), relativePath: "clip.mp4")
                _ = try GraphExecution(graph, input: input, outputDirectory: scratch).run()
                return "no error"
            } catch let error as NodeError {
                return "\(error.nodeID ?? "?") \(error.file ?? "?") \(error.mediaTime.map { String(format: "%.2f", $0) } ?? "?") \(error.errorClass)"
            } catch {
                return "other \(error)"
            }
        }
        #expect(outcome == "bad /data/clip.mp4 0.50 Boom")
    }

    @Test func cancelFromOutsideStopsPromptlyAndDiscardsOutputs() throws {
        let directory = scratch
        let outcome = withTimeout(10) { () -> String in
            do {
                var graph = Graph()
                try graph.add("src", CountingSource(count: nil))
                try graph.add("file", FileSink(template: try PathTemplate("{stem}.txt")))
                try graph.connect("src", "out", to: "file", "in")
                let input = InputFile(url: URL(fileURLWithPath: "/data/clip.mp4"), relativePath: "clip.mp4")
                let execution = try GraphExecution(graph, input: input, outputDirectory: directory)
                DispatchQueue.global().asyncAfter(deadline: .now() + 0.05) { execution.cancel() }
                _ = try execution.run()
                return "finished"
            } catch is GraphCancelled {
                return "cancelled"
            } catch {
                return "other \(error)"
            }
        }
        #expect(outcome == "cancelled")
        let left = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        #expect(left.isEmpty)
    }

    @Test func outputsAreCommittedWhenTheGraphCompletes() throws {
        var graph = Graph()
        try graph.add("src", CountingSource(count: 7))
        try graph.add("file", FileSink(template: try PathTemplate("{relpath}-{id}.txt")))
        try graph.connect("src", "out", to: "file", "in")
        let input = InputFile(url: URL(fileURLWithPath: "/data/sub/clip.mp4"), relativePath: "sub/clip.mp4")
        let result = try GraphExecution(graph, input: input, outputDirectory: scratch).run()
        #expect(result.outputs == ["sub/clip-file.txt"])
        let text = try String(contentsOf: scratch.appendingPathComponent("sub/clip-file.txt"), encoding: .utf8)
        #expect(text == "7\n")
        try? FileManager.default.removeItem(at: scratch)
    }

    @Test func twoInputsAreDeliveredInMediaTimeOrder() throws {
        let recorder = Recorder<(port: String, value: Float)>()
        var graph = Graph()
        // "a" ticks every 0.01 s, "b" every 0.025 s: arrival order is arbitrary, delivery must be by time.
        try graph.add("a", CountingSource(count: 50, step: 0.01))
        try graph.add("b", CountingSource(count: 20, step: 0.025))
        try graph.add("sink", RecordingSink(recorder: recorder))
        try graph.connect("a", "out", to: "sink", "in")
        try graph.connect("b", "out", to: "sink", "side")
        _ = try GraphExecution(graph, outputDirectory: scratch).run()
        let times = recorder.values.map { Double($0.value) * ($0.port == "in" ? 0.01 : 0.025) }
        #expect(times.count == 70)
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 <= $1 + 1e-9 }, "\(times)")
    }

    /// A node taking inputs as they arrive sees a finished input end while another is still open, and
    /// an output it ends early lets its consumer finish before the node itself does: here the slow
    /// input only comes once that consumer has finished, so without either the graph would stall.
    @Test func anOutputEndedEarlyLetsItsConsumerFinishFirst() throws {
        let gate = DispatchSemaphore(value: 0)
        let opened = Recorder<Bool>(), ended = Recorder<String>(), emitAfterEnd = Recorder<Bool>()
        let early = Recorder<(port: String, value: Float)>(), late = Recorder<(port: String, value: Float)>()
        let outcome = withTimeout(20) { () -> Bool in
            do {
                var graph = Graph()
                try graph.add("fast", CountingSource(count: 7))
                try graph.add("slow", GatedSource(gate: gate, opened: opened))
                try graph.add("join", EarlyJoin(ended: ended, emitAfterEnd: emitAfterEnd))
                try graph.add("first", SignallingSink(gate: gate, recorder: early))
                try graph.add("last", RecordingSink(recorder: late))
                try graph.connect("fast", "out", to: "join", "a")
                try graph.connect("slow", "out", to: "join", "b")
                try graph.connect("join", "early", to: "first", "in")
                try graph.connect("join", "late", to: "last", "in")
                _ = try GraphExecution(graph, outputDirectory: scratch).run()
                return true
            } catch { return false }
        }
        #expect(outcome == true)
        #expect(opened.values == [true], "the slow input was released by the early consumer's end")
        #expect(early.values.map(\.value) == [7])
        #expect(late.values.map(\.value) == [1])
        // The last input's end is `finish`, and the unconnected `c` is never reported.
        #expect(ended.values == ["a"])
        #expect(emitAfterEnd.values == [false])
    }

    @Test func diamondWithUnbalancedBranchesDoesNotDeadlock() throws {
        // One source feeds both inputs of a node; the second branch is filtered to nothing, so the
        // time rule alone would wait forever for it while the source blocks on the first branch.
        let recorder = Recorder<(port: String, value: Float)>()
        let outcome = withTimeout(10) { () -> Int in
            do {
                var graph = Graph()
                try graph.add("src", CountingSource(count: 200))
                try graph.add("sink", RecordingSink(recorder: recorder))
                try graph.add("hold", PassThrough(failAt: nil))
                try graph.connect("src", "out", to: "sink", "in", capacity: ChannelCapacity(packets: 2, bytes: 1 << 20))
                try graph.connect("src", "out", to: "hold", "in", capacity: ChannelCapacity(packets: 2, bytes: 1 << 20))
                try graph.connect("hold", "out", to: "sink", "side", capacity: ChannelCapacity(packets: 2, bytes: 1 << 20))
                _ = try GraphExecution(graph, outputDirectory: scratch).run()
                return recorder.values.count
            } catch { return -1 }
        }
        #expect(outcome == 400)
    }

    @Test func cyclesAndUnconnectedInputsAreRefused() throws {
        var graph = Graph()
        try graph.add("a", PassThrough())
        try graph.add("b", PassThrough())
        try graph.connect("a", "out", to: "b", "in")
        try graph.connect("b", "out", to: "a", "in")
        #expect(throws: NodeError.self) { try graph.check() }
        var open = Graph()
        try open.add("a", PassThrough())
        #expect(throws: NodeError.self) { try open.check() }
    }
}
