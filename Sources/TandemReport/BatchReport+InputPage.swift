import Foundation
import TandemCore
import TandemMedia

extension BatchReport {
    /// A link from an input page (`report/inputs/`) to an output (relative to the output folder).
    static func outputURL(_ path: String) -> String { HTML.escape(HTML.url("../../" + path)) }

    /// `report/inputs/NNNNN.html`: everything about one input.
    func inputPage(_ entry: Entry, previous: String?, next: String?) -> String {
        let record = entry.record
        var body = "<nav><a href=\"../index.html\">All inputs</a>"
        if let previous { body += " · <a id=\"previous\" href=\"\(HTML.escape(HTML.url("../" + previous)))\">previous</a>" }
        if let next { body += " · <a id=\"next\" href=\"\(HTML.escape(HTML.url("../" + next)))\">next</a>" }
        body += "</nav>\n<header><h1 id=\"input-name\" class=\"path\">\(HTML.escape(record.relpath))</h1>"
        body += " <span class=\"status \(record.status.rawValue)\" id=\"input-status\">\(record.status.rawValue)</span>"
        if record.warnings != nil { body += " <span class=\"status warned\">warnings</span>" }
        body += "</header>\n"
        if let error = record.error {
            body += "<section id=\"failure\" class=\"failure\"><h2>Failed: <code>\(HTML.escape(error.errorClass))</code></h2>"
            var place: [String] = []
            if let node = error.node { place.append("node <code>\(HTML.escape(node))</code>") }
            if let time = error.time { place.append("media time \(HTML.clock(time))") }
            if !place.isEmpty { body += "<p>In " + place.joined(separator: ", ") + ".</p>" }
            body += "<pre class=\"message\">\(HTML.escape(error.message))</pre></section>\n"
        }
        if let warnings = record.warnings {
            body += "<section id=\"warnings\"><h2>Warnings</h2><ul>" + warnings.map { "<li>\(HTML.escape($0))</li>" }.joined() + "</ul></section>\n"
        }
        body += factsSection(entry)
        body += playerSection(entry)
        body += picturesSection(entry)
        body += separationSection(entry)
        body += labelsSection(entry)
        body += tensorSection(entry)
        body += generatedSection(entry)
        body += otherMediaSection(entry)
        body += outputsSection(entry)
        return Self.page(title: "\(record.relpath) – Tandem report", prefix: "../", body: body)
    }

    /// Size, times, and what the probe found: container, duration, streams.
    private func factsSection(_ entry: Entry) -> String {
        let record = entry.record
        var text = "<section id=\"facts\"><h2>Input</h2><dl class=\"facts\">"
        text += "<dt>file</dt><dd><code>\(HTML.escape(record.path))</code></dd>"
        text += "<dt>size</dt><dd>\(HTML.size(record.size))</dd>"
        if record.mtime > 0 { text += "<dt>modified</dt><dd>\(HTML.escape(Self.timestamp(record.mtime)))</dd>" }
        if record.status != .skipped { text += "<dt>processing time</dt><dd>\(HTML.duration(record.wallSeconds))</dd>" }
        if let info = entry.info {
            text += "<dt>container</dt><dd>\(HTML.escape(info.containerLongName ?? info.container))</dd>"
            if let duration = info.durationSeconds { text += "<dt>duration</dt><dd id=\"duration\">\(HTML.duration(duration))</dd>" }
            if let bitRate = info.bitRate { text += "<dt>bit rate</dt><dd>\(bitRate / 1000) kb/s</dd>" }
        }
        text += "</dl>\n"
        if let problem = entry.probeProblem {
            text += "<p class=\"muted\" id=\"probe-problem\">Not probed: \(HTML.escape(problem))</p>\n"
        }
        if let info = entry.info, !info.streams.isEmpty {
            text += "<table id=\"streams\"><thead><tr><th>#</th><th>type</th><th>codec</th><th>details</th><th>duration</th></tr></thead><tbody>\n"
            for stream in info.streams {
                var details: [String] = []
                if let width = stream.width, let height = stream.height { details.append("\(width)×\(height)") }
                if let rate = stream.averageFrameRate, rate.den != 0, rate.num != 0 { details.append(String(format: "%.3g fps", rate.doubleValue)) }
                if let rotation = stream.rotation, rotation != 0 { details.append("rotated \(rotation)°") }
                if let rate = stream.sampleRate { details.append("\(rate) Hz") }
                if let layout = stream.channelLayout { details.append(layout) } else if let channels = stream.channels { details.append("\(channels) ch") }
                text += "<tr><td>\(stream.index)</td><td>\(stream.type.rawValue)</td><td>\(HTML.escape(stream.codec))</td>"
                text += "<td>\(HTML.escape(details.joined(separator: ", ")))</td><td>\(stream.durationSeconds.map(HTML.duration) ?? "–")</td></tr>\n"
            }
            text += "</tbody></table>\n"
        }
        return text + "</section>\n"
    }

