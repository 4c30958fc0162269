import Foundation
import TandemCore

/// Transcript files in the formats people load into players and editors, laid out as openai/whisper's
/// writers (`whisper/utils.py`: WriteTXT, WriteVTT, WriteSRT, WriteJSON) lay them out.
public enum TranscriptFormat: String, Sendable, CaseIterable, Codable {
    case json, srt, vtt, txt

    /// The file extension, without the dot.
    public var fileExtension: String { rawValue }

    /// The whole file for `segments`.
    public func render(_ segments: [TranscriptSegment]) -> String {
        switch self {
        case .txt: Self.text(segments)
        case .srt: Self.subRip(segments)
        case .vtt: Self.webVTT(segments)
        case .json: Self.json(segments)
        }
    }

    /// One stripped segment text per line.
    public static func text(_ segments: [TranscriptSegment]) -> String {
        segments.map { cueText($0.text) + "\n" }.joined()
    }

    /// SubRip: numbered cues, `HH:MM:SS,mmm --> HH:MM:SS,mmm`.
    public static func subRip(_ segments: [TranscriptSegment]) -> String {
        segments.enumerated().map { index, segment in
            "\(index + 1)\n\(timestamp(segment.start, alwaysHours: true, decimal: ",")) --> "
                + "\(timestamp(segment.end, alwaysHours: true, decimal: ","))\n\(cueText(segment.text))\n\n"
        }.joined()
    }

    /// WebVTT: a `WEBVTT` header, then cues `[HH:]MM:SS.mmm --> [HH:]MM:SS.mmm`.
    public static func webVTT(_ segments: [TranscriptSegment]) -> String {
        "WEBVTT\n\n" + segments.map { segment in
            "\(timestamp(segment.start, alwaysHours: false, decimal: ".")) --> "
                + "\(timestamp(segment.end, alwaysHours: false, decimal: "."))\n\(cueText(segment.text))\n\n"
        }.joined()
    }

    /// JSON with the full text and every segment's times, tokens and probabilities
    /// (openai/whisper's key names: `avg_logprob`, `no_speech_prob`), and its `words` when they were timed;
    /// `language` and `language_probability` (faster-whisper's `TranscriptionInfo`) when the recogniser named them.
    public static func json(_ segments: [TranscriptSegment]) -> String {
        struct Document: Encodable {
            var text: String
            var language: String?
            var language_probability: Double?
            var segments: [Entry]
        }
        struct Entry: Encodable {
            var id: Int
            var start: Double
            var end: Double
            var text: String
            var tokens: [Int]
            var avg_logprob: Double
            var no_speech_prob: Double
            var speaker: String?
            var words: [TranscriptWord]?
        }
        // One language per transcript, as openai/whisper writes it; the first segment that names one.
        let named = segments.first { $0.language != nil }
        let document = Document(
            text: segments.map(\.text).joined(), language: named?.language, language_probability: named?.languageProbability,
            segments: segments.enumerated().map { index, s in
                Entry(id: index, start: s.start, end: s.end, text: s.text, tokens: s.tokens, avg_logprob: s.averageLogProbability,
                      no_speech_prob: s.noSpeechProbability, speaker: s.speaker, words: s.words)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding plain numbers and strings cannot fail.
        return String(decoding: try! encoder.encode(document), as: UTF8.self) + "\n"
    }

    /// `HH:MM:SS.mmm` from seconds, rounded to the millisecond (`format_timestamp`).
    /// - Parameters:
    ///   - alwaysHours: false leaves out a zero hour (WebVTT).
    ///   - decimal: `,` for SubRip, `.` for WebVTT.
    public static func timestamp(_ seconds: Double, alwaysHours: Bool, decimal: String) -> String {
        var milliseconds = Int((max(0, seconds) * 1000).rounded())
        let hours = milliseconds / 3_600_000
        milliseconds -= hours * 3_600_000
        let minutes = milliseconds / 60_000
        milliseconds -= minutes * 60_000
        let secs = milliseconds / 1000
        milliseconds -= secs * 1000
        let hourPart = alwaysHours || hours > 0 ? String(format: "%02d:", hours) : ""
        return hourPart + String(format: "%02d:%02d%@%03d", minutes, secs, decimal, milliseconds)
    }

    /// A cue's text: stripped, and `-->` (the cue arrow) never inside it.
    static func cueText(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "-->", with: "->")
    }
}
