import Foundation
import Testing
import TandemCore
import TandemDSP
import TandemMedia
import TandemModels
@testable import TandemNodes

/// The `whisper` node's `segments` path decodes regions as their audio arrives and releases it behind
/// them, with the transcript `WhisperRecognizer.transcribe(_:within:)` gives on the whole recording.
@Suite(.serialized) struct WhisperRegionStreamTests {
    static let model = WhisperNodeTests.packageRoot.appendingPathComponent("Models/whisper-tiny.en")

    /// clip1 three times, a second of silence between (about 12 s); and clip1's length in seconds.
    static func recording() throws -> (samples: [Float], clip: Double) {
        let clip = try AudioReader(url: WhisperNodeTests.clip, options: AudioDecodeOptions(sampleRate: 16_000, channels: 1)).readAll()
        let samples = clip.channels[0].array, silence = [Float](repeating: 0, count: 16_000)
        return (samples + silence + samples + silence + samples, Double(samples.count) / 16_000)
    }

    @Test func regionsArrivingWithTheAudioGiveTheWholeRecordingsTranscript() throws {
        let recognizer = try WhisperRecognizer(directory: Self.model)
        var options = WhisperDecodingOptions()
        options.beamSize = 1
        options.wordTimestamps = true
        let (samples, clip) = try Self.recording()
        // Touching windows (one region, as av-fusion's listen: everything sends them), then two separate ones.
        let regions = [Segment(start: 0.1, end: 1.6, label: "window"), Segment(start: 1.6, end: clip - 0.1, label: "window"),
                       Segment(start: clip + 1.4, end: 2 * clip + 0.9, label: "window"),
                       Segment(start: 2 * clip + 2.4, end: 3 * clip + 1.9, label: "window")]
        let whole = try recognizer.transcribe(samples, within: regions, options: options)

        var decoder = WhisperNode.RegionDecoder(session: try recognizer.regionSession(options: options), lookaheadSeconds: 600)
        var found: [WhisperSegment] = []
        var sent = 0, start = 0, mostHeld = 0
        while start < samples.count {
            let end = min(samples.count, start + 3_000)
            decoder.add(samples: Array(samples[start..<end]), origin: 0)
            // Each region is sent once the audio is a second past its end, as a producer that lags would.
            while sent < regions.count, regions[sent].end + 1 <= Double(end) / 16_000 {
                decoder.add([regions[sent]], origin: 0)
                sent += 1
            }
            found += try decoder.advance()
            mostHeld = max(mostHeld, decoder.heldSamples)
            start = end
        }
        decoder.audioEnded = true
        decoder.add(Array(regions[sent...]), origin: 0)
        decoder.regionsEnded = true
        found += try decoder.advance()

        #expect(!whole.isEmpty)
        #expect(found.map(\.text) == whole.map(\.text))
        #expect(found.map(\.start) == whole.map(\.start) && found.map(\.end) == whole.map(\.end))
        #expect(found.map(\.id) == whole.map(\.id))
        let foundList: [TranscriptWord] = found.flatMap { $0.words ?? [] }
        let wholeList: [TranscriptWord] = whole.flatMap { $0.words ?? [] }
        let foundWords = foundList.map { $0.start }, wholeWords = wholeList.map { $0.start }
        #expect(foundWords == wholeWords)
        // Never the whole recording: at most the producer's lag plus a packet past the region being fed.
        #expect(mostHeld < samples.count / 2, "held \(mostHeld) of \(samples.count) samples")
        #expect(decoder.heldSamples == 0 || decoder.heldSamples < 16_000)
    }

    /// Empty regions (av-fusion's marks where it left a voiceless stretch out) end the region before them and release
    /// the audio before them: a minute of silence between two sentences is not held, and the text is the same.
    @Test func emptyRegionsReleaseTheAudioBeforeThem() throws {
        let recognizer = try WhisperRecognizer(directory: Self.model)
        var options = WhisperDecodingOptions()
        options.beamSize = 1
        let (recording, clipSeconds) = try Self.recording()
        let single = Array(recording.prefix(Int((clipSeconds * 16_000).rounded())))
        let samples = single + [Float](repeating: 0, count: 60 * 16_000) + single
        let regions = [Segment(start: 0, end: clipSeconds + 1, label: "window"),
                       Segment(start: clipSeconds + 59, end: Double(samples.count) / 16_000, label: "window")]
        let whole = try recognizer.transcribe(samples, within: regions, options: options)
        let marks = [20.0, 40].map { Segment(start: clipSeconds + $0, end: clipSeconds + $0, label: "window") }
        let sent = [regions[0], marks[0], marks[1], regions[1]]

        var decoder = WhisperNode.RegionDecoder(session: try recognizer.regionSession(options: options), lookaheadSeconds: 600)
        var found: [WhisperSegment] = []
        var next = 0, start = 0, mostHeldInSilence = 0
        var foundWhenFirstMarked: Int?
        while start < samples.count {
            let end = min(samples.count, start + 3_000)
            decoder.add(samples: Array(samples[start..<end]), origin: 0)
            while next < sent.count, sent[next].end + 1 <= Double(end) / 16_000 {
                decoder.add([sent[next]], origin: 0)
                next += 1
            }
            found += try decoder.advance()
            if next == 2 && foundWhenFirstMarked == nil { foundWhenFirstMarked = found.count }
            if next >= 2 && Double(end) / 16_000 < clipSeconds + 59 { mostHeldInSilence = max(mostHeldInSilence, decoder.heldSamples) }
            start = end
        }
        decoder.audioEnded = true
        decoder.add(Array(sent[next...]), origin: 0)
        decoder.regionsEnded = true
        found += try decoder.advance()

        #expect(!whole.isEmpty)
        #expect(found.map(\.text) == whole.map(\.text) && found.map(\.start) == whole.map(\.start))
        // The first sentence's text comes as soon as the first mark says no region joins it.
        #expect((foundWhenFirstMarked ?? 0) > 0 && (foundWhenFirstMarked ?? 0) < found.count, "\(String(describing: foundWhenFirstMarked)) of \(found.count)")
        // At most the 20 s between marks and the lag of a second: not the minute.
        #expect(mostHeldInSilence < 22 * 16_000, "held \(mostHeldInSilence) samples")
    }