    /// The input's player, with each transcript beside it as timed text.
    private func playerSection(_ entry: Entry) -> String {
        let transcripts = entry.results.transcripts
        guard let source = entry.player else {
            guard !transcripts.isEmpty else { return "" }
            return "<section id=\"player-section\"><h2>Transcript</h2><p class=\"muted\">The input is not here any more: no player.</p>"
                + transcripts.map(transcriptPanel).joined() + "</section>\n"
        }
        let video = entry.info?.firstStream(.video) != nil
        let element = video ? "video" : "audio"
        var text = "<section id=\"player-section\"><h2>\(transcripts.isEmpty ? "Player" : "Transcript")</h2><div class=\"av\">"
        // The first frame of the strip as poster: a video element shows nothing before it plays otherwise.
        let poster = entry.frames.first.map { " poster=\"\(HTML.escape(HTML.url("../" + $0.path)))\"" } ?? ""
        text += "<div class=\"media\"><\(element) id=\"player\" controls preload=\"metadata\"\(video ? poster : "") src=\"\(HTML.escape(HTML.url(source)))\">"
        for caption in entry.results.captions where video {
            text += "<track kind=\"captions\" label=\"\(HTML.escape((caption as NSString).lastPathComponent))\" src=\"\(Self.outputURL(caption))\">"
        }
        text += "</\(element)>"
        let hint = transcripts.isEmpty ? (entry.frames.isEmpty ? "" : "Click a frame to play from there.") : "Click a word, a segment or a frame to play from there."
        text += hint.isEmpty ? "</div>" : "<p class=\"muted\">\(hint)</p></div>"
        text += transcripts.map(transcriptPanel).joined()
        return text + "</div></section>\n"
    }

    /// One transcript: segments (with speaker) whose words carry their times for the script.
    private func transcriptPanel(_ transcript: InputResults.Transcript) -> String {
        var text = "<div class=\"transcript\" data-player=\"player\"><h3><a href=\"\(Self.outputURL(transcript.path))\">"
        text += "\(HTML.escape((transcript.path as NSString).lastPathComponent))</a></h3>\n"
        if transcript.document.segments.isEmpty { text += "<p class=\"muted\">No speech was transcribed.</p>" }
        for segment in transcript.document.segments {
            text += "<p class=\"segment\" data-start=\"\(Self.number(segment.start))\" data-end=\"\(Self.number(segment.end))\">"
            text += "<span class=\"time\">\(HTML.clock(segment.start))</span> "
            if let speaker = segment.speaker { text += "<span class=\"speaker\">\(HTML.escape(speaker))</span> " }
            if let words = segment.words, !words.isEmpty {
                for word in words {
                    text += "<span class=\"word\" data-start=\"\(Self.number(word.start))\" data-end=\"\(Self.number(word.end))\""
                    if let probability = word.probability { text += " title=\"p = \(String(format: "%.2f", probability))\"" }
                    text += ">\(HTML.escape(word.word))</span>"
                }
            } else {
                text += "<span class=\"text\">\(HTML.escape(segment.text))</span>"
            }
            text += "</p>\n"
        }
        return text + "</div>\n"
    }

