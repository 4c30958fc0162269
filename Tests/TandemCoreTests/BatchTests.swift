import Foundation
import Testing
@testable import TandemCore

/// Reads the input file's lines as packets; fails on a line "broken" (a stand-in for a corrupt file).
struct LineSource: ConfigurableNode {
    static let descriptor = NodeDescriptor(kind: "test-lines", doc: "lines of the input", outputs: [PortSpec("out", .tensor)])
    struct Corrupt: Error, CustomStringConvertible {
        var code = "corrupt"
        var description: String { "corrupt line" }
    }
    var lines: [String] = []
    var next = 0
    init(parameters: NodeParameters) {}
    mutating func start(_ context: NodeContext) throws {
        lines = try String(contentsOf: context.input!.url, encoding: .utf8).split(separator: "\n").map(String.init)
    }
    mutating func produce(output: NodeOutput) throws -> Bool {
        guard next < lines.count else { return false }
        if lines[next] == "broken" { throw Corrupt() }
        try output.emit(tick(next))
        next += 1
        return true
    }
}

/// Writes the number of packets it saw.
struct CountWriter: ConfigurableNode {
    static let descriptor = NodeDescriptor(kind: "test-count-writer", doc: "writes a count", inputs: [PortSpec("in", .any)],
                                           parameters: [ParameterSpec("path", .pathTemplate, default: .string("{relpath}.txt"), "where")])
    let template: PathTemplate
    var output: AtomicOutput?
    var count = 0
    init(parameters: NodeParameters) throws { template = try PathTemplate(parameters.string("path")) }
    mutating func start(_ context: NodeContext) throws { output = try context.createOutput(template) }
    mutating func receive(_ packet: Packet, on port: InputPort, output: NodeOutput) throws { count += 1 }
    mutating func finish(output: NodeOutput) throws { try Data("\(count)\n".utf8).write(to: self.output!.temporaryURL) }
}

