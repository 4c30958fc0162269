import Foundation
import Testing
@testable import TandemModels

/// Parity with the Hugging Face `tokenizers` library on the embedded tiny.en vocabulary
/// (fixture `tokenizer.json` made by Tools/fixtures/make_whisper_fixtures.py).
@Suite struct WhisperTokenizerTests {
    static let fromJSON: WhisperTokenizer? = {
        guard let model = WhisperFixtures.embeddedModel() else { return nil }
        return try? WhisperTokenizer(directory: model)
    }()

    static let fromVocabulary: WhisperTokenizer? = {
        guard let model = WhisperFixtures.embeddedModel() else { return nil }
        let text = try? String(contentsOf: model.appendingPathComponent("vocabulary.txt"), encoding: .utf8)
        return text.flatMap { try? WhisperTokenizer(vocabulary: $0.components(separatedBy: "\n").dropLast().map { $0 }) }
    }()

    @Test func preTokenizerSplitsLikeTheRegex() {
        #expect(GPT2PreTokenizer.split("Hello world").map(String.init) == ["Hello", " world"])
        #expect(GPT2PreTokenizer.split("I'm   here!!  ").map(String.init) == ["I", "'m", "  ", " here", "!!", "  "])
        #expect(GPT2PreTokenizer.split("a1 22\tb").map(String.init) == ["a", "1", " 22", "\t", "b"])
        #expect(GPT2PreTokenizer.split("").isEmpty)
    }

    @Test(arguments: [true, false]) func encodeMatchesHuggingFace(useJSON: Bool) throws {
        let tokenizer = try #require(useJSON ? Self.fromJSON : Self.fromVocabulary)
        let fixture = try WhisperFixtures.json("tokenizer.json")
        for case let entry as [String: Any] in fixture["encode"] as! [Any] {
            let text = entry["text"] as! String
            #expect(tokenizer.encode(text) == entry["ids"] as! [Int], "\(text)")
        }
    }

    @Test func decodeMatchesHuggingFace() throws {
        let tokenizer = try #require(Self.fromJSON)
        let fixture = try WhisperFixtures.json("tokenizer.json")
        for case let entry as [String: Any] in fixture["decode"] as! [Any] {
            #expect(tokenizer.decode(entry["ids"] as! [Int]) == entry["text"] as! String)
        }
        for case let entry as [String: Any] in fixture["encode"] as! [Any] {
            let text = entry["text"] as! String
            #expect(tokenizer.decode(tokenizer.encode(text)) == text)
        }
    }

    @Test func specialTokensByName() throws {
        let tokenizer = try #require(Self.fromJSON)
        let fixture = try WhisperFixtures.json("tokenizer.json")
        // `tokenizers` knows no timestamp tokens (null in the fixture); CTranslate2's vocabulary.txt places them after <|notimestamps|>.
        for (name, id) in fixture["special"] as! [String: Any] {
            #expect(tokenizer.id(of: name) == (id as? Int ?? Self.fromVocabulary?.id(of: name)), "\(name)")
        }
        #expect(tokenizer.id(of: "<|30.00|>") == 51863)
        #expect(tokenizer.endOfText == 50256 && tokenizer.startOfTranscript == 50257)
        #expect(tokenizer.noSpeech == 50361 && tokenizer.noTimestamps == 50362 && tokenizer.timestampBegin == 50363)
        #expect(tokenizer.count == 51864)
        #expect(tokenizer.decode([50363 + 150]) == "<|3.00|>")
        #expect(!tokenizer.isMultilingual && tokenizer.startSequence() == [50257])
        #expect(tokenizer.languageToken("en") == 50258)
        #expect(tokenizer.encode("<|endoftext|>hi") == [50256, 5303])
    }

    /// faster-whisper's `get_suppressed_tokens(tokenizer, [-1])`, recorded in transcripts.json.
    @Test func defaultSuppressedTokensMatchFasterWhisper() throws {
        let tokenizer = try #require(Self.fromJSON)
        let expected = try WhisperFixtures.json("transcripts.json")["suppress_tokens"] as! [Int]
        #expect(tokenizer.defaultSuppressedTokens == expected)
    }

    @Test func missingFilesAreNamed() {
        let error = #expect(throws: WhisperTokenizer.Error.self) { try WhisperTokenizer(directory: URL(fileURLWithPath: "/nonexistent")) }
        #expect(error?.description.contains("vocabulary.txt") == true)
    }
}