    /// A time for a `data-` attribute: plain decimal, at most millisecond precision.
    static func number(_ seconds: Double) -> String {
        seconds.isFinite ? String(format: "%.3f", seconds) : "0"
    }

    /// The strip of frames (decoded for the report, or the pipeline's own), contact sheets and spectrograms.
    private func picturesSection(_ entry: Entry) -> String {
        let results = entry.results
        var text = ""
        if !entry.frames.isEmpty || !results.frames.isEmpty {
            text += "<div id=\"frames\" class=\"strip\">"
            for frame in entry.frames {
                text += "<figure><img src=\"\(HTML.escape(HTML.url("../" + frame.path)))\" width=\"\(frame.width)\" height=\"\(frame.height)\" "
                text += "alt=\"frame at \(HTML.clock(frame.seconds))\" data-seek=\"\(Self.number(frame.seconds))\"><figcaption>\(HTML.clock(frame.seconds))</figcaption></figure>"
            }
            let picked = Self.spread(results.frames, count: max(options.framesPerInput, 6))
            for frame in picked {
                text += "<figure><img src=\"\(Self.outputURL(frame))\" alt=\"\(HTML.escape((frame as NSString).lastPathComponent))\" loading=\"lazy\">"
                text += "<figcaption>\(HTML.escape((frame as NSString).lastPathComponent))</figcaption></figure>"
            }
            text += "</div>\n"
        }
        for sheet in results.contactSheets {
            text += "<figure class=\"wide\"><img src=\"\(Self.outputURL(sheet))\" alt=\"contact sheet\" loading=\"lazy\"><figcaption>\(HTML.escape(sheet))</figcaption></figure>\n"
        }
        if !results.spectrograms.isEmpty {
            text += "<div id=\"spectrograms\">"
            for picture in results.spectrograms {
                text += "<figure class=\"wide spectrogram\"><img src=\"\(Self.outputURL(picture))\" alt=\"spectrogram\" loading=\"lazy\"><figcaption>\(HTML.escape(picture))</figcaption></figure>"
            }
            text += "</div>\n"
        }
        return text.isEmpty ? "" : "<section id=\"pictures\"><h2>Pictures</h2>\n\(text)</section>\n"
    }

    /// `count` items evenly spread over `items`, first and last included.
    static func spread(_ items: [String], count: Int) -> [String] {
        guard items.count > count, count > 1 else { return items }
        return (0..<count).map { items[Int((Double($0) * Double(items.count - 1) / Double(count - 1)).rounded())] }
    }