@Suite struct BatchTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-batch-\(UUID().uuidString)")

    func write(_ text: String, _ path: String) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// Runs the line-count pipeline over `inputs` into `root/out`; its manifest records in relpath order.
    func countLines(_ inputs: [InputFile]) throws -> (BatchSummary, [ManifestRecord]) {
        let (pipeline, catalog) = try lineCountPipeline()
        let out = root.appendingPathComponent("out")
        let summary = try BatchRunner(pipeline: pipeline, catalog: catalog, options: BatchOptions(outputDirectory: out),
                                      progress: BatchProgress(mode: .none, statistics: false)).run(inputs)
        return (summary, Manifest.read(out.appendingPathComponent("manifest.jsonl")).sorted { $0.relpath < $1.relpath })
    }

    @Test func shardsPartitionTheInputsExactly() throws {
        let paths = (0..<500).map { "dir\($0 % 7)/clip-\($0).mp4" }
        for count in [1, 2, 3, 7, 16] {
            var seen: [String: Int] = [:]
            for index in 0..<count {
                let shard = try Shard(index: index, count: count)
                for path in paths where shard.contains(path) { seen[path, default: 0] += 1 }
            }
            #expect(Set(seen.keys) == Set(paths))
            #expect(seen.values.allSatisfy { $0 == 1 })
        }
        // Stable across runs and machines: FNV-1a 64 of the bytes.
        #expect(Shard.fnv1a64("") == 0xcbf2_9ce4_8422_2325)
        #expect(Shard.fnv1a64("a") == 0xaf63_dc4c_8601_ec8c)
    }

    @Test func shardsComeFromSchedulerVariables() throws {
        #expect(try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1"], shards: nil)
                == Shard(index: 2, count: 4))
        #expect(try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "1"], shards: 5) == Shard(index: 1, count: 5))
        #expect(throws: ShardProblem.self) { try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "1"], shards: nil) }
        #expect(try Shard.fromEnvironment([:], shards: nil) == nil)
        #expect(throws: ShardProblem.self) { try Shard(parsing: "4/4") }
        #expect(try Shard(parsing: "1/4") == Shard(index: 1, count: 4))
    }

    @Test func inputsAreCollectedSortedWithoutLoops() throws {
        try write("", "media/b.mp4")
        try write("", "media/a.wav")
        try write("", "media/notes.txt")
        try write("", "media/.hidden.mp4")
        try write("", "media/sub/c.MKV")
        try write("", "media/sub/skip.mp3")
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("media/sub/loop").path,
                                                   withDestinationPath: root.appendingPathComponent("media").path)
        try write("media/notes.txt\n# a comment\n\nmedia/b.mp4\n", "list.txt")
        let collector = InputCollector(exclude: ["skip*"])
        let found = try collector.collect(["media", "@list.txt"], relativeTo: root)
        #expect(found.map(\.relativePath) == ["a.wav", "b.mp4", "notes.txt", "sub/c.MKV"])
        #expect(throws: InputCollector.Problem.self) { try collector.collect(["missing"], relativeTo: root) }
        let only = try InputCollector(include: ["*.txt"]).collect(["media"], relativeTo: root)
        #expect(only.map(\.relativePath) == ["notes.txt"])
        try? FileManager.default.removeItem(at: root)
    }

    @Test func mixedFolderRecordsOkAndFailedThenResumes() throws {
        try write("x\ny\n", "in/good1.txt")
        try write("x\nbroken\n", "in/bad.txt")
        try write("x\ny\nz\n", "in/sub/good2.txt")
        let (pipeline, catalog) = try lineCountPipeline()
        let out = root.appendingPathComponent("out")
        let inputs = try InputCollector(include: ["*.txt"]).collect([root.appendingPathComponent("in").path])
        var options = BatchOptions(outputDirectory: out)
        options.jobs = 2
        let summary = try BatchRunner(pipeline: pipeline, catalog: catalog, options: options,
                                      progress: BatchProgress(mode: .none, statistics: false)).run(inputs)
        #expect((summary.ok, summary.failed, summary.skipped, summary.exitCode) == (2, 1, 0, 1))
        let records = Manifest.read(out.appendingPathComponent("manifest.jsonl")).sorted { $0.relpath < $1.relpath }
        #expect(records.map(\.relpath) == ["bad.txt", "good1.txt", "sub/good2.txt"])
        #expect(records.map(\.status) == [.failed, .ok, .ok])
        #expect(records[0].error?.errorClass == "Corrupt.corrupt")
        #expect(records[0].error?.node == "read")
        #expect(records[0].outputs.isEmpty)
        #expect(records[1].outputs == ["good1.txt"])
        #expect(records[2].nodes.map(\.packetsOut) == [3, 0])
        #expect(try String(contentsOf: out.appendingPathComponent("sub/good2.txt"), encoding: .utf8) == "3\n")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(leftovers == ["good1.txt", "inputs.json", "manifest.jsonl", "sub"])

        // Fix the broken file and resume: the good ones are skipped, the fixed one runs.
        try write("x\n", "in/bad.txt")
        options.resume = true
        let again = try BatchRunner(pipeline: pipeline, catalog: catalog, options: options,
                                    progress: BatchProgress(mode: .none, statistics: false)).run(inputs)
        #expect((again.ok, again.failed, again.skipped, again.exitCode) == (1, 0, 2, 0))
        #expect(try String(contentsOf: out.appendingPathComponent("bad.txt"), encoding: .utf8) == "1\n")
        try? FileManager.default.removeItem(at: root)
    }

    @Test func aBrokenLinkInAFolderIsRecordedFailed() throws {
        try write("x\n", "in/good.txt")
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("in/gone.txt").path,
                                                   withDestinationPath: root.appendingPathComponent("elsewhere/gone.txt").path)
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("in/gone.mp4").path, withDestinationPath: "missing.mp4")
        defer { try? FileManager.default.removeItem(at: root) }
        // Taken like a file when its name passes the filters (media extensions by default), never silently dropped.
        #expect(try InputCollector().collect(["in"], relativeTo: root).map(\.relativePath) == ["gone.mp4"])
        let inputs = try InputCollector(include: ["*.txt"]).collect([root.appendingPathComponent("in").path])
        #expect(inputs.map(\.relativePath) == ["gone.txt", "good.txt"])
        let (summary, records) = try countLines(inputs)
        #expect((summary.ok, summary.failed, summary.exitCode) == (1, 1, 1))
        #expect(records.map(\.status) == [.failed, .ok])
        #expect(records[0].error?.errorClass == "InputError")
        let message = records[0].error?.message ?? ""
        #expect(message.hasPrefix("broken link") && message.contains("elsewhere/gone.txt"), "\(message)")
    }

    /// A link named on the command line that leads nowhere (a loop, a missing target) is refused as a
    /// broken link, saying why, not as a missing file.
    @Test func aNamedBrokenLinkSaysWhereItLeads() throws {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let a = root.appendingPathComponent("a.mp4"), b = root.appendingPathComponent("b.mp4")
        try FileManager.default.createSymbolicLink(atPath: a.path, withDestinationPath: "b.mp4")
        try FileManager.default.createSymbolicLink(atPath: b.path, withDestinationPath: "a.mp4")
        #expect {
            _ = try InputCollector().collect([a.path])
        } throws: { error in
            let text = String(describing: error)
            return text.hasPrefix(a.path) && text.contains("broken link: points to b.mp4") && text.contains("symbolic links")
        }
    }

    @Test func aNamedPipeInAFolderIsRecordedFailedWithoutWaitingForAWriter() throws {
        try write("x\n", "in/good.txt")
        let pipe = root.appendingPathComponent("in/stream.txt")
        #expect(mkfifo(pipe.path, 0o644) == 0, "mkfifo: \(String(cString: strerror(errno)))")
        defer { try? FileManager.default.removeItem(at: root) }
        let inputs = try InputCollector(include: ["*.txt"]).collect([root.appendingPathComponent("in").path])
        #expect(inputs.map(\.relativePath) == ["good.txt", "stream.txt"])
        // Named on its own, a pipe is a stream the user hands over: it is not refused.
        #expect(try InputCollector().collect([pipe.path]).map(\.refusal) == [nil])
        // Opening the pipe would block this test forever; the batch must finish and say why it did not read it.
        let (summary, records) = try countLines(inputs)
        #expect((summary.ok, summary.failed, summary.exitCode) == (1, 1, 1))
        #expect(records.map(\.status) == [.ok, .failed])
        #expect(records[1].error?.errorClass == "InputError")
        #expect(records[1].error?.message.contains("named pipe") == true, "\(records[1].error?.message ?? "")")
    }

    @Test func manifestIgnoresATornLastLine() throws {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let url = root.appendingPathComponent("manifest.jsonl")
        let manifest = try Manifest(url: url)
        try manifest.append(ManifestRecord(path: "/a", relpath: "a", size: 1, mtime: 2, status: .ok, outputs: ["a.txt"]))
        let handle = try FileHandle(forWritingTo: url)
        handle.seekToEndOfFile()
        handle.write(Data("{\"path\":\"/b\",\"rel".utf8))
        try handle.close()
        #expect(Manifest.read(url).map(\.path) == ["/a"])
        try? FileManager.default.removeItem(at: root)
    }
}
