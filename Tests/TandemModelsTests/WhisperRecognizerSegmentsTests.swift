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

    /// Regions that touch end to start (the windows `av-fusion` cuts at pauses) are decoded apart, as
    /// faster-whisper's `clip_timestamps` keeps its clips: the result is the first region's segments,
    /// then the second's decoded alone with the first's text as prompt (merged, the 3.44 s clip would be
    /// one window from 0 and give the whole clip's transcript).
    @Test func touchingRegionsAreDecodedApart() throws {
        guard let directory = WhisperFixtures.embeddedModel() else { return }
        let recognizer = try WhisperRecognizer(directory: directory)
        let samples = try WhisperFixtures.wav("clip1.wav")
        var options = WhisperDecodingOptions()
        options.beamSize = 1
        let whole = try recognizer.transcribe(samples, within: [Segment(start: 0, end: 3.44)], options: options)
        let apart = try recognizer.transcribe(samples, within: [Segment(start: 0, end: 1.7), Segment(start: 1.7, end: 3.44)], options: options)
        let first = try recognizer.transcribe(samples, within: [Segment(start: 0, end: 1.7)], options: options)
        var prompted = options
        prompted.initialPromptTokens = first.flatMap(\.tokens)
        let second = try recognizer.transcribe(samples, within: [Segment(start: 1.7, end: 3.44)], options: prompted)
        #expect(!first.isEmpty)
        #expect(apart.map(\.text) == (first + second).map(\.text))
        #expect(apart.map(\.seek) == (first + second).map(\.seek))
        #expect(apart.map(\.start) == (first + second).map(\.start))
        #expect(apart.map(\.id) == Array(1...apart.count))
        #expect(apart.map(\.text) != whole.map(\.text))
    }
}
