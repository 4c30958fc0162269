import Foundation
import Testing
@testable import TandemCore

@Suite struct NodeProgressTests {
    /// Collects what a progress display writes.
    final class Captured: @unchecked Sendable {
        private let lock = NSLock()
        private var text = ""
        func append(_ more: String) { lock.withLock { text += more } }
        var all: String { lock.withLock { text } }
    }

    @Test func aNodeReportsThroughItsContext() {
        let received = Captured()
        let context = NodeContext(nodeID: "generate", input: InputFile(url: URL(fileURLWithPath: "/in/a.txt"), relativePath: "a.txt"),
                                  outputs: OutputFiles(directory: URL(fileURLWithPath: "/tmp"), input: nil), connectedOutputs: [],
                                  progress: { received.append("\($0.input ?? "-") \($0.nodeID) \($0.done)/\($0.total) \($0.unit)") })
        context.reportProgress(3, of: 10, unit: "steps")
        #expect(received.all == "a.txt generate 3/10 steps")
    }

    @Test func theDisplayShowsNodeProgressAsJSONEventsAndPlainLines() throws {
        let json = Captured(), plain = Captured()
        let step = NodeProgress(input: "sub/a.txt", nodeID: "generate", done: 4, total: 50, unit: "steps")
        BatchProgress(mode: .json, statistics: false, write: { json.append($0) }).nodeProgressed(step)
        BatchProgress(mode: .plain, statistics: false, write: { plain.append($0) }).nodeProgressed(step)
        let event = try JSONSerialization.jsonObject(with: Data(json.all.utf8)) as? [String: Any]
        #expect(event?["event"] as? String == "progress")
        #expect(event?["path"] as? String == "sub/a.txt")
        #expect(event?["done"] as? Int == 4 && event?["total"] as? Int == 50 && event?["unit"] as? String == "steps")
        #expect(plain.all == "    sub/a.txt generate: 4/50 steps\n")
    }
}
