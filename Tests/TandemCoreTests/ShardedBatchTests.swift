import Foundation
import Testing
@testable import TandemCore

/// Per-shard manifests, the input list, `tandem status`'s merge and the Slurm script, without a scheduler
/// (the real one is exercised by `Tests/Cluster/slurm-array.sh`).
@Suite struct ShardedBatchTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-shards-\(UUID().uuidString)")

    func write(_ text: String, _ path: String) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    func run(_ inputs: [InputFile], out: URL, shard: Shard?, resume: Bool = false) throws -> BatchSummary {
        let (pipeline, catalog) = try lineCountPipeline()
        var options = BatchOptions(outputDirectory: out)
        options.shard = shard
        options.resume = resume
        return try BatchRunner(pipeline: pipeline, catalog: catalog, options: options,
                               progress: BatchProgress(mode: .none, statistics: false)).run(inputs)
    }

    @Test func manifestNamesNameTheirShard() throws {
        #expect(Manifest.fileName(for: nil) == "manifest.jsonl")
        let shard = try Shard(index: 2, count: 5)
        #expect(Manifest.fileName(for: shard) == "manifest.shard-2-of-5.jsonl")
        #expect(Manifest.shard(ofFileName: "manifest.shard-2-of-5.jsonl") == .some(shard))
        #expect(Manifest.shard(ofFileName: "manifest.jsonl") == .some(nil))
        #expect(Manifest.shard(ofFileName: "manifest.shard-5-of-5.jsonl") == nil)  // out of range: not ours
        #expect(Manifest.shard(ofFileName: "manifest.shard-x-of-5.jsonl") == nil)
        #expect(Manifest.shard(ofFileName: "inputs.json") == nil)
        for name in ["manifest.shard-1-of-2.jsonl", "notes.jsonl", "manifest.shard-0-of-2.jsonl", "manifest.jsonl", "manifest.shard-0-of-10.jsonl"] {
            try write("", "m/\(name)")
        }
        #expect(Manifest.urls(in: root.appendingPathComponent("m")).map(\.lastPathComponent)
                == ["manifest.jsonl", "manifest.shard-0-of-2.jsonl", "manifest.shard-1-of-2.jsonl", "manifest.shard-0-of-10.jsonl"])
        try? FileManager.default.removeItem(at: root)
    }

    @Test func theNewestRecordOfAnyManifestWins() throws {
        let out = root.appendingPathComponent("out")
        let unsharded = try Manifest(url: out.appendingPathComponent("manifest.jsonl"))
        let shard0 = try Manifest(url: out.appendingPathComponent("manifest.shard-0-of-2.jsonl"))
        let shard1 = try Manifest(url: out.appendingPathComponent("manifest.shard-1-of-2.jsonl"))
        // /a: ok long ago (older version, no time), failed later in shard 1.
        try unsharded.append(ManifestRecord(path: "/a", relpath: "a", size: 1, mtime: 1, status: .ok))
        try shard1.append(ManifestRecord(path: "/a", relpath: "a", size: 1, mtime: 1, status: .failed, finished: 100))
        // /b: failed at 50 in shard 1, then ok at 200 in shard 0 (the batch was re-split).
        try shard1.append(ManifestRecord(path: "/b", relpath: "b", size: 1, mtime: 1, status: .failed, finished: 50))
        try shard0.append(ManifestRecord(path: "/b", relpath: "b", size: 1, mtime: 1, status: .ok, finished: 200))
        // /c: two lines in one file with equal times: the later line wins.
        try shard0.append(ManifestRecord(path: "/c", relpath: "c", size: 1, mtime: 1, status: .failed, finished: 300))
        try shard0.append(ManifestRecord(path: "/c", relpath: "c", size: 1, mtime: 1, status: .ok, finished: 300))
        let latest = Manifest.latestRecords(in: out)
        #expect(latest.mapValues(\.status) == ["/a": .failed, "/b": .ok, "/c": .ok])
        try? FileManager.default.removeItem(at: root)
    }

    @Test func shardsWriteOnlyTheirManifestAndResumeReadsAll() throws {
        for index in 0..<12 { try write(String(repeating: "x\n", count: index + 1), "in/clip\(index).txt") }
        let inputs = try InputCollector(include: ["*.txt"]).collect([root.appendingPathComponent("in").path])
        let out = root.appendingPathComponent("out")
        var processed = 0
        for index in 0..<3 {
            let summary = try run(inputs, out: out, shard: Shard(index: index, count: 3))
            processed += summary.ok
            #expect(summary.ok + summary.otherShards == 12)
        }
        #expect(processed == 12)
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasPrefix("manifest") }.sorted()
        #expect(names == ["manifest.shard-0-of-3.jsonl", "manifest.shard-1-of-3.jsonl", "manifest.shard-2-of-3.jsonl"])
        for index in 0..<3 {
            let shard = try Shard(index: index, count: 3)
            let records = Manifest.read(out.appendingPathComponent(Manifest.fileName(for: shard)))
            #expect(!records.isEmpty)
            #expect(records.allSatisfy { shard.contains($0.relpath) && $0.finished != nil })
        }
        let list = try #require(try BatchInputList.read(from: out))
        #expect(list.shards == 3)
        #expect(list.inputs.map(\.relpath) == inputs.map(\.relativePath))

        // An unsharded resume sees every shard's records: nothing to redo.
        let resumed = try run(inputs, out: out, shard: nil, resume: true)
        #expect((resumed.ok, resumed.skipped, resumed.failed) == (0, 12, 0))
        #expect(try BatchInputList.read(from: out)?.shards == nil)
        try? FileManager.default.removeItem(at: root)
    }

    @Test func statusMergesManifestsIntoTotals() throws {
        for index in 0..<8 { try write("x\n", "in/good\(index).txt") }
        try write("x\nbroken\n", "in/bad1.txt")
        try write("broken\n", "in/sub/bad2.txt")
        let inputs = try InputCollector(include: ["*.txt"]).collect([root.appendingPathComponent("in").path])
        let out = root.appendingPathComponent("out")
        // Before any shard ran: the list alone, everything pending.
        try BatchInputList(inputs: inputs, shards: 2, pipeline: "/p.yaml").write(to: out)
        let before = try BatchStatus(directory: out)
        #expect((before.total, before.pending, before.ok, before.isComplete) == (10, 10, 0, false))
        #expect(before.perShard.map(\.manifestExists) == [false, false])

        _ = try run(inputs, out: out, shard: Shard(index: 0, count: 2))
        let shard0 = inputs.filter { Shard.fnv1a64($0.relativePath) % 2 == 0 }
        let half = try BatchStatus(directory: out)
        #expect(half.pending == 10 - shard0.count)
        #expect(half.perShard[0].pending == 0 && half.perShard[0].manifestExists)
        #expect(half.perShard[1].pending == half.perShard[1].inputs)
        #expect(try BatchInputList.read(from: out)?.pipeline == "/p.yaml")  // same list: left as submitted

        _ = try run(inputs, out: out, shard: Shard(index: 1, count: 2))
        let done = try BatchStatus(directory: out, slowest: 3)
        #expect((done.total, done.ok, done.failed, done.skipped, done.pending) == (10, 8, 2, 0, 0))
        #expect(done.errors.map(\.errorClass) == ["Corrupt.corrupt"])
        #expect(done.errors.first?.count == 2)
        #expect(Set(done.errors.first?.examples.map(\.relpath) ?? []) == ["bad1.txt", "sub/bad2.txt"])
        #expect(done.slowest.count == 3)
        #expect(done.perShard.map(\.inputs).reduce(0, +) == 10)
        #expect(!done.isComplete)
        #expect(done.text.contains("Corrupt.corrupt: 2"))
        #expect(done.pipeline == "/p.yaml" && done.text.contains("pipeline /p.yaml"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(done.json().utf8)) as? [String: Any])
        #expect(json["failed"] as? Int == 2)
        #expect(json["complete"] as? Bool == false)
        #expect((json["per_shard"] as? [[String: Any]])?.count == 2)

        // Fix the broken files: they and a changed good file are pending until resumed; then complete.
        try write("x\n", "in/bad1.txt")
        try write("x\n", "in/sub/bad2.txt")
        try write("x\ny\n", "in/good3.txt")
        let changed = try BatchStatus(directory: out)
        #expect((changed.failed, changed.pending, changed.changed) == (2, 1, 1))
        for index in 0..<2 { _ = try run(inputs, out: out, shard: Shard(index: index, count: 2), resume: true) }
        let complete = try BatchStatus(directory: out)
        #expect((complete.ok, complete.skipped, complete.failed, complete.pending) == (3, 7, 0, 0))
        #expect(complete.isComplete)

        #expect(throws: BatchInputList.Problem.self) { try BatchStatus(directory: root.appendingPathComponent("in")) }
        try? FileManager.default.removeItem(at: root)
    }

    @Test func slurmScriptRunsOneShardPerTask() throws {
        var array = SlurmJobArray(tandem: "/opt/tandem/bin/tandem", pipeline: "/p/frames.yaml",
                                  inputs: ["/data/it's here", "@/data/list.txt"], outputDirectory: "/shared/out", tasks: 4)
        array.cpusPerTask = 2
        array.partition = "short"
        array.time = "01:00:00"
        array.overrides = ["fps=2"]
        let script = try array.script()
        #expect(script.hasPrefix("#!/bin/bash\n"))
        for line in ["#SBATCH --array=0-3", "#SBATCH --cpus-per-task=2", "#SBATCH --partition=short", "#SBATCH --time=01:00:00",
                     "#SBATCH --output=/shared/out/slurm-logs/%A_%a.out", "#SBATCH --error=/shared/out/slurm-logs/%A_%a.err"] {
            #expect(script.contains("\n\(line)\n"))
        }
        #expect(!script.contains("--mem"))
        #expect(script.contains("""
            exec /opt/tandem/bin/tandem run /p/frames.yaml '/data/it'\\''s here' @/data/list.txt --out /shared/out --set fps=2 \
            --shard "$SLURM_ARRAY_TASK_ID/4" --resume --jobs 2 --progress plain
            """))
        #expect(array.scriptURL.path == "/shared/out/tandem-slurm.sbatch")
        array.memory = "2 G"
        #expect(throws: SlurmJobArray.Problem.self) { try array.script() }
        array.memory = nil
        array.tasks = 0
        #expect(throws: SlurmJobArray.Problem.self) { try array.script() }
        #expect(SlurmJobArray.shellQuoted("") == "''")
        #expect(SlurmJobArray.shellQuoted("a b") == "'a b'")
        #expect(SlurmJobArray.shellQuoted("$HOME") == "'$HOME'")
        #expect(SlurmJobArray.shellQuoted("/x/y-z_1.mp4") == "/x/y-z_1.mp4")
    }

    @Test func inputsThatWouldShareAnOutputAreFound() throws {
        for path in ["in/x.txt", "in/x.md", "in/y.txt", "in/sub/y.txt"] { try write("x\n", path) }
        let inputs = try InputCollector(include: ["*.txt", "*.md"]).collect([root.appendingPathComponent("in").path])
        var catalog = NodeCatalog()
        catalog.register(LineSource.self)
        catalog.register(CountWriter.self)
        func collisions(_ template: String) throws -> [String] {
            let pipeline = try Pipeline.load(yaml: """
                version: 1
                nodes:
                  - {id: read, kind: test-lines}
                  - {id: count, kind: test-count-writer, params: {path: "\(template)"}, inputs: {in: read.out}}
                """, file: "t.yaml", catalog: catalog)
            return pipeline.outputCollisions(inputs, catalog: catalog).map(\.description)
        }
        // {relpath} drops the extension: x.md and x.txt meet; sub/y and y stay apart.
        #expect(try collisions("{relpath}.out") == ["x.md and x.txt would both write x.out"])
        #expect(try collisions("{stem}.out") == ["x.md and x.txt would both write x.out", "sub/y.txt and y.txt would both write y.out"])
        #expect(try collisions("counts/all.out").count == 3)
        try? FileManager.default.removeItem(at: root)
    }
}
