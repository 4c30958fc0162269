import Foundation
import Testing
import TandemNN
@testable import TandemModels

/// The embedded tiny.en against faster-whisper (CTranslate2, float32) on the espeak-ng clips recorded by
/// Tools/fixtures/make_whisper_fixtures.py.
@Suite(.serialized) struct WhisperModelTests {
    static let recognizer: WhisperRecognizer? = {
        guard let directory = WhisperFixtures.embeddedModel() else { return nil }
        return try? WhisperRecognizer(directory: directory)
    }()

    /// faster-whisper's features (log-mel of the clip + 160 zeros) to 1e-4.
    @Test func featuresMatchFasterWhisper() throws {
        let recognizer = try #require(Self.recognizer)
        let expected = try WhisperFixtures.floats("features_clip1.f32")
        let (values, frames) = recognizer.features(try WhisperFixtures.wav("clip1.wav"))
        #expect(frames == 344 && values.count == expected.count)
        let worst = zip(values, expected).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-4, "largest difference \(worst)")
    }

    /// CTranslate2's encoder output for the first 32 of 1500 positions; compared with a tolerance of 2e-3
    /// absolute (float32 GEMMs in a different order over 4 layers).
    @Test func encoderMatchesCTranslate2() throws {
        let recognizer = try #require(Self.recognizer)
        let features = try WhisperFixtures.floats("features_clip1.f32")
        let frames = features.count / 80
        var window = [Float](repeating: 0, count: 80 * 3000)
        for mel in 0..<80 { for t in 0..<(frames - 1) { window[mel * 3000 + t] = features[mel * frames + t] } }
        let encoded = try recognizer.model.encode(window)
        #expect(encoded.states.shape == [1, 1500, 384])
        let expected = try WhisperFixtures.floats("encoder_clip1.f32")
        let got = encoded.states.scalars.prefix(expected.count)
        let worst = zip(got, expected).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 2e-3, "largest difference \(worst)")
    }

    /// Token ids and segment times equal faster-whisper's at beam 1 and beam 5; log probabilities to 2e-3.
    @Test(arguments: ["clip1", "clip2", "clip3"]) func transcriptMatchesFasterWhisper(clip: String) throws {
        let recognizer = try #require(Self.recognizer)
        let clips = try WhisperFixtures.json("transcripts.json")["clips"] as! [String: Any]
        let fixture = clips[clip] as! [String: Any]
        let samples = try WhisperFixtures.wav("\(clip).wav")
        for beam in [1, 5] {
            var options = WhisperDecodingOptions()
            options.beamSize = beam
            options.temperatures = [0]
            let segments = try recognizer.transcribe(samples, options: options)
            let expected = fixture["beam\(beam)"] as! [[String: Any]]
            #expect(segments.map(\.tokens) == expected.map { $0["tokens"] as! [Int] }, "\(clip) beam \(beam)")
            #expect(segments.map(\.text) == expected.map { $0["text"] as! String }, "\(clip) beam \(beam)")
            #expect(segments.map(\.start) == expected.map { $0["start"] as! Double }, "\(clip) beam \(beam)")
            #expect(segments.map(\.end) == expected.map { $0["end"] as! Double }, "\(clip) beam \(beam)")
            for (segment, reference) in zip(segments, expected) {
                #expect(abs(segment.averageLogProbability - (reference["avg_logprob"] as! Double)) < 2e-3)
                #expect(abs(segment.noSpeechProbability - (reference["no_speech_prob"] as! Double)) < 2e-3)
                #expect(abs(segment.compressionRatio - (reference["compression_ratio"] as! Double)) < 1e-9)
            }
        }
    }

    @Test func silenceGivesAnEmptyTranscript() throws {
        let recognizer = try #require(Self.recognizer)
        var options = WhisperDecodingOptions()
        options.beamSize = 1
        let segments = try recognizer.transcribe([Float](repeating: 0, count: 16000 * 3), options: options)
        #expect(segments.isEmpty, "\(segments.map(\.text))")
    }

    @Test func incompleteDirectoriesNameTheMissingFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("whisper-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let error = #expect(throws: WhisperRecognizer.Error.self) { try WhisperRecognizer(directory: directory) }
        #expect(error?.description.contains("model.bin") == true)
        // A model.bin of another architecture.
        var bytes: [UInt8] = [6, 0, 0, 0]
        bytes += [10, 0] + Array("OtherSpec".utf8) + [0]
        bytes += [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        try Data(bytes).write(to: directory.appendingPathComponent("model.bin"))
        try FileManager.default.copyItem(at: WhisperFixtures.embeddedModel()!.appendingPathComponent("vocabulary.txt"),
                                         to: directory.appendingPathComponent("vocabulary.txt"))
        let wrongKind = #expect(throws: CTranslate2ModelFile.Error.self) { try WhisperRecognizer(directory: directory) }
        #expect(wrongKind?.description.contains("WhisperSpec") == true)
    }
}
