import Foundation
import Testing
import TandemCore
@testable import TandemModels

/// `vad_filter` against faster-whisper's `transcribe(vad_filter=True)` on speech – 10 s of silence –
/// speech (the Whisper fixtures' clip1 and clip2 with silence around them), with the embedded tiny.en.
@Suite("Whisper vad_filter", .serialized)
struct WhisperVADFilterTests {
    static func composite(_ layout: [String: Any]) throws -> (samples: [Float], gap: ClosedRange<Double>) {
        let rate = 16_000
        func zeros(_ key: String) -> [Float] { [Float](repeating: 0, count: Int((layout[key] as! Double) * Double(rate))) }
        let first = try WhisperFixtures.wav((layout["first"] as! String) + ".wav")
        let second = try WhisperFixtures.wav((layout["second"] as! String) + ".wav")
        let lead = zeros("lead_seconds"), gap = zeros("gap_seconds")
        let samples = lead + first + gap + second + zeros("tail_seconds")
        let gapStart = Double(lead.count + first.count) / Double(rate)
        return (samples, gapStart...(gapStart + Double(gap.count) / Double(rate)))
    }

    @Test(arguments: [true, false])
    func matchesFasterWhisper(wordTimestamps: Bool) throws {
        guard let directory = WhisperFixtures.embeddedModel(), let vad = try SileroVADFixtures.model() else { return }
        let recognizer = try WhisperRecognizer(directory: directory)
        let reference = try SileroVADFixtures.reference()["vad_filter"] as! [String: Any]
        let (samples, gap) = try Self.composite(reference)
        var options = WhisperDecodingOptions()
        options.beamSize = 5
        options.temperatures = [0]
        options.wordTimestamps = wordTimestamps
        let result = try recognizer.transcribe(samples, vadFilter: vad, options: options)
        #expect(result.speech == SileroVADFixtures.spans(reference["spans"]))
        #expect(result.speech.count == 2, "the 10 s gap must separate the two clips")

        let expected = reference[wordTimestamps ? "words" : "no_words"] as! [[String: Any]]
        #expect(result.segments.map(\.tokens) == expected.map { $0["tokens"] as! [Int] })
        #expect(result.segments.map(\.text) == expected.map { $0["text"] as! String })
        // Times are rounded to 0.01 s after mapping; the recogniser's own word times agree within 0.02 s.
        var worst = 0.0
        for (segment, reference) in zip(result.segments, expected) {
            worst = max(worst, abs(segment.start - (reference["start"] as! Double)), abs(segment.end - (reference["end"] as! Double)))
            let referenceWords = reference["words"] as! [[String: Any]]
            let words = segment.words ?? []
            #expect(words.map(\.word) == referenceWords.map { $0["word"] as! String })
            for (word, expectedWord) in zip(words, referenceWords) {
                worst = max(worst, abs(word.start - (expectedWord["start"] as! Double)), abs(word.end - (expectedWord["end"] as! Double)))
            }
        }
        #expect(worst <= 0.03 + 1e-9, "largest time difference \(worst) s")

        // On the original timeline: the second clip's words come after the gap, and nothing is written inside it.
        if wordTimestamps {
            let words = result.segments.flatMap { $0.words ?? [] }
            let inside = words.filter { $0.start > gap.lowerBound + 0.5 && $0.end < gap.upperBound - 0.5 }
            #expect(inside.isEmpty, "words in the silence: \(inside.map(\.word))")
            #expect(words.contains { $0.word.contains("Hello") && $0.start > gap.upperBound - 0.5 })
            #expect(words.first.map { $0.start >= 1.0 } == true)
        }
    }

    /// Spans from any detector, stitched: the words come back on the original timeline, inside the spans
    /// they were heard in; overlapping, unordered and out-of-range spans give what the clean spans give.
    @Test func stitchingGivenSpansMapsTimesBack() throws {
        guard let directory = WhisperFixtures.embeddedModel(), (try? SileroVADFixtures.model()) != nil else { return }
        let recognizer = try WhisperRecognizer(directory: directory)
        let reference = try SileroVADFixtures.reference()["vad_filter"] as! [String: Any]
        let (samples, gap) = try Self.composite(reference)
        let rate = 16_000.0
        let lead = Int((reference["lead_seconds"] as! Double) * rate)
        let first = lead..<Int(gap.lowerBound * rate), secondStart = Int(gap.upperBound * rate)
        let second = secondStart..<(samples.count - Int((reference["tail_seconds"] as! Double) * rate))
        var options = WhisperDecodingOptions()
        options.beamSize = 1
        options.temperatures = [0]
        options.wordTimestamps = true
        let clean = try recognizer.transcribe(samples, stitching: [first, second], options: options)
        let words = clean.flatMap { $0.words ?? [] }
        #expect(!words.isEmpty)
        // Every word lies within the span of its middle (0.01 s of rounding), none in the gap.
        for word in words {
            let middle = (word.start + word.end) / 2 * rate
            let span = first.contains(Int(middle)) ? first : second
            #expect(Double(span.lowerBound) / rate - 0.011 <= word.start && word.end <= Double(span.upperBound) / rate + 0.011, "\(word)")
        }
        #expect(words.contains { $0.start < gap.lowerBound } && words.contains { $0.start > gap.upperBound })
        let messy = try recognizer.transcribe(samples, stitching: [second, first.lowerBound..<(first.upperBound - 100), (first.lowerBound + 50)..<first.upperBound,
                                                                   samples.count..<(samples.count + 10)], options: options)
        #expect(messy == clean)
        let bySeconds = try recognizer.transcribe(samples, stitching: [Segment(start: Double(first.lowerBound) / rate, end: Double(first.upperBound) / rate),
                                                                       Segment(start: Double(second.lowerBound) / rate, end: Double(second.upperBound) / rate)],
                                                  options: options)
        #expect(bySeconds == clean)
        #expect(try recognizer.transcribe(samples, stitching: [Range<Int>](), options: options).isEmpty)
    }

    @Test func silenceGivesNoSegments() throws {
        guard let directory = WhisperFixtures.embeddedModel(), let vad = try SileroVADFixtures.model() else { return }
        let recognizer = try WhisperRecognizer(directory: directory)
        let result = try recognizer.transcribe([Float](repeating: 0, count: 16_000 * 5), vadFilter: vad)
        #expect(result.speech.isEmpty && result.segments.isEmpty)
        #expect(result.probabilities.count == 16_000 * 5 / 512 + 1)
    }
}
