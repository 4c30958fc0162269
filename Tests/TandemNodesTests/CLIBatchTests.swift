import Foundation
import Testing
import TandemCore

/// Runs the built `tandem` binary, as users and cluster jobs do.
@Suite(.serialized) struct CLIBatchTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-cli-\(UUID().uuidString)")

    /// The `tandem` executable built beside this test bundle.
    static func tandemBinary() throws -> URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("tandem")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "build the tandem product before the tests"])
    }

    /// Runs `tandem` (or `executable`) from the package root (or `directory`) to the end, with what it printed to each
    /// stream; `environment` is laid over the test's own.
    static func runCapturing(_ arguments: [String], environment: [String: String] = [:], executable: URL? = nil,
                             directory: URL? = nil) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = try executable ?? tandemBinary()
        process.arguments = arguments
        process.currentDirectoryURL = directory ?? BatchWidthTests.packageRoot
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let error = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text, error)
    }

    func launch(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = try Self.tandemBinary()
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    func run(_ arguments: [String]) throws -> Int32 {
        let process = try launch(arguments)
        process.waitUntilExit()
        return process.terminationStatus
    }

    func writePipeline() throws -> String {
        let url = root.appendingPathComponent("frames.yaml")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try Data("""
            version: 1
            nodes:
              - {id: decode, kind: decode}
              - {id: frames, kind: write-frames, params: {path: "{relpath}/{index}.png"}, inputs: {video: decode.video}}
            """.utf8).write(to: url)
        return url.path
    }

    /// Every file below `directory` (hidden ones included) with its bytes, the batch's own records
    /// (manifest, input list, run record) excluded.
    func contents(_ directory: URL) -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
            let relative = String(url.standardizedFileURL.path.dropFirst(directory.standardizedFileURL.path.count + 1))
            if Manifest.shard(ofFileName: relative) == nil, relative != BatchInputList.fileName,
               !RunRecord.isFileName(relative) { files[relative] = try? Data(contentsOf: url) }
        }
        return files
    }

    /// The last record of each input.
    func finalRecords(_ directory: URL) -> [String: ManifestRecord] {
        var last: [String: ManifestRecord] = [:]
        for record in Manifest.read(directory.appendingPathComponent("manifest.jsonl")) { last[record.relpath] = record }
        return last
    }

    @Test func resumeAfterKillMatchesAnUninterruptedRun() throws {
        let inputs = root.appendingPathComponent("in")
        for index in 0..<6 {
            try MediaSamples.video(inputs.appendingPathComponent("clip\(index).mp4"), frames: 24, fps: 25, width: 96, height: 64)
        }
        let pipeline = try writePipeline()
        let killed = root.appendingPathComponent("killed"), clean = root.appendingPathComponent("clean")
        let manifest = killed.appendingPathComponent("manifest.jsonl")

        // Ctrl-C: exit 130, and every output on disk belongs to an input the manifest records as ok.
        let interrupted = root.appendingPathComponent("interrupted")
        let interruptedManifest = interrupted.appendingPathComponent("manifest.jsonl")
        let stopped = try launch(["run", pipeline, inputs.path, "--out", interrupted.path, "--progress", "none"])
        let stopBy = Date().addingTimeInterval(60)
        while Manifest.read(interruptedManifest).isEmpty, stopped.isRunning, Date() < stopBy { usleep(2_000) }
        kill(stopped.processIdentifier, SIGINT)
        stopped.waitUntilExit()
        #expect(stopped.terminationStatus == 130)
        let recorded = Set(Manifest.read(interruptedManifest).flatMap(\.outputs))
        #expect(!recorded.isEmpty)
        #expect(Set(contents(interrupted).keys) == recorded)

        let process = try launch(["run", pipeline, inputs.path, "--out", killed.path, "--progress", "none"])
        let deadline = Date().addingTimeInterval(60)
        while Manifest.read(manifest).count < 2, process.isRunning, Date() < deadline { usleep(2_000) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let doneBeforeKill = Manifest.read(manifest).count
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(doneBeforeKill >= 2 && doneBeforeKill < 6)

        #expect(try run(["run", pipeline, inputs.path, "--out", killed.path, "--resume", "--progress", "none"]) == 0)
        #expect(try run(["run", pipeline, inputs.path, "--out", clean.path, "--progress", "none"]) == 0)

        let resumed = contents(killed), reference = contents(clean)
        #expect(reference.count == 6 * 24)
        #expect(resumed.keys.sorted() == reference.keys.sorted())  // no half-written or temporary files
        #expect(resumed == reference)
        let resumedRecords = finalRecords(killed), referenceRecords = finalRecords(clean)
        #expect(resumedRecords.keys.sorted() == referenceRecords.keys.sorted())
        for (path, record) in referenceRecords {
            #expect(record.status == .ok)
            #expect(resumedRecords[path]?.status == .ok || resumedRecords[path]?.status == .skipped)
            #expect(resumedRecords[path]?.outputs == record.outputs)
        }
        // The resumed run skipped exactly the inputs recorded before the kill.
        let skipped = Manifest.read(manifest).filter { $0.status == .skipped }.count
        #expect(skipped == doneBeforeKill)
        try? FileManager.default.removeItem(at: root)
    }

    @Test func mixedFolderOfGoodAndBrokenFilesExitsWithOne() throws {
        let inputs = root.appendingPathComponent("mixed")
        try MediaSamples.video(inputs.appendingPathComponent("good.mp4"), frames: 5)
        try Data("this is not a video".utf8).write(to: inputs.appendingPathComponent("text.mp4"))
        let good = try Data(contentsOf: inputs.appendingPathComponent("good.mp4"))
        try good.prefix(good.count / 3).write(to: inputs.appendingPathComponent("truncated.mp4"))
        let pipeline = try writePipeline()
        let out = root.appendingPathComponent("out")
        #expect(try run(["run", pipeline, inputs.path, "--out", out.path, "--jobs", "2", "--progress", "none"]) == 1)
        let records = finalRecords(out)
        #expect(records["good.mp4"]?.status == .ok)
        #expect(records["good.mp4"]?.outputs.count == 5)
        #expect(records["text.mp4"]?.status == .failed)
        #expect(records["text.mp4"]?.error?.errorClass.hasPrefix("MediaError.") == true)
        #expect(records["text.mp4"]?.error?.node == "decode")
        #expect(records["truncated.mp4"]?.status == .failed)
        #expect(records["truncated.mp4"]?.outputs.isEmpty == true)
        // Nothing of the failed inputs is left under any name.
        #expect(contents(out).keys.allSatisfy { $0.hasPrefix("good/") })
        // A broken pipeline file is a usage error: 2, and nothing runs.
        let bad = root.appendingPathComponent("bad.yaml")
        try Data("version: 1\nnodes:\n  - {id: d, kind: decodr}\n".utf8).write(to: bad)
        #expect(try run(["run", bad.path, inputs.path, "--out", root.appendingPathComponent("never").path]) == 2)
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("never").path))
        try? FileManager.default.removeItem(at: root)
    }

    @Test func inputsThatWouldOverwriteEachOtherAreRefused() throws {
        let inputs = root.appendingPathComponent("same-name")
        try MediaSamples.video(inputs.appendingPathComponent("clip.mp4"), frames: 2)
        try FileManager.default.copyItem(at: inputs.appendingPathComponent("clip.mp4"), to: inputs.appendingPathComponent("clip.mov"))
        let out = root.appendingPathComponent("out")
        // Both would write clip/000000.png: usage error, nothing run, no manifest.
        #expect(try run(["run", try writePipeline(), inputs.path, "--out", out.path, "--progress", "none"]) == 2)
        #expect(!FileManager.default.fileExists(atPath: out.path))
        try? FileManager.default.removeItem(at: root)
    }

    /// A `tandem` copied out of its checkout, run elsewhere, finds no bundled pipeline: a job command says where it looked
    /// and what to do (exit 2, nothing written), not only that a file it was never given does not exist.
    @Test func aCopiedBinaryNamesTheMissingBundledPipeline() throws {
        let away = root.appendingPathComponent("away")
        try FileManager.default.createDirectory(at: away, withIntermediateDirectories: true)
        let copy = away.appendingPathComponent("tandem")
        try FileManager.default.copyItem(at: try Self.tandemBinary(), to: copy)
        try MediaSamples.video(away.appendingPathComponent("clip.mp4"), frames: 2)
        let result = try Self.runCapturing(["separate", "clip.mp4", "--out", "out", "--progress", "none"], executable: copy,
                                           directory: away)
        #expect(result.status == 2)
        #expect(result.errors.contains("Pipelines/separate-instruments.yaml is in neither the current directory"), "\(result.errors)")
        #expect(result.errors.contains("--pipeline FILE"), "\(result.errors)")
        #expect(!FileManager.default.fileExists(atPath: away.appendingPathComponent("out").path))
        try? FileManager.default.removeItem(at: root)
    }

    /// A folder without media (or an `--include` that matches nothing) runs nothing and says so.
    @Test func aFolderWithoutMediaIsWarnedAbout() throws {
        let inputs = root.appendingPathComponent("no-media")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        try Data("notes".utf8).write(to: inputs.appendingPathComponent("readme.txt"))
        let out = root.appendingPathComponent("out")
        let plain = try Self.runCapturing(["run", try writePipeline(), inputs.path, "--out", out.path, "--progress", "none"])
        #expect(plain.status == 0)
        #expect(plain.errors.contains("warning: no media files (by extension) among \(inputs.path)"), "\(plain.errors)")
        try MediaSamples.video(inputs.appendingPathComponent("clip.mp4"), frames: 2)
        let globbed = try Self.runCapturing(["run", try writePipeline(), inputs.path, "--include", "*.mkv", "--out", out.path,
                                             "--progress", "none"])
        #expect(globbed.errors.contains("warning: no files matching --include *.mkv"), "\(globbed.errors)")
        let found = try Self.runCapturing(["run", try writePipeline(), inputs.path, "--out", out.path, "--progress", "none"])
        #expect(found.status == 0 && !found.errors.contains("warning: no"), "\(found.errors)")
        try? FileManager.default.removeItem(at: root)
    }

    /// What a scheduler sends before killing a task (scancel, a time limit): stop like Ctrl-C, exit 143.
    @Test func sigtermStopsCleanlyForTheScheduler() throws {
        let inputs = root.appendingPathComponent("term")
        for index in 0..<6 {
            try MediaSamples.video(inputs.appendingPathComponent("clip\(index).mp4"), frames: 24, fps: 25, width: 96, height: 64)
        }
        let out = root.appendingPathComponent("out")
        let manifest = out.appendingPathComponent("manifest.shard-0-of-1.jsonl")
        let process = try launch(["run", try writePipeline(), inputs.path, "--out", out.path, "--shard", "0/1", "--progress", "none"])
        let deadline = Date().addingTimeInterval(60)
        while Manifest.read(manifest).isEmpty, process.isRunning, Date() < deadline { usleep(2_000) }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        let recorded = Manifest.read(manifest)
        #expect(!recorded.isEmpty)
        if recorded.count < 6 {
            #expect(process.terminationStatus == 143)
        }
        // Every output on disk (temporaries included) belongs to an input the manifest records as ok.
        #expect(Set(contents(out).keys) == Set(recorded.flatMap(\.outputs)))
        #expect(try run(["run", try writePipeline(), inputs.path, "--out", out.path, "--shard", "0/1", "--resume", "--progress", "none"]) == 0)
        #expect(Manifest.read(manifest).filter { $0.status == .skipped }.count == recorded.count)
        try? FileManager.default.removeItem(at: root)
    }

    /// A scheduler sends one SIGTERM: an input stuck where cancellation cannot reach (here, reading a
    /// named pipe whose writer never comes) must not keep the process alive past `--stop-grace`.
    @Test func sigtermExitsAfterTheGraceWhenAnInputCannotStop() throws {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let pipe = root.appendingPathComponent("stream.mp4")
        #expect(mkfifo(pipe.path, 0o600) == 0)
        let out = root.appendingPathComponent("out")
        let process = try launch(["run", try writePipeline(), pipe.path, "--out", out.path, "--progress", "none", "--stop-grace", "1"])
        // The run record is written just before the signal handlers are installed.
        let record = out.appendingPathComponent(RunRecord.fileName)
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: record.path), process.isRunning, Date() < deadline { usleep(2_000) }
        usleep(500_000)
        #expect(process.isRunning)
        let signalled = Date()
        kill(process.processIdentifier, SIGTERM)
        while process.isRunning, Date().timeIntervalSince(signalled) < 30 { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 143)
        // Nothing is recorded for the input it could not finish, so --resume reruns it.
        #expect(Manifest.read(out.appendingPathComponent("manifest.jsonl")).isEmpty)
        try? FileManager.default.removeItem(at: root)
    }
}
