import Foundation
import TandemMedia

/// Why a node that needs sound received none, told from the input file's header rather than guessed:
/// the file has no audio stream (a video-only file, read with decode's `missing_audio: skip`), or its
/// audio stream gave no samples (an empty track, or none of its packets decodable).
enum MissingAudio {
    /// The reason as the end of a sentence that starts with the node's name, e.g.
    /// "clip.mp4: its aac audio stream gave no samples (an empty track, or none of its packets decodable)".
    static func reason(in url: URL?) -> String {
        guard let url else { return "no audio arrived" }
        let name = url.lastPathComponent
        guard let info = try? MediaFile.open(url).info else { return "\(name): no audio arrived" }
        guard let stream = info.firstStream(.audio) else { return "\(name) has no audio stream (a video-only file)" }
        return "\(name): its \(stream.codec) audio stream gave no samples (an empty track, or none of its packets decodable)"
    }
}
