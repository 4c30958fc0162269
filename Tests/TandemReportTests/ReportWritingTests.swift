import Foundation
import Testing
import TandemCore
@testable import TandemReport

/// Reports of hand-made output folders: what each kind of output becomes, escaping, page size.
@Suite struct ReportWritingTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-report-\(UUID().uuidString)")

    func write(_ text: String, _ path: String) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    func report(_ records: [ManifestRecord], frames: Int = 0) throws -> URL {
        try ManifestFile.write(records, to: root.appendingPathComponent("manifest.jsonl"))
        var options = BatchReport.Options()
        options.framesPerInput = frames
        return try BatchReport(outputDirectory: root, options: options).write()
    }

    func text(_ path: String) throws -> String { try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8) }

    @Test func generatedAudioShowsPromptSeedAndPlayers() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        try write(#"{"prompt": "rain on a <b>tin</b> roof", "seed": 1234, "steps": 50, "guidance_scale": 2.5, "audio": ["rain.wav", "rain-2.wav"]}"#,
                  "generated/rain.json")
        try write("RIFF", "generated/rain.wav")
        try write("RIFF", "generated/rain-2.wav")
        _ = try report([ManifestRecord(path: "/nowhere/prompts.txt", relpath: "prompts.txt", size: 10, mtime: 1, status: .ok,
                                       outputs: ["generated/rain.json", "generated/rain.wav", "generated/rain-2.wav"])])
        let page = try text("report/inputs/00000.html")
        #expect(page.contains("rain on a &lt;b&gt;tin&lt;/b&gt; roof"))
        #expect(page.contains("<dd class=\"seed\">1234</dd>"))
        #expect(page.contains("src=\"../../generated/rain.wav\""))
        #expect(page.contains("src=\"../../generated/rain-2.wav\""))
        // The WAVs belong to the generation: not listed again as other sounds.
        #expect(!page.contains("id=\"media\""))
    }

    @Test func aGenerationFileOfManyClipsShowsEachClip() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        // write-clips' generation.json.
        try write("""
            {"input": "prompts.txt", "clips": [
              {"name": "01-rain", "prompt": "rain", "seed": 7, "steps": 10, "guidance_scale": 2.5, "audio": "01-rain.wav"},
              {"name": "02-wind", "prompt": "wind", "seed": 7, "steps": 10, "guidance_scale": 2.5, "audio": "02-wind.wav"}]}
            """, "generated/prompts/generation.json")
        try write("RIFF", "generated/prompts/01-rain.wav")
        try write("RIFF", "generated/prompts/02-wind.wav")
        _ = try report([ManifestRecord(path: "/nowhere/prompts.txt", relpath: "prompts.txt", size: 10, mtime: 1, status: .ok,
                                       outputs: ["generated/prompts/01-rain.wav", "generated/prompts/02-wind.wav",
                                                 "generated/prompts/generation.json"])])
        let page = try text("report/inputs/00000.html")
        #expect(page.contains("“rain”") && page.contains("“wind”"))
        #expect(page.contains("src=\"../../generated/prompts/01-rain.wav\"") && page.contains("src=\"../../generated/prompts/02-wind.wav\""))
        #expect(!page.contains("id=\"media\""))
    }

    /// A region that moved without sound (a bystander, a merged piece) has no file: the section still shows,
    /// with the region marked silent and no player for it.
    @Test func aSeparationWithASilentRegionShowsEveryRegion() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        try write("""
            {"input": "duo.mp4", "mode": "motion", "notes": ["region_2 moved, but none of the sound is its"], "seconds": 2,
             "sources": [
              {"label": "region_1", "confidence": 0.8, "silent": false, "file": "region_1.wav", "rms": 0.1,
               "region": {"x": 0, "y": 0, "width": 64, "height": 64}},
              {"label": "region_2", "confidence": 0, "silent": true, "region": {"x": 64, "y": 0, "width": 64, "height": 64}}]}
            """, "separated/duo/summary.json")
        try write("RIFF", "separated/duo/region_1.wav")
        _ = try report([ManifestRecord(path: "/nowhere/duo.mp4", relpath: "duo.mp4", size: 10, mtime: 1, status: .ok,
                                       outputs: ["separated/duo/region_1.wav", "separated/duo/summary.json"])])
        let page = try text("report/inputs/00000.html")
        #expect(page.contains("id=\"sources\""))
        #expect(page.contains("<h3>region_1</h3>") && page.contains("<h3>region_2</h3>"))
        #expect(page.components(separatedBy: "<audio").count - 1 == 1)
        #expect(page.contains("src=\"../../separated/duo/region_1.wav\""))
        #expect(page.contains("class=\"muted silent\""))
        // The WAV belongs to the separation: not listed again as another sound.
        #expect(!page.contains("id=\"media\""))
    }

    @Test func transcriptsLabelsAndEmbeddings() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        try write("""
            {"text": "x", "segments": [{"start": 0.5, "end": 2.0, "text": " </script><script>alert(1)</script>", "speaker": "face\\"1",
              "words": [{"word": " </script>", "start": 0.5, "end": 1.0, "probability": 0.9}, {"word": " <i>hi", "start": 1.0, "end": 2.0}]}]}
            """, "t/a.json")
        try write(#"{"input": "a", "node": "labels", "packets": [{"kind": "segments", "segments": [{"start": 0, "end": 1, "label": "playing <violin>", "score": 0.75}]}]}"#,
                  "e/a.labels.json")
        // float32 [2, 2] = [[3, 4], [0, 0]]: norms 5 and 0.
        var npy = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        npy += Data([UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)]) + Data(header.utf8)
        for value: Float in [3, 4, 0, 0] { withUnsafeBytes(of: value.bitPattern.littleEndian) { npy += Data($0) } }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("e"), withIntermediateDirectories: true)
        try npy.write(to: root.appendingPathComponent("e/a.npy"))
        _ = try report([ManifestRecord(path: "/nowhere/a.mp4", relpath: "a.mp4", size: 10, mtime: 1, status: .ok,
                                       outputs: ["t/a.json", "e/a.labels.json", "e/a.npy"])])
        let page = try text("report/inputs/00000.html")
        #expect(!page.contains("</script><script>alert"))
        #expect(page.contains("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;") == false)  // words are shown, not the segment text
        #expect(page.contains("<span class=\"word\" data-start=\"0.500\" data-end=\"1.000\" title=\"p = 0.90\"> &lt;/script&gt;</span>"))
        #expect(page.contains("<span class=\"speaker\">face&quot;1</span>"))
        #expect(page.contains("playing &lt;violin&gt;"))
        #expect(page.contains("<td class=\"norms\">5, 0</td>"))
        // Only the report's own two scripts are in the page.
        #expect(page.components(separatedBy: "<script").count - 1 == 1)
    }

    @Test func tenThousandInputsMakeSmallPages() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let classes = ["MediaError.notMediaFile", "NodeError.nodeFailed", "WhisperError.badModel"]
        let records = (0..<10_000).map { index in
            let failed = index % 7 == 0
            return ManifestRecord(
                path: "/data/videos/batch-\(index / 1000)/clip-\(index) <script>\"q\".mp4", relpath: "batch-\(index / 1000)/clip-\(index) <script>\"q\".mp4",
                size: Int64(1_000_000 + index), mtime: 1_700_000_000, status: failed ? .failed : (index % 11 == 0 ? .skipped : .ok),
                error: failed ? .init(errorClass: classes[index % 3], message: String(repeating: "something went wrong </script> ", count: 8), node: "decode") : nil,
                outputs: failed ? [] : ["transcripts/clip-\(index).json", "transcripts/clip-\(index).srt"], wallSeconds: 12.5,
                nodes: [NodeStatistics(id: "decode", kind: "decode", packetsIn: 0, packetsOut: 300, busySeconds: 0.4, queueHighWater: 0, queueHighWaterBytes: 0),
                        NodeStatistics(id: "whisper", kind: "whisper", packetsIn: 300, packetsOut: 3, busySeconds: 11.9, queueHighWater: 64, queueHighWaterBytes: 1 << 20)],
                warnings: index % 13 == 0 ? ["stream stops at 10.0 s of 12.0 s"] : nil, finished: 1_700_000_000 + Double(index))
        }
        let index = try report(records)
        let size = { (path: String) in (try FileManager.default.attributesOfItem(atPath: root.appendingPathComponent(path).path)[.size] as? Int) ?? 0 }
        let indexSize = try size("report/index.html"), dataSize = try size("report/data/inputs.js"), pageSize = try size("report/inputs/05000.html")
        #expect(indexSize < 200_000, "index.html is \(indexSize) bytes")
        #expect(dataSize < 4_000_000, "inputs.js is \(dataSize) bytes")
        #expect(pageSize < 20_000, "an input page is \(pageSize) bytes")
        let page = try String(contentsOf: index, encoding: .utf8)
        #expect(page.contains("<span class=\"n\" id=\"count-total\">10000</span>"))
        #expect(page.contains("<span class=\"n\" id=\"count-failed\">\(records.filter { $0.status == .failed }.count)</span>"))
        #expect(!page.contains("<script>\""))
        let data = try text("report/data/inputs.js")
        #expect(!data.contains("</script>") && !data.contains("<script>"))
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("report/inputs/09999.html").path))
    }

    @Test func refusesToReplaceAFolderItDidNotWrite() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        try write("mine", "report/notes.txt")
        #expect(throws: ReportError.self) { _ = try report([]) }
        #expect(try text("report/notes.txt") == "mine")
    }

    @Test func relativePathsFromPagesToInputs() {
        #expect(BatchReport.relativePath(from: URL(fileURLWithPath: "/out/report/inputs"), to: URL(fileURLWithPath: "/media/a b.mp4"))
                == "../../../media/a b.mp4")
        #expect(BatchReport.relativePath(from: URL(fileURLWithPath: "/out/report/inputs"), to: URL(fileURLWithPath: "/out/in/x.mp4")) == "../../in/x.mp4")
    }
}