    /// Separated sources: a player each, its region drawn on a frame, and the mask picture.
    private func separationSection(_ entry: Entry) -> String {
        guard !entry.results.separations.isEmpty else { return "" }
        let video = entry.info?.firstStream(.video)
        let frame = entry.frames.isEmpty ? nil : entry.frames[entry.frames.count / 2]
        var text = "<section id=\"sources\"><h2>Separated sources</h2>\n"
        for separation in entry.results.separations {
            let folder = (separation.path as NSString).deletingLastPathComponent
            let summary = separation.summary
            text += "<p>From <a href=\"\(Self.outputURL(separation.path))\">\(HTML.escape(separation.path))</a>"
            if let mode = summary.mode { text += ", mode <b>\(HTML.escape(mode))</b>" }
            text += ".</p>"
            if let notes = summary.notes, !notes.isEmpty {
                text += "<ul class=\"notes\">" + notes.map { "<li>\(HTML.escape($0))</li>" }.joined() + "</ul>"
            }
            text += "<div class=\"sources\">"
            for source in summary.sources {
                text += "<div class=\"source\"><h3>\(HTML.escape(source.label))</h3>"
                if let name = source.file {
                    let file = folder.isEmpty ? name : folder + "/" + name
                    text += "<audio controls preload=\"none\" src=\"\(Self.outputURL(file))\"></audio>"
                } else {
                    text += "<p class=\"muted silent\">silent: the region moved, but none of the sound is its (no file)</p>"
                }
                var facts: [String] = []
                if let confidence = source.confidence { facts.append("confidence \(String(format: "%.2f", confidence))") }
                if let rms = source.rms { facts.append("RMS \(String(format: "%.4f", rms))") }
                if !facts.isEmpty { text += "<p class=\"muted\">\(facts.joined(separator: ", "))</p>" }
                if let box = source.region {
                    let width = video?.width ?? frame?.width ?? Int(box.x + box.width)
                    let height = video?.height ?? frame?.height ?? Int(box.y + box.height)
                    text += "<div class=\"regionframe\" style=\"aspect-ratio: \(width) / \(height)\">"
                    if let frame { text += "<img src=\"\(HTML.escape(HTML.url("../" + frame.path)))\" alt=\"frame at \(HTML.clock(frame.seconds))\">" }
                    text += "<svg viewBox=\"0 0 \(width) \(height)\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"region of \(HTML.escape(source.label))\">"
                    text += "<rect class=\"region\" x=\"\(Self.number(box.x))\" y=\"\(Self.number(box.y))\" width=\"\(Self.number(box.width))\" height=\"\(Self.number(box.height))\"/>"
                    text += "</svg></div>"
                    text += "<p class=\"muted\">region x \(Int(box.x)), y \(Int(box.y)), \(Int(box.width))×\(Int(box.height)) px</p>"
                }
                text += "</div>"
            }
            text += "</div>\n"
            if let mask = separation.mask {
                text += "<figure class=\"wide mask\"><img src=\"\(Self.outputURL(mask))\" alt=\"masks\" loading=\"lazy\"><figcaption>Masks: \(HTML.escape(mask))</figcaption></figure>\n"
            }
        }
        return text + "</section>\n"
    }

    /// Top-k labels with their scores, and other segment files (notes) as lists.
    private func labelsSection(_ entry: Entry) -> String {
        guard !entry.results.segments.isEmpty else { return "" }
        var text = "<section id=\"labels\"><h2>Labels and notes</h2>\n"
        for file in entry.results.segments {
            let items = file.document.items
            let scored = items.contains { ($0.score ?? 0) > 0 }
            text += "<h3><a href=\"\(Self.outputURL(file.path))\">\(HTML.escape((file.path as NSString).lastPathComponent))</a></h3>"
            if scored {
                text += "<table class=\"labels\"><thead><tr><th>label</th><th>score</th></tr></thead><tbody>"
                for item in items {
                    let score = item.score ?? 0
                    text += "<tr><td>\(HTML.escape(item.label))</td><td><span class=\"bar\" style=\"width:\(String(format: "%.0f", min(1, max(0, score)) * 100))%\"></span> "
                    text += "\(String(format: "%.3f", score))</td></tr>"
                }
                text += "</tbody></table>\n"
            } else {
                text += "<ul class=\"notes\">" + items.map { "<li>\(HTML.escape($0.label))</li>" }.joined() + "</ul>\n"
            }
        }
        return text + "</section>\n"
    }

    /// Tensors: shape and type; for embeddings, the L2 norm of each row.
    private func tensorSection(_ entry: Entry) -> String {
        guard !entry.results.tensors.isEmpty else { return "" }
        var text = "<section id=\"tensors\"><h2>Tensors</h2><table><thead><tr><th>file</th><th>shape</th><th>type</th><th>L2 norm per row</th></tr></thead><tbody>\n"
        for tensor in entry.results.tensors {
            text += "<tr><td><a href=\"\(Self.outputURL(tensor.path))\">\(HTML.escape(tensor.path))</a></td>"
            guard let array = tensor.array else { text += "<td colspan=\"3\" class=\"muted\">not read (large or not float32/float64)</td></tr>\n"; continue }
            text += "<td>[\(array.shape.map(String.init).joined(separator: ", "))]</td><td>\(HTML.escape(array.descr))</td><td class=\"norms\">"
            let name = tensor.path.lowercased()
            if name.contains("logmel") || name.contains("spectrogram") {
                text += "<span class=\"muted\">a spectrogram: see its picture</span>"
            } else if array.rowNorms.count <= 8 {
                text += array.rowNorms.map { String(format: "%.4g", $0) }.joined(separator: ", ")
            } else {
                let norms = array.rowNorms
                text += "\(norms.count) rows: min \(String(format: "%.4g", norms.min()!)), mean "
                text += "\(String(format: "%.4g", norms.reduce(0, +) / Double(norms.count))), max \(String(format: "%.4g", norms.max()!))"
            }
            text += "</td></tr>\n"
        }
        return text + "</tbody></table></section>\n"
    }

