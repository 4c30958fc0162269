import Foundation
import Testing
import TandemCore
@testable import TandemModels

/// `WhisperRecognizer.transcribe(_:within:)` with the embedded tiny.en on clip1
/// ("The quick brown fox jumps over the lazy dog.", 3.44 s).
@Suite(.serialized) struct WhisperRecognizerSegmentsTests {
    @Test func regionsAreMergedClampedAndShifted() throws {
        guard let directory = WhisperFixtures.embeddedModel() else { return }
        let recognizer = try WhisperRecognizer(directory: directory)
        let samples = try WhisperFixtures.wav("clip1.wav")
        var options = WhisperDecodingOptions()
        options.beamSize = 1

        // Overlapping regions covering the clip (the second past its end) merge into the whole clip.
        let whole = try recognizer.transcribe(samples, options: options)
        let merged = try recognizer.transcribe(samples, within: [Segment(start: 1.5, end: 9), Segment(start: 0, end: 2)], options: options)
        #expect(merged == whole)

        // A region after the end of the samples decodes nothing.
        #expect(try recognizer.transcribe(samples, within: [Segment(start: 5, end: 6)], options: options).isEmpty)

        // A later region: times on the samples' clock, ids from 1, seek in whole-clip frames.
        let tail = try recognizer.transcribe(samples, within: [Segment(start: 1.2, end: 3.44)], options: options)
        #expect(!tail.isEmpty)
        #expect(tail.map(\.id) == Array(1...tail.count))
        #expect(tail.allSatisfy { $0.start >= 1.2 && $0.end <= 3.46 && $0.seek >= 120 })
        #expect(!tail.map(\.text).joined().contains("quick"))
    }
}
