import Foundation
import Testing
import TandemCore
import TandemDSP
@testable import TandemModels

/// Streaming transcription (`WhisperRecognizer.Stream`) against the whole-input path on the embedded tiny.en.
@Suite(.serialized) struct WhisperStreamTests {
    static let recognizer: WhisperRecognizer? = {
        guard let directory = WhisperFixtures.embeddedModel() else { return nil }
        return try? WhisperRecognizer(directory: directory)
    }()

    /// About 76 s of speech (four passes over the three espeak-ng clips, a second of silence after each clip),
    /// the first pass at full level and the others at half, so the loudest frame is in the first window.
    static func longInput() throws -> [Float] {
        let clips = try ["clip1.wav", "clip2.wav", "clip3.wav"].map { try WhisperFixtures.wav($0) }
        var samples: [Float] = []
        for pass in 0..<4 {
            let gain: Float = pass == 0 ? 1 : 0.5
            for clip in clips {
                samples += clip.map { $0 * gain }
                samples += [Float](repeating: 0, count: 16000)
            }
        }
        return samples
    }

    /// Feeds `samples` in chunks of uneven sizes; returns what each push gave, what finish gave, and the
    /// most frames the stream held at once.
    static func run(_ stream: inout WhisperRecognizer.Stream, _ samples: [Float]) throws
        -> (pushed: [[WhisperSegment]], finished: [WhisperSegment], mostHeld: Int, mostReserved: Int) {
        var pushed: [[WhisperSegment]] = []
        var mostHeld = 0, mostReserved = 0
        var position = 0
        var size = 1000
        while position < samples.count {
            let end = min(samples.count, position + size)
            pushed.append(try stream.push(Array(samples[position..<end])))
            mostHeld = max(mostHeld, stream.heldFrames)
            mostReserved = max(mostReserved, stream.reservedFrames)
            position = end
            size = size == 1000 ? 7919 : 1000
        }
        let finished = try stream.finish()
        return (pushed, finished, mostHeld, mostReserved)
    }

    @Test func streamingGivesTheWholeInputTranscriptOverSeveralWindows() throws {
        let recognizer = try #require(Self.recognizer)
        let samples = try Self.longInput()
        var options = WhisperDecodingOptions()
        options.beamSize = 1
        options.wordTimestamps = true
        let whole = try recognizer.transcribe(samples, options: options)
        #expect(whole.count > 3)
        #expect(Set(whole.map(\.seek)).count >= 3, "the input must take several windows")

        var stream = try recognizer.stream(options: options, lookaheadSeconds: 0)
        let reservedAtStart = stream.reservedFrames
        let (pushed, finished, mostHeld, mostReserved) = try Self.run(&stream, samples)
        let streamed = pushed.flatMap { $0 } + finished
        #expect(streamed == whole)
        // Windows were decoded while audio was still arriving, not all at the end.
        #expect(pushed.contains { !$0.isEmpty })
        #expect(!pushed.flatMap { $0 }.isEmpty && pushed.flatMap { $0 }.count < whole.count)
        // Held after each push: less than one window (a full one is decoded at once).
        #expect(mostHeld <= WhisperLogMel.windowFrames + 1)
        // The buffer is reserved once, for a window, its look-ahead and a push, and never grows by doubling.
        #expect(mostReserved == reservedAtStart, "\(reservedAtStart) → \(mostReserved)")
        #expect(reservedAtStart >= WhisperLogMel.windowFrames + WhisperRecognizer.Stream.pushRoomFrames)
    }

    @Test func aLookaheadPastTheInputDecodesEverythingAtTheEnd() throws {
        let recognizer = try #require(Self.recognizer)
        let samples = try Self.longInput()
        var options = WhisperDecodingOptions()
        options.beamSize = 1
        let whole = try recognizer.transcribe(samples, options: options)
        var stream = try recognizer.stream(options: options, lookaheadSeconds: 120)
        let (pushed, finished, _, _) = try Self.run(&stream, samples)
        #expect(pushed.allSatisfy { $0.isEmpty })
        #expect(finished == whole)
    }

    /// Without look-ahead a later, louder passage raises the floor only for the windows read after it: the
    /// windows that end before it are those of the same recording without the loud passage.
    @Test func withoutLookaheadEarlierWindowsDoNotWaitForLaterPeaks() throws {
        let recognizer = try #require(Self.recognizer)
        let quiet = try Self.longInput().map { $0 * 0.25 } + [Float](repeating: 0, count: 16000 * 40)
        let loud = try WhisperFixtures.wav("clip2.wav")
        let loudFrame = quiet.count / WhisperLogMel.hop
        var options = WhisperDecodingOptions()
        options.beamSize = 1
        // Windows that end a second before the loud passage: decoded before any of it is read.
        func early(_ segments: [WhisperSegment]) -> [WhisperSegment] {
            segments.filter { $0.seek + WhisperLogMel.windowFrames + 100 <= loudFrame }
        }
        var stream = try recognizer.stream(options: options, lookaheadSeconds: 0)
        let (pushed, finished, _, _) = try Self.run(&stream, quiet + loud)
        let alone = early(try recognizer.transcribe(quiet, options: options))
        #expect(!alone.isEmpty)
        #expect(early(pushed.flatMap { $0 } + finished) == alone)
    }

    @Test func emptyAndShortStreams() throws {
        let recognizer = try #require(Self.recognizer)
        var options = WhisperDecodingOptions()
        options.beamSize = 1
        var empty = try recognizer.stream(options: options)
        #expect(try empty.finish().isEmpty)
        let clip = try WhisperFixtures.wav("clip1.wav")
        var short = try recognizer.stream(options: options, lookaheadSeconds: 0)
        #expect(try short.push(clip).isEmpty)
        let expected = try recognizer.transcribe(clip, options: options)
        #expect(try short.finish() == expected)
    }
}