    /// Generated audio with its prompt, seed and settings.
    private func generatedSection(_ entry: Entry) -> String {
        guard !entry.results.generated.isEmpty else { return "" }
        var text = "<section id=\"generated\"><h2>Generated audio</h2>\n"
        for item in entry.results.generated {
            let folder = (item.path as NSString).deletingLastPathComponent
            let description = item.description
            text += "<div class=\"generated\"><p class=\"prompt\">“\(HTML.escape(description.prompt))”</p><dl class=\"facts\">"
            if let negative = description.negativePrompt { text += "<dt>negative prompt</dt><dd>\(HTML.escape(negative))</dd>" }
            if let seed = description.seed { text += "<dt>seed</dt><dd class=\"seed\">\(seed)</dd>" }
            if let steps = description.steps { text += "<dt>steps</dt><dd>\(steps)</dd>" }
            if let guidance = description.guidanceScale { text += "<dt>guidance scale</dt><dd>\(String(format: "%g", guidance))</dd>" }
            if let model = description.model { text += "<dt>model</dt><dd>\(HTML.escape(model))</dd>" }
            if let seconds = description.seconds { text += "<dt>length</dt><dd>\(HTML.duration(seconds))</dd>" }
            text += "</dl>"
            for file in description.audio {
                let path = folder.isEmpty ? file : folder + "/" + file
                text += "<figure><audio controls preload=\"none\" src=\"\(Self.outputURL(path))\"></audio><figcaption>\(HTML.escape(file))</figcaption></figure>"
            }
            text += "<p class=\"muted\">Described in <a href=\"\(Self.outputURL(item.path))\">\(HTML.escape(item.path))</a>.</p></div>\n"
        }
        return text + "</section>\n"
    }

    /// Pictures and sounds not shown in a section above.
    private func otherMediaSection(_ entry: Entry) -> String {
        let results = entry.results
        guard !results.images.isEmpty || !results.audio.isEmpty else { return "" }
        var text = "<section id=\"media\"><h2>Other pictures and sounds</h2>\n"
        for image in results.images {
            text += "<figure class=\"wide\"><img src=\"\(Self.outputURL(image))\" alt=\"\(HTML.escape(image))\" loading=\"lazy\"><figcaption>\(HTML.escape(image))</figcaption></figure>\n"
        }
        for audio in results.audio {
            text += "<figure><audio controls preload=\"none\" src=\"\(Self.outputURL(audio))\"></audio><figcaption>\(HTML.escape(audio))</figcaption></figure>\n"
        }
        return text + "</section>\n"
    }

    /// Every output, linked, with its size.
    private func outputsSection(_ entry: Entry) -> String {
        let outputs = entry.record.outputs
        guard !outputs.isEmpty else { return "" }
        var text = "<section id=\"outputs\"><h2>Outputs (\(outputs.count))</h2><ul class=\"outputs\">\n"
        let missing = Set(entry.results.missing)
        for output in outputs {
            if missing.contains(output) {
                text += "<li class=\"missing\">\(HTML.escape(output)) <span class=\"muted\">(not on disk any more)</span></li>\n"
                continue
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: outputDirectory.appendingPathComponent(output).path))?[.size] as? Int64
            text += "<li><a href=\"\(Self.outputURL(output))\">\(HTML.escape(output))</a> <span class=\"muted\">\(size.map(HTML.size) ?? "")</span></li>\n"
        }
        return text + "</ul></section>\n"
    }
}
