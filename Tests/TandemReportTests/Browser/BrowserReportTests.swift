#if canImport(Glibc)
import Foundation
import Testing
import TandemCore
import TandemReport

/// The report of a small real batch, looked at in headless Chromium as a person would: it loads
/// without console errors or network requests, shows the right counts, a transcript segment seeks
/// the player when clicked, and a file named with `<script>` and quotes is shown as text.
///
/// The batch: the talking-head pipeline over a copy of `Media/talking.mp4` named
/// `<script>…"…'….mp4` plus a broken file, and the separation pipeline over
/// `Media/two-instruments.mp4`. Its output (reports and one screenshot) stays in
/// `<build folder>/release/TandemReportBrowserTest/` for a person to open.
@Suite(.serialized) struct BrowserReportTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let model = repository.appendingPathComponent("Models/whisper-tiny.en/model.bin")
    /// If the page ran this name as markup, `window.pwned` would be set.
    static let hostileName = #"<script>pwned=1</script-ish> "double" 'single' & co.mp4"#.replacingOccurrences(of: "/", with: "∕")
    static var ready: Bool { HeadlessChromium.executable != nil && FileManager.default.fileExists(atPath: model.path) }

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

    /// Runs `tandem` and returns its exit status.
    static func tandem(_ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = try tandemBinary()
        process.arguments = arguments
        process.currentDirectoryURL = repository
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test(.enabled(if: ready, """
        needs Debian's chromium (make test installs it: apt-get install chromium) and the embedded Whisper \
        model (make models); skipped because one of them is missing
        """))
    func reportOfARealBatchInChromium() throws {
        let folder = try Self.tandemBinary().deletingLastPathComponent().appendingPathComponent("TandemReportBrowserTest")
        try? FileManager.default.removeItem(at: folder)
        let inputs = folder.appendingPathComponent("inputs")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.repository.appendingPathComponent("Media/talking.mp4"),
                                         to: inputs.appendingPathComponent(Self.hostileName))
        try Data(String(repeating: "this is not a video file\n", count: 40).utf8).write(to: inputs.appendingPathComponent("broken.mp4"))
        let speech = folder.appendingPathComponent("talking-head"), music = folder.appendingPathComponent("separate")
        #expect(try Self.tandem(["run", "Pipelines/transcribe-talking-head.yaml", inputs.path, "--out", speech.path,
                                 "--set", "beam_size=1", "--progress", "none", "--report"]) == 1)  // 1: broken.mp4 failed
        #expect(try Self.tandem(["run", "Pipelines/separate-instruments.yaml", "Media/two-instruments.mp4", "--out", music.path,
                                 "--progress", "none"]) == 0)
        #expect(try Self.tandem(["report", music.path]) == 0)

        let browser = try HeadlessChromium()

        // The summary page: counts, the failure, the table, the hostile name as text.
        try browser.load(speech.appendingPathComponent("report/index.html"))
        let counts = try browser.evaluate("['total','ok','failed','skipped','warned'].map(k => document.getElementById('count-' + k).textContent)") as? [String]
        #expect(counts == ["2", "1", "1", "0", "0"])
        #expect(try browser.evaluate("document.querySelector('#failures .failure-class code').textContent") as? String == "MediaError.notMediaFile")
        #expect(try browser.evaluate("document.querySelectorAll('#inputs tbody tr').length") as? Int == 2)
        #expect(try browser.evaluate("[...document.querySelectorAll('#inputs tbody a')].map(a => a.textContent)") as? [String]
                == ["broken.mp4", Self.hostileName].sorted())
        #expect(try browser.evaluate("document.querySelector('#pipeline-file').textContent") as? String == "Pipelines/transcribe-talking-head.yaml")
        #expect(try browser.evaluate("document.querySelectorAll('#nodes tbody tr').length") as? Int ?? 0 >= 5)
        try expectNoMarkupRan(browser)
        // Filtering the table.
        _ = try browser.evaluate("(f => { f.value = 'broken'; f.dispatchEvent(new Event('input')); })(document.getElementById('filter'))")
        try browser.idle(0.4)
        #expect(try browser.evaluate("[...document.querySelectorAll('#inputs tbody a')].map(a => a.textContent)") as? [String] == ["broken.mp4"])
        try expectQuiet(browser, page: "speech index")

        // The talking head's page: probe facts, frames, the transcript beside the player.
        let page = try #require(try browser.evaluate("""
            (f => { f.value = ''; f.dispatchEvent(new Event('input')); })(document.getElementById('filter'));
            new Promise(r => setTimeout(r, 300)).then(() =>
              [...document.querySelectorAll('#inputs tbody a')].find(a => a.textContent.startsWith('<script>')).href)
            """) as? String)
        try browser.load(try #require(URL(string: page)))
        #expect(try browser.evaluate("document.getElementById('input-name').textContent") as? String == Self.hostileName)
        #expect(try browser.evaluate("document.title.startsWith(\(Self.jsString(Self.hostileName)))") as? Bool == true)
        try expectNoMarkupRan(browser)
        #expect(try browser.evaluate("document.querySelectorAll('#streams tbody tr').length") as? Int == 2)
        #expect(try browser.evaluate("document.querySelectorAll('#frames img').length") as? Int == 6)
        let ready = try browser.evaluate("""
            new Promise(done => { const p = document.getElementById('player');
              if (p.readyState >= 1) done(p.duration); else { p.addEventListener('loadedmetadata', () => done(p.duration));
              p.addEventListener('error', () => done(-1)); setTimeout(() => done(-2), 10000); } })
            """) as? Double
        #expect(ready.map { abs($0 - 8) < 0.2 } == true, "the player should load the input (duration \(String(describing: ready)))")
        let segments = try #require(try browser.evaluate("[...document.querySelectorAll('.segment')].map(s => parseFloat(s.dataset.start))") as? [Double])
        #expect(segments.count >= 2)
        // Each segment shows the speaker its transcript names (the fusion labels speech before the drawn face
        // is confirmed `off-screen`, and the face's own speech `face0`).
        let transcriptURL = speech.appendingPathComponent("talking-head")
            .appendingPathComponent((Self.hostileName as NSString).deletingPathExtension + ".json")
        let transcript = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: transcriptURL)) as? [String: Any])
        let speakers = try #require(transcript["segments"] as? [[String: Any]]).compactMap { $0["speaker"] as? String }
        #expect(speakers.contains("face0"))
        #expect(try browser.evaluate("[...document.querySelectorAll('.segment .speaker')].map(s => s.textContent)") as? [String] == speakers)
        // Clicking the last segment moves the player there and marks it as current.
        let seeked = try browser.evaluate("""
            (() => { const s = [...document.querySelectorAll('.segment')].pop(); s.click();
              return [document.getElementById('player').currentTime, s.classList.contains('current')]; })()
            """) as? [Any]
        #expect((seeked?.first as? Double).map { abs($0 - segments.last!) < 0.01 } == true, "currentTime after the click: \(String(describing: seeked))")
        #expect(seeked?.last as? Bool == true)
        // Clicking a word seeks to it and highlights it; while playing the highlight follows.
        let word = try browser.evaluate("""
            (() => { const w = document.querySelectorAll('.word')[1]; w.click();
              return [document.getElementById('player').currentTime, parseFloat(w.dataset.start), w.classList.contains('now')]; })()
            """) as? [Any]
        #expect(word?[0] as? Double == word?[1] as? Double)
        #expect(word?[2] as? Bool == true)
        try browser.idle(1.0)
        let playing = try browser.evaluate("""
            [document.getElementById('player').currentTime, document.querySelectorAll('.word.now').length]
            """) as? [Double]
        if let playing, let start = word?[1] as? Double { #expect(playing[0] > start, "the player should have played on from the word") }
        try expectQuiet(browser, page: "talking head's page")
        try browser.screenshot().write(to: folder.appendingPathComponent("report-screenshot.png"))

        // The broken file's page names its error.
        try browser.load(speech.appendingPathComponent("report/inputs/00001.html"))  // sorted: "<" before "b"
        #expect(try browser.evaluate("document.querySelector('#failure code').textContent") as? String == "MediaError.notMediaFile")
        try expectQuiet(browser, page: "broken file's page")

        // The separation: one player and one region per source, the mask picture.
        let summaryData = try Data(contentsOf: music.appendingPathComponent("separated/two-instruments/summary.json"))
        let summary = try JSONDecoder().decode(SeparationSummary.self, from: summaryData)
        try browser.load(music.appendingPathComponent("report/inputs/00000.html"))
        #expect(try browser.evaluate("[...document.querySelectorAll('.source h3')].map(h => h.textContent)") as? [String] == summary.sources.map(\.label))
        #expect(try browser.evaluate("document.querySelectorAll('.source audio').length") as? Int == summary.sources.filter { $0.file != nil }.count)
        #expect(try browser.evaluate("document.querySelectorAll('.source svg rect.region').length") as? Int
                == summary.sources.filter { $0.region != nil }.count)
        #expect(try browser.evaluate("document.querySelectorAll('#sources figure.mask img').length") as? Int == 1)
        // Every picture and sound resolves (relative paths are right).
        let broken = try browser.evaluate("""
            Promise.all([...document.querySelectorAll('audio')].map(a => new Promise(done => {
              a.preload = 'metadata'; a.addEventListener('loadedmetadata', () => done(null)); a.addEventListener('error', () => done(a.src)); a.load();
              setTimeout(() => done('timeout ' + a.src), 10000); })))
              .then(results => results.filter(x => x).concat([...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)))
            """) as? [String]
        #expect(broken == [])
        try expectQuiet(browser, page: "separation page")
    }

    /// A 10,000-input report: the table shows a page of rows, and filters over all of them.
    @Test(.enabled(if: HeadlessChromium.executable != nil, "needs Debian's chromium (make test installs it: apt-get install chromium)"))
    func tenThousandInputsInChromium() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-report-big-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let records = (0..<10_000).map { index in
            let failed = index % 7 == 0
            return ManifestRecord(
                path: "/data/clip-\(index) <script>pwned=1<∕script>.mp4", relpath: "clip-\(index) <script>pwned=1<∕script>.mp4", size: 1, mtime: 1,
                status: failed ? .failed : .ok, error: failed ? .init(errorClass: "MediaError.notMediaFile", message: "not media </script>") : nil,
                wallSeconds: 1, finished: Double(index))
        }
        try ManifestFile.write(records, to: folder.appendingPathComponent("manifest.jsonl"))
        var options = BatchReport.Options()
        options.framesPerInput = 0
        let index = try BatchReport(outputDirectory: folder, options: options).write()
        let browser = try HeadlessChromium()
        try browser.load(index)
        #expect(try browser.evaluate("document.getElementById('count-total').textContent") as? String == "10000")
        #expect(try browser.evaluate("document.querySelectorAll('#inputs tbody tr').length") as? Int == 100)
        #expect(try browser.evaluate("document.getElementById('shown').textContent") as? String == "1–100 of 10000")
        _ = try browser.evaluate("(s => { s.value = 'failed'; s.dispatchEvent(new Event('change')); })(document.getElementById('status'))")
        #expect(try browser.evaluate("document.getElementById('shown').textContent") as? String == "1–100 of 1429 (of 10000)")
        _ = try browser.evaluate("document.getElementById('next-rows').click()")
        let secondPage = stride(from: 0, to: 10_000, by: 7).map { "clip-\($0) <script>pwned=1<∕script>.mp4" }.sorted()[100]
        #expect(try browser.evaluate("document.querySelector('#inputs tbody a').textContent") as? String == secondPage)
        #expect(try browser.evaluate("typeof window.pwned") as? String == "undefined")
        try expectQuiet(browser, page: "10,000-input index")
    }

    /// A JavaScript string literal for `text`.
    static func jsString(_ text: String) -> String {
        String(decoding: try! JSONEncoder().encode(text), as: UTF8.self)
    }

    /// The hostile name never became markup: no script ran, only the report's scripts exist.
    func expectNoMarkupRan(_ browser: HeadlessChromium) throws {
        #expect(try browser.evaluate("typeof window.pwned") as? String == "undefined")
        let scripts = try browser.evaluate("[...document.scripts].map(s => s.src.split('/').pop())") as? [String] ?? []
        #expect(scripts.allSatisfy { ["report.js", "inputs.js"].contains($0) }, "unexpected scripts: \(scripts)")
        #expect(try browser.evaluate("document.body.innerText.includes(\(Self.jsString(Self.hostileName)))") as? Bool == true)
    }

    /// No console error, no exception, no failed load, and no request leaves the file system.
    func expectQuiet(_ browser: HeadlessChromium, page: String) throws {
        try browser.idle(0.2)
        #expect(browser.console.errors.isEmpty, "\(page): \(browser.console.errors)")
        let remote = browser.console.requests.filter { !$0.hasPrefix("file://") && !$0.hasPrefix("data:") }
        #expect(remote.isEmpty, "\(page) asked the network for \(remote)")
    }
}
#endif