    /// Windows longer in all than 30 s that touch at a pause (as av-fusion's `listen: everything` cuts them):
    /// the first Whisper window writes no text past the cut, the second starts at it, every sentence is written
    /// once, and the node's streaming path gives what the whole recording gives.
    @Test func touchingWindowsCutTheTextAtTheirPause() throws {
        let recognizer = try WhisperRecognizer(directory: Self.model)
        var options = WhisperDecodingOptions()
        options.beamSize = 1
        options.wordTimestamps = true
        // The same sentence ten times is repetitive text by design: no fallback on the compression ratio.
        options.compressionRatioThreshold = nil
        options.temperatures = [0]
        let (recording, clipSeconds) = try Self.recording()
        let single = Array(recording.prefix(Int((clipSeconds * 16_000).rounded())))
        // clip1 ten times, 1.2 s of silence after each; the cut in the middle of the sixth silence.
        let silence = [Float](repeating: 0, count: 19_200)
        let samples = Array(repeating: single + silence, count: 10).flatMap { $0 }
        let period = Double(single.count + silence.count) / 16_000
        let cutTime = 6 * period - 0.6
        let regions = [Segment(start: 0, end: cutTime, label: "window"), Segment(start: cutTime, end: Double(samples.count) / 16_000, label: "window")]
        let whole = try recognizer.transcribe(samples, within: regions, options: options)
        let text = whole.map(\.text).joined().lowercased()
        #expect(text.components(separatedBy: "quick").count - 1 == 10 && text.components(separatedBy: " dog").count - 1 == 10, "\(text)")
        let cutFrame = Int((cutTime * 16_000).rounded()) / WhisperLogMel.hop
        #expect(whole.filter { $0.seek == 0 }.allSatisfy { $0.end <= cutTime + 0.1 })
        #expect(whole.contains { $0.seek == cutFrame })
        #expect(whole.allSatisfy { $0.seek == 0 || $0.seek == cutFrame })

        var decoder = WhisperNode.RegionDecoder(session: try recognizer.regionSession(options: options), lookaheadSeconds: 5)
        var found: [WhisperSegment] = []
        var sent = 0, start = 0
        while start < samples.count {
            let end = min(samples.count, start + 4_000)
            decoder.add(samples: Array(samples[start..<end]), origin: 0)
            while sent < regions.count, regions[sent].end + 1 <= Double(end) / 16_000 {
                decoder.add([regions[sent]], origin: 0)
                sent += 1
            }
            found += try decoder.advance()
            start = end
        }
        decoder.audioEnded = true
        decoder.add(Array(regions[sent...]), origin: 0)
        decoder.regionsEnded = true
        found += try decoder.advance()
        #expect(found.map(\.text) == whole.map(\.text))
        #expect(found.map(\.seek) == whole.map(\.seek) && found.map(\.start) == whole.map(\.start))
    }

    /// `vad_filter` as the audio arrives gives the whole recording's `vad_filter` transcript, and never holds the recording.
    @Test func vadFilterAsTheAudioArrivesIsTheWholeRecordings() throws {
        let recognizer = try WhisperRecognizer(directory: Self.model)
        let vad = try SileroVAD(directory: WhisperNodeTests.packageRoot.appendingPathComponent("Models/silero-vad"))
        var options = WhisperDecodingOptions()
        options.beamSize = 1
        options.wordTimestamps = true
        var vadOptions = VADOptions()
        vadOptions.minSilenceDurationMs = 500
        let (clips, _) = try Self.recording()
        // Three seconds of silence between two copies: a span is decided, pushed and released mid-way.
        let samples = clips + [Float](repeating: 0, count: 48_000) + clips
        let whole = try recognizer.transcribe(samples, vadFilter: vad, vadOptions: vadOptions, options: options)
        var decoder = WhisperNode.VADFilterDecoder(vad: vad, options: vadOptions, stream: try recognizer.stream(options: options, lookaheadSeconds: 600))
        var found: [WhisperSegment] = []
        var start = 0, mostHeld = 0
        while start < samples.count {
            let end = min(samples.count, start + 2_500)
            found += try decoder.push(Array(samples[start..<end]))
            mostHeld = max(mostHeld, decoder.heldSamples)
            start = end
        }
        found += try decoder.finish()
        #expect(whole.speech.count >= 2)
        #expect(!whole.segments.isEmpty)
        #expect(found.map(\.text) == whole.segments.map(\.text))
        #expect(found.map(\.start) == whole.segments.map(\.start) && found.map(\.end) == whole.segments.map(\.end))
        let foundList: [TranscriptWord] = found.flatMap { $0.words ?? [] }
        let wholeList: [TranscriptWord] = whole.segments.flatMap { $0.words ?? [] }
        let foundWords = foundList.map { $0.end }, wholeWords = wholeList.map { $0.end }
        #expect(foundWords == wholeWords)
        #expect(mostHeld < samples.count / 2, "held \(mostHeld) of \(samples.count) samples")
    }
}
