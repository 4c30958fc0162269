import Foundation

/// What the pipeline produced for one input, sorted into what the report shows: recognised by
/// content for JSON (a transcript, a separation summary, labels, a generated-audio description),
/// by extension and name for pictures, sounds and tensors. Paths are relative to the output folder.
struct InputResults {
    struct Transcript { var path: String; var document: TranscriptDocument }
    struct Separation { var path: String; var summary: SeparationSummary; var mask: String? }
    struct Segments { var path: String; var document: SegmentsDocument }
    struct Tensor { var path: String; var array: NumpyArray? }
    struct Generated { var path: String; var description: GeneratedAudio }

    var transcripts: [Transcript] = []
    var separations: [Separation] = []
    /// `write-json` segment files: labels with scores (`*.labels.json`) and other notes.
    var segments: [Segments] = []
    var tensors: [Tensor] = []
    var generated: [Generated] = []
    /// Sampled frames the pipeline wrote (`frame_000012.png`), in name order.
    var frames: [String] = []
    var contactSheets: [String] = []
    var spectrograms: [String] = []
    var images: [String] = []
    var audio: [String] = []
    /// WebVTT captions, offered as tracks of the input's player.
    var captions: [String] = []
    /// Outputs listed in the manifest but not on disk any more.
    var missing: [String] = []

    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg", "gif", "webp"]
    static let audioExtensions: Set<String> = ["wav", "flac", "mp3", "ogg", "oga", "opus", "m4a", "aac"]
    /// JSON and tensors larger than this are linked, not read (a report must stay quick).
    static let readLimit = 64 << 20

    /// Sorts `outputs` (relative to `root`).
    init(outputs: [String], root: URL) {
        var claimed = Set<String>()
        let present = outputs.filter { FileManager.default.fileExists(atPath: root.appendingPathComponent($0).path) }
        let found = Set(present)
        missing = outputs.filter { !found.contains($0) }
        let decoder = JSONDecoder()
        for path in present where path.lowercased().hasSuffix(".json") {
            guard let data = Self.read(root.appendingPathComponent(path)) else { continue }
            let folder = (path as NSString).deletingLastPathComponent
            func sibling(_ name: String) -> String { folder.isEmpty ? name : folder + "/" + name }
            if let description = try? decoder.decode(GeneratedAudio.self, from: data) {
                generated.append(Generated(path: path, description: description))
                claimed.formUnion(description.audio.map(sibling))
            } else if let list = try? decoder.decode(GeneratedAudioList.self, from: data), !list.clips.isEmpty {
                for clip in list.clips {
                    generated.append(Generated(path: path, description: clip))
                    claimed.formUnion(clip.audio.map(sibling))
                }
            } else if let document = try? decoder.decode(TranscriptDocument.self, from: data) {
                transcripts.append(Transcript(path: path, document: document))
            } else if let summary = try? decoder.decode(SeparationSummary.self, from: data) {
                let mask = present.first { ($0 as NSString).deletingLastPathComponent == folder && $0.lowercased().hasSuffix("masks.png") }
                separations.append(Separation(path: path, summary: summary, mask: mask))
                claimed.formUnion(summary.sources.compactMap { $0.file.map(sibling) })
                if let mask { claimed.insert(mask) }
            } else if let document = try? decoder.decode(SegmentsDocument.self, from: data), !document.items.isEmpty {
                segments.append(Segments(path: path, document: document))
            }
        }
        for path in present where !claimed.contains(path) {
            let name = (path as NSString).lastPathComponent.lowercased()
            let ext = (name as NSString).pathExtension
            if Self.imageExtensions.contains(ext) {
                if name.hasPrefix("frame_") { frames.append(path) }
                else if name.contains("contact_sheet") || name.contains("contact-sheet") { contactSheets.append(path) }
                else if name.contains("logmel") || name.contains("spectrogram") || path.lowercased().contains("spectrograms/") { spectrograms.append(path) }
                else { images.append(path) }
            } else if Self.audioExtensions.contains(ext) {
                audio.append(path)
            } else if ext == "vtt" {
                captions.append(path)
            } else if ext == "npy" {
                let data = Self.read(root.appendingPathComponent(path))
                tensors.append(Tensor(path: path, array: data.flatMap(NumpyArray.init)))
            }
        }
        frames.sort()
    }

    /// The file's bytes when it is small enough to read for the report.
    static func read(_ url: URL) -> Data? {
        guard let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int, size <= readLimit else { return nil }
        return try? Data(contentsOf: url)
    }
}
