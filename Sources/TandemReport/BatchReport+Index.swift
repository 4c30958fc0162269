import Foundation
import TandemCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension BatchReport {
    /// Examples shown per failure class or warning on the summary page; the table holds them all.
    static let examplesPerGroup = 20

    /// One row of the inputs table (`data/inputs.js`), short keys because there can be 10,000.
    struct Row: Encodable {
        /// Relative path, status, page, wall seconds, duration seconds (nil when unknown).
        var p: String
        var s: String
        var u: String
        var t: Double
        var d: Double?
        /// Error class and the first 300 characters of its message, when failed.
        var c: String?
        var m: String?
        /// Warnings count, outputs count.
        var w: Int
        var o: Int
    }

    /// `data/inputs.js`: the table's rows as JSON, safe inside a script.
    func inputsScript(_ entries: [Entry]) throws -> String {
        let rows = entries.map { entry in
            let record = entry.record
            return Row(p: record.relpath, s: record.status.rawValue, u: entry.page, t: (record.wallSeconds * 1000).rounded() / 1000,
                       d: entry.info?.durationSeconds.map { ($0 * 100).rounded() / 100 }, c: record.error?.errorClass,
                       m: record.error.map { String($0.message.prefix(300)) }, w: record.warnings?.count ?? 0, o: record.outputs.count)
        }
        return "// Rows of the inputs table, written by tandem report.\nwindow.tandemInputs = " + (try HTML.scriptJSON(rows)) + ";\n"
    }

    /// The shell every page shares: `prefix` leads from the page to the report folder.
    static func page(title: String, prefix: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="generator" content="tandem report">
        <title>\(HTML.escape(title))</title>
        <link rel="stylesheet" href="\(prefix)assets/report.css">
        </head>
        <body>
        \(body)
        <script src="\(prefix)assets/report.js"></script>
        </body>
        </html>

        """
    }

    /// `report/index.html`.
    func indexPage(_ entries: [Entry], batch: BatchRecords, runs: [RunRecord], runProblem: String?) -> String {
        let records = entries.map(\.record)
        let ok = records.filter { $0.status == .ok }.count
        let failed = records.filter { $0.status == .failed }.count
        let skipped = records.filter { $0.status == .skipped }.count
        let warned = records.filter { $0.warnings != nil }.count
        let folderName = outputDirectory.lastPathComponent
        var body = "<header><h1>Batch report: <span class=\"path\">\(HTML.escape(folderName))</span></h1>\n"
        body += "<p class=\"muted\">Output folder <code>\(HTML.escape(outputDirectory.path))</code>; "
        body += "\(batch.manifests.count) manifest\(batch.manifests.count == 1 ? "" : "s") ("
        body += batch.manifests.map { "<code>\(HTML.escape($0.lastPathComponent))</code>" }.joined(separator: ", ")
        body += "); written \(HTML.escape(Self.timestamp(Date().timeIntervalSince1970))).</p></header>\n"

        body += "<section id=\"summary\"><h2>Summary</h2><div class=\"counts\">\n"
        for (id, label, value) in [("total", "inputs", records.count), ("ok", "ok", ok), ("failed", "failed", failed),
                                   ("skipped", "skipped", skipped), ("warned", "with warnings", warned)] {
            body += "<div class=\"count \(id)\"><span class=\"n\" id=\"count-\(id)\">\(value)</span> <span class=\"label\">\(label)</span></div>\n"
        }
        body += "</div>\n"
        body += timeSection(records, runs: runs)
        body += "</section>\n"
        body += pipelineSection(runs, problem: runProblem)
        body += failureSection(entries)
        body += warningSection(entries)
        body += """
        <section id="inputs-section"><h2>Inputs</h2>
        <div class="controls">
        <input id="filter" type="search" placeholder="Filter by path, error class or message" aria-label="Filter inputs">
        <select id="status" aria-label="Status"><option value="">any status</option><option value="ok">ok</option>\
        <option value="failed">failed</option><option value="skipped">skipped</option><option value="warned">with warnings</option></select>
        <span id="shown" class="muted"></span>
        <button id="prev-rows" type="button">◀ previous</button><button id="next-rows" type="button">next ▶</button>
        </div>
        <table id="inputs"><thead><tr><th>input</th><th>status</th><th>duration</th><th>time</th><th>outputs</th><th>error</th></tr></thead>
        <tbody></tbody></table>
        <noscript><p>The table needs JavaScript; every input also has its page in <code>inputs/</code>.</p></noscript>
        </section>
        <script src="data/inputs.js"></script>

        """
        return Self.page(title: "Tandem report: \(folderName)", prefix: "", body: body)
    }

    /// Total time, and busy time per node summed over inputs.
    private func timeSection(_ records: [ManifestRecord], runs: [RunRecord]) -> String {
        let inputSeconds = records.filter { $0.status != .skipped }.map(\.wallSeconds).reduce(0, +)
        var text = "<h3>Time</h3><p id=\"times\">"
        let finished = runs.filter { $0.finished != nil && $0.wallSeconds != nil }
        if finished.count == 1, let run = finished.first, let wall = run.wallSeconds {
            text += "The run took <b>\(HTML.duration(wall))</b> (wall clock, \(run.jobs) at a time\(run.shard.map { ", shard \(HTML.escape($0))" } ?? "")); "
        } else if finished.count > 1 {
            // Shards (or reruns) each record their own run: the batch spans the first start to the last end.
            let span = finished.compactMap(\.finished).max()! - finished.map(\.started).min()!
            let longest = finished.compactMap(\.wallSeconds).max()!
            text += "\(finished.count) runs (shards) took <b>\(HTML.duration(span))</b> from the first start to the last end, "
            text += "the longest \(HTML.duration(longest)); "
        }
        let processed = records.filter { $0.status != .skipped }.count
        text += "inputs took <b>\(HTML.duration(inputSeconds))</b> in all"
        if processed > 0 { text += ", \(HTML.duration(inputSeconds / Double(processed))) on average" }
        text += ".</p>\n"
        struct NodeTotal { var kind: String; var busy = 0.0; var inputs = 0; var packets = 0; var highWater = 0 }
        var order: [String] = []
        var totals: [String: NodeTotal] = [:]
        for record in records where record.status != .skipped {
            for node in record.nodes {
                if totals[node.id] == nil { order.append(node.id); totals[node.id] = NodeTotal(kind: node.kind) }
                totals[node.id]!.busy += node.busySeconds
                totals[node.id]!.inputs += 1
                totals[node.id]!.packets += node.packetsOut
                totals[node.id]!.highWater = max(totals[node.id]!.highWater, node.queueHighWater)
            }
        }
        guard !order.isEmpty else { return text }
        let allBusy = max(1e-9, totals.values.map(\.busy).reduce(0, +))
        text += "<table id=\"nodes\"><thead><tr><th>node</th><th>kind</th><th>busy time</th><th>share</th><th>per input</th>"
        text += "<th>packets out</th><th>most queued</th></tr></thead><tbody>\n"
        for id in order {
            let total = totals[id]!
            let share = total.busy / allBusy
            text += "<tr><td>\(HTML.escape(id))</td><td>\(HTML.escape(total.kind))</td><td>\(HTML.duration(total.busy))</td>"
            text += "<td><span class=\"bar\" style=\"width:\(String(format: "%.0f", share * 100))%\"></span> \(String(format: "%.0f", share * 100)) %</td>"
            text += "<td>\(HTML.duration(total.busy / Double(max(1, total.inputs))))</td><td>\(total.packets)</td><td>\(total.highWater)</td></tr>\n"
        }
        return text + "</tbody></table>\n"
    }

    /// The pipeline file, its parameters and the `--set` overrides, from `run.json`.
    private func pipelineSection(_ runs: [RunRecord], problem: String?) -> String {
        var text = "<section id=\"pipeline\"><h2>Pipeline</h2>\n"
        if let problem { text += "<p class=\"muted\">\(HTML.escape(problem))</p>\n" }
        // The latest run's, when several shards or reruns recorded theirs.
        guard let run = runs.max(by: { $0.started < $1.started }) else {
            if problem == nil {
                text += "<p class=\"muted\">Not recorded: this folder has no \(RunRecord.fileName) (written by `tandem run` since the report exists).</p>"
            }
            return text + "</section>\n"
        }
        if runs.count > 1 {
            let variants = Set(runs.map { [$0.pipelineText] + $0.overrides.map { "\($0.key)=\($0.value)" } }).count
            text += "<p class=\"muted\">\(runs.count) runs recorded (shards or reruns); shown: the latest started."
            text += variants > 1 ? " <b>They did not all use the same pipeline text and overrides.</b></p>\n" : " All used the same pipeline and overrides.</p>\n"
        }
        text += "<p>File <code id=\"pipeline-file\">\(HTML.escape(run.pipeline))</code> (<code>\(HTML.escape(run.pipelinePath))</code>), "
        text += "started \(HTML.escape(Self.timestamp(run.started)))"
        if let finished = run.finished { text += ", finished \(HTML.escape(Self.timestamp(finished)))" }
        text += ".</p>\n"
        let overridden = Set(run.overrides.map(\.key))
        if !run.parameters.isEmpty {
            text += "<table id=\"parameters\"><thead><tr><th>parameter</th><th>value</th></tr></thead><tbody>\n"
            for key in run.parameters.keys.sorted() {
                let mark = overridden.contains(key) ? " <span class=\"tag\">--set</span>" : ""
                text += "<tr><td>\(HTML.escape(key))</td><td><code>\(HTML.escape(run.parameters[key]!))</code>\(mark)</td></tr>\n"
            }
            text += "</tbody></table>\n"
        }
        if !run.overrides.isEmpty {
            text += "<p>Overrides: " + run.overrides.map { "<code>--set \(HTML.escape($0.key))=\(HTML.escape($0.value))</code>" }.joined(separator: " ") + "</p>\n"
        }
        text += "<p class=\"muted\">Command: <code>\(HTML.escape(run.command.joined(separator: " ")))</code></p>\n"
        text += "<details><summary>The pipeline file as it was when the run started</summary><pre>\(HTML.escape(run.pipelineText))</pre></details>\n"
        return text + "</section>\n"
    }

    /// Failures grouped by error class, most frequent first, each with a few examples.
    private func failureSection(_ entries: [Entry]) -> String {
        let failed = entries.filter { $0.record.status == .failed }
        guard !failed.isEmpty else { return "<section id=\"failures\"><h2>Failures</h2><p>None.</p></section>\n" }
        let groups = Dictionary(grouping: failed) { $0.record.error?.errorClass ?? "unknown" }
            .sorted { ($0.value.count, $1.key) > ($1.value.count, $0.key) }
        var text = "<section id=\"failures\"><h2>Failures</h2>\n"
        for (errorClass, members) in groups {
            text += "<details class=\"failure-class\" open><summary><code class=\"class\">\(HTML.escape(errorClass))</code> "
            text += "<span class=\"n\">\(members.count)</span> input\(members.count == 1 ? "" : "s")</summary><ul>\n"
            for entry in members.prefix(Self.examplesPerGroup) {
                let error = entry.record.error
                var place = ""
                if let node = error?.node { place += " in node <code>\(HTML.escape(node))</code>" }
                if let time = error?.time { place += " at \(HTML.clock(time))" }
                text += "<li><a href=\"\(HTML.escape(HTML.url(entry.page)))\">\(HTML.escape(entry.record.relpath))</a>\(place): "
                text += "<span class=\"message\">\(HTML.escape(error?.message ?? ""))</span></li>\n"
            }
            if members.count > Self.examplesPerGroup {
                text += "<li class=\"muted\">and \(members.count - Self.examplesPerGroup) more: filter the table below by this class.</li>\n"
            }
            text += "</ul></details>\n"
        }
        return text + "</section>\n"
    }

    /// Inputs processed with warnings, a few examples.
    private func warningSection(_ entries: [Entry]) -> String {
        let warned = entries.filter { $0.record.warnings != nil }
        guard !warned.isEmpty else { return "" }
        var text = "<section id=\"warnings\"><h2>Warnings</h2><ul>\n"
        for entry in warned.prefix(Self.examplesPerGroup) {
            text += "<li><a href=\"\(HTML.escape(HTML.url(entry.page)))\">\(HTML.escape(entry.record.relpath))</a>: "
            text += (entry.record.warnings ?? []).map(HTML.escape).joined(separator: "; ") + "</li>\n"
        }
        if warned.count > Self.examplesPerGroup { text += "<li class=\"muted\">and \(warned.count - Self.examplesPerGroup) more.</li>\n" }
        return text + "</ul></section>\n"
    }

    /// `2026-12-04 20:31:07 UTC` (a formatter per call costs more than the page it is for, and
    /// `DateFormatter` cannot be shared across threads under strict concurrency).
    static func timestamp(_ seconds: Double) -> String {
        var time = time_t(seconds.rounded(.down))
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d UTC", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }
}
