import Foundation
@testable import TandemCore

/// A lock-protected box the test nodes report into (they run on the engine's threads).
final class Recorder<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Value] = []
    func append(_ value: Value) { lock.withLock { storage.append(value) } }
    var values: [Value] { lock.withLock { storage } }
}

/// A small tensor packet stamped with a media time.
func tick(_ index: Int, step: Double = 0.01) -> Packet {
    .tensor(TensorValue(shape: [1], data: SharedArray([Float(index)]), startSeconds: Double(index) * step))
}

/// Emits `count` tensor packets (or forever when `count` is nil), `step` seconds apart.
struct CountingSource: Node {
    static let descriptor = NodeDescriptor(kind: "test-count", doc: "counts", outputs: [PortSpec("out", .tensor)])
    var count: Int?
    var step = 0.01
    var next = 0
    init(count: Int?, step: Double = 0.01) { self.count = count; self.step = step }
    mutating func produce(output: NodeOutput) throws -> Bool {
        if let count, next >= count { return false }
        try output.emit(tick(next, step: step))
        next += 1
        return true
    }
}

/// Forwards every packet; optionally throws when it sees packet number `failAt`.
struct PassThrough: Node {
    static let descriptor = NodeDescriptor(kind: "test-pass", doc: "forwards", inputs: [PortSpec("in", .any)],
                                           outputs: [PortSpec("out", .any)])
    struct Boom: Error {}
    var failAt: Int?
    var seen = 0
    mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        if seen == failAt { throw Boom() }
        seen += 1
        try output.emit(packet)
    }
}

/// Records the first value of every tensor it receives (and from which port); optionally slow.
struct RecordingSink: Node {
    static let descriptor = NodeDescriptor(kind: "test-sink", doc: "records",
                                           inputs: [PortSpec("in", .any), PortSpec("side", .any, optional: true)])
    let recorder: Recorder<(port: String, value: Float)>
    var delay: TimeInterval = 0
    var finished: Recorder<Bool>?
    var wiredInputs: Recorder<Set<String>>?
    mutating func start(_ context: NodeContext) throws { wiredInputs?.append(context.connectedInputs) }
    mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        if delay > 0 { Thread.sleep(forTimeInterval: delay) }
        if case .tensor(let t) = packet { recorder.append((port.name, t.data[0])) }
    }
    mutating func finish(output: NodeOutput) throws { finished?.append(true) }
}

/// Writes one small file per run through the graph's atomic outputs.
struct FileSink: Node {
    static let descriptor = NodeDescriptor(kind: "test-file", doc: "writes", inputs: [PortSpec("in", .any)])
    var template: PathTemplate
    var output: AtomicOutput?
    var count = 0
    mutating func start(_ context: NodeContext) throws { output = try context.createOutput(template) }
    mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws { count += 1 }
    mutating func finish(output: NodeOutput) throws { try Data("\(count)\n".utf8).write(to: self.output!.temporaryURL) }
}

/// Runs `body` on a thread and waits at most `seconds`; returns nil on timeout (a deadlock guard).
func withTimeout<T: Sendable>(_ seconds: Double, _ body: @escaping @Sendable () -> T) -> T? {
    let semaphore = DispatchSemaphore(value: 0)
    let result = Recorder<T>()
    Thread {
        result.append(body())
        semaphore.signal()
    }.start()
    guard semaphore.wait(timeout: .now() + seconds) == .success else { return nil }
    return result.values.first
}

/// The batch tests' pipeline: `test-lines` reads each input's lines, `test-count-writer` writes their count.
func lineCountPipeline() throws -> (Pipeline, NodeCatalog) {
    var catalog = NodeCatalog()
    catalog.register(LineSource.self)
    catalog.register(CountWriter.self)
    let pipeline = try Pipeline.load(yaml: """
        version: 1
        nodes:
          - {id: read, kind: test-lines}
          - {id: count, kind: test-count-writer, inputs: {in: read.out}}
        """, file: "t.yaml", catalog: catalog)
    return (pipeline, catalog)
}

/// A source that emits one packet only once `gate` is signalled (or after `seconds`), recording which.
struct GatedSource: Node {
    static let descriptor = NodeDescriptor(kind: "test-gated", doc: "waits", outputs: [PortSpec("out", .tensor)])
    let gate: DispatchSemaphore
    let opened: Recorder<Bool>
    var seconds = 10.0
    var done = false
    mutating func produce(output: NodeOutput) throws -> Bool {
        guard !done else { return false }
        opened.append(gate.wait(timeout: .now() + seconds) == .success)
        try output.emit(tick(1_000))
        done = true
        return false
    }
}

/// Takes its two inputs as they arrive; when `a` ends it emits the count of `a` on `early` and ends
/// that output, and at the end the count of `b` on `late`. Records every `inputEnded` port.
struct EarlyJoin: Node {
    static let descriptor = NodeDescriptor(kind: "test-early", doc: "ends an output early",
                                           inputs: [PortSpec("a", .any), PortSpec("b", .any), PortSpec("c", .any, optional: true)],
                                           outputs: [PortSpec("early", .tensor), PortSpec("late", .tensor)], inputOrder: .arrival)
    let ended: Recorder<String>
    let emitAfterEnd: Recorder<Bool>
    var counts: [String: Int] = [:]
    mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws { counts[port.name, default: 0] += 1 }
    mutating func inputEnded(_ port: InputPort, output: NodeOutput) throws {
        ended.append(port.name)
        guard port.name == "a" else { return }
        try output.emit(.tensor(TensorValue(shape: [1], data: SharedArray([Float(counts["a", default: 0])]), startSeconds: 0)), port: "early")
        try output.end(port: "early")
        do {
            try output.emit(tick(0), port: "early")
            emitAfterEnd.append(true)
        } catch let error as NodeError where error.code == .outputEnded {
            emitAfterEnd.append(false)
        }
    }
    mutating func finish(output: NodeOutput) throws {
        try output.emit(.tensor(TensorValue(shape: [1], data: SharedArray([Float(counts["b", default: 0])]), startSeconds: 0)), port: "late")
    }
}

/// Signals `gate` when it finishes.
struct SignallingSink: Node {
    static let descriptor = NodeDescriptor(kind: "test-signal", doc: "signals at its end", inputs: [PortSpec("in", .any)])
    let gate: DispatchSemaphore
    let recorder: Recorder<(port: String, value: Float)>
    mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws {
        if case .tensor(let t) = packet { recorder.append((port.name, t.data[0])) }
    }
    mutating func finish(output: NodeOutput) throws { gate.signal() }
}
