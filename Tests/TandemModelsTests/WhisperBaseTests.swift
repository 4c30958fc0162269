import Foundation
import Testing
@testable import TandemModels

/// The embedded multilingual Whisper base against faster-whisper (CTranslate2, float32) on espeak-ng clips
/// in four languages, recorded by Tools/fixtures/make_whisper_base_fixtures.py.
@Suite(.serialized) struct WhisperBaseTests {
    static let recognizer: WhisperRecognizer? = {
        guard let directory = WhisperFixtures.embeddedModel("whisper-base") else { return nil }
        return try? WhisperRecognizer(directory: directory)
    }()

    /// base.json's `clips`, by clip name.
    static var clips: [String: [String: Any]] {
        let url = WhisperFixtures.directory.deletingLastPathComponent().appendingPathComponent("whisper-base/base.json")
        guard let data = try? Data(contentsOf: url), let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return root["clips"] as? [String: [String: Any]] ?? [:]
    }

    static func samples(_ clip: String) throws -> [Float] { try WhisperFixtures.wav("../whisper-base/\(clip).wav") }

    /// Every language's probability (99 of them) within 1e-3 of faster-whisper's `detect_language`, and the same
    /// most probable language — including the French clip, whose espeak-ng voice Whisper hears as Polish by a
    /// small margin (0.18 against 0.17).
    @Test(arguments: ["en", "de", "es", "fr"]) func languageProbabilitiesMatchFasterWhisper(clip: String) throws {
        let recognizer = try #require(Self.recognizer)
        let fixture = try #require(Self.clips[clip]?["language"] as? [String: Any])
        let detected = try recognizer.detectLanguage(try Self.samples(clip))
        let expected = Dictionary(uniqueKeysWithValues: (fixture["all"] as! [[Any]]).map { ($0[0] as! String, $0[1] as! Double) })
        #expect(detected.all.count == expected.count && expected.count == 99)
        #expect(detected.language == fixture["language"] as? String)
        var worst = 0.0
        for (code, probability) in detected.all { worst = max(worst, abs(Double(probability) - (expected[code] ?? .infinity))) }
        #expect(worst <= 1e-3, "\(clip): largest difference \(worst)")
    }

    /// With `language: auto`, tokens and segment times equal faster-whisper's at beam 1 and beam 5, and the
    /// detected language and its probability are carried on every segment.
    @Test(arguments: ["en", "de", "es"]) func transcriptMatchesFasterWhisper(clip: String) throws {
        let recognizer = try #require(Self.recognizer)
        let fixture = try #require(Self.clips[clip])
        let samples = try Self.samples(clip)
        for beam in [1, 5] {
            var options = WhisperDecodingOptions()
            options.beamSize = beam
            options.temperatures = [0]
            try expectMatch(try recognizer.transcribe(samples, options: options), fixture["beam\(beam)"] as! [String: Any], "\(clip) beam \(beam)")
        }
    }

    /// `task: translate` decodes the German clip into English as faster-whisper does (`<|translate|>`).
    @Test func translationMatchesFasterWhisper() throws {
        let recognizer = try #require(Self.recognizer)
        let fixture = try #require(Self.clips["de"]?["translate_beam5"] as? [String: Any])
        var options = WhisperDecodingOptions()
        options.task = .translate
        options.temperatures = [0]
        let segments = try recognizer.transcribe(try Self.samples("de"), options: options)
        try expectMatch(segments, fixture, "de translate")
        #expect(segments.first?.text.contains("Good morning") == true)
    }

    /// A given language is decoded with probability 1, as faster-whisper reports it; a code the model does
    /// not know is refused before decoding.
    @Test func givenLanguagesAreUsedAndUnknownOnesRefused() throws {
        let recognizer = try #require(Self.recognizer)
        var options = WhisperDecodingOptions()
        options.beamSize = 1
        options.temperatures = [0]
        options.language = "de"
        let segments = try recognizer.transcribe(try Self.samples("de"), options: options)
        #expect(!segments.isEmpty && segments.allSatisfy { $0.language == "de" && $0.languageProbability == 1 })
        options.language = "xx"
        let error = #expect(throws: WhisperOptionsError.self) { try recognizer.transcribe([Float](repeating: 0, count: 1600), options: options) }
        #expect(error?.description.contains("'xx'") == true && error?.description.contains("whisper-base") == true)
    }

    /// The vocabularies say what each embedded model can do, read without building the tokenizer; tiny.en
    /// refuses German and translation with a message naming the model.
    @Test func englishOnlyModelsRefuseOtherLanguagesAndTranslation() throws {
        let base = try #require(WhisperFixtures.embeddedModel("whisper-base"))
        let tiny = try #require(WhisperFixtures.embeddedModel("whisper-tiny.en"))
        let multilingual = try WhisperLanguages(directory: base)
        #expect(multilingual.isMultilingual && multilingual.codes.count == 99 && multilingual.codes.prefix(3) == ["en", "zh", "de"])
        #expect(multilingual == WhisperLanguages(tokenizer: try WhisperTokenizer(directory: base)))
        let english = try WhisperLanguages(directory: tiny)
        #expect(!english.isMultilingual)
        var options = WhisperDecodingOptions()
        #expect(english.problems(with: options, model: "tiny").isEmpty)
        options.language = "en"
        #expect(english.problems(with: options, model: "tiny").isEmpty)
        options.language = "de"
        options.task = .translate
        let problems = english.problems(with: options, model: tiny.path)
        #expect(problems.count == 2 && problems.allSatisfy { $0.contains("English-only") && $0.contains(tiny.path) })
        #expect(multilingual.problems(with: options, model: base.path).isEmpty)
        let recognizer = try WhisperRecognizer(directory: tiny)
        #expect(throws: WhisperOptionsError.self) { try recognizer.transcribe([Float](repeating: 0, count: 1600), options: options) }
    }

    private func expectMatch(_ segments: [WhisperSegment], _ fixture: [String: Any], _ label: String) throws {
        let expected = fixture["segments"] as! [[String: Any]]
        #expect(segments.map(\.tokens) == expected.map { $0["tokens"] as! [Int] }, "\(label)")
        #expect(segments.map(\.text) == expected.map { $0["text"] as! String }, "\(label)")
        #expect(segments.map(\.start) == expected.map { $0["start"] as! Double }, "\(label)")
        #expect(segments.map(\.end) == expected.map { $0["end"] as! Double }, "\(label)")
        for (segment, reference) in zip(segments, expected) {
            #expect(abs(segment.averageLogProbability - (reference["avg_logprob"] as! Double)) < 2e-3, "\(label)")
            #expect(abs(segment.noSpeechProbability - (reference["no_speech_prob"] as! Double)) < 2e-3, "\(label)")
        }
        #expect(segments.allSatisfy { $0.language == fixture["language"] as? String }, "\(label)")
        let probability = fixture["language_probability"] as! Double
        #expect(segments.allSatisfy { abs(($0.languageProbability ?? -1) - probability) <= 1e-3 }, "\(label)")
    }
}
