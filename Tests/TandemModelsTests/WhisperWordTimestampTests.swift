import Foundation
import Testing
import TandemCore
@testable import TandemModels

/// Word timestamps against faster-whisper 1.2.1 / CTranslate2 4.8.5 (float32) on the espeak-ng clips, recorded by
/// Tools/fixtures/make_whisper_word_fixtures.py, and the alignment's pieces on small hand-made inputs.
@Suite(.serialized) struct WhisperWordTimestampTests {
    static let recognizer: WhisperRecognizer? = {
        guard let directory = WhisperFixtures.embeddedModel() else { return nil }
        return try? WhisperRecognizer(directory: directory)
    }()

    static func aligner() throws -> WhisperWordAligner {
        WhisperWordAligner(tokenizer: try #require(recognizer).tokenizer)
    }

    // MARK: - Numerics

    /// openai-whisper's `dtw_cpu` path on an integer matrix full of ties: the tie-breaking is the same.
    @Test func dtwFollowsTheReferenceOnTies() throws {
        let fixture = try WhisperFixtures.json("align_clip1.json")["dtw"] as! [String: Any]
        let input = fixture["input"] as! [[Double]]
        let (rows, columns) = (input.count, input[0].count)
        // dtw_cpu minimises x; negative DTW minimises −matrix.
        let path = WhisperWordAligner.negativeDTW(input.flatMap { $0.map { -Float($0) } }, rows: rows, columns: columns)
        #expect(path.map(\.row) == fixture["text_indices"] as! [Int])
        #expect(path.map(\.column) == fixture["time_indices"] as! [Int])
    }

    /// openai-whisper's `median_filter` (width 7, reflect padding) on a 2 × 3 × 10 tensor.
    @Test func medianFilterReflectsAtTheEnds() throws {
        let fixture = try WhisperFixtures.json("align_clip1.json")["median_filter"] as! [String: Any]
        let input = (fixture["input"] as! [[[Double]]]).flatMap { $0.flatMap { $0.map { Float($0) } } }
        let expected = (fixture["output"] as! [[[Double]]]).flatMap { $0.flatMap { $0.map { Float($0) } } }
        #expect(WhisperWordAligner.medianFilterRows(input, rows: 6, columns: 10, width: 7) == expected)
        // Rows of up to width / 2 values pass through.
        #expect(WhisperWordAligner.medianFilterRows([3, 1, 2], rows: 1, columns: 3, width: 7) == [3, 1, 2])
    }

    @Test func columnsAreStandardisedOverTokens() {
        var values: [Float] = [1, 10, 3, 10, 5, 40]  // 3 tokens × 2 frames
        WhisperWordAligner.standardizeColumns(&values, rows: 3, columns: 2)
        let first = [values[0], values[2], values[4]], second = [values[1], values[3], values[5]]
        for column in [first, second] {
            #expect(abs(column.reduce(0, +)) < 1e-5)
            #expect(abs(column.map { $0 * $0 }.reduce(0, +) / 3 - 1) < 1e-5)
        }
        #expect(abs(values[0] + 1.2247449) < 1e-5)
    }

    // MARK: - Words and punctuation

    @Test func pythonSubstringSemantics() {
        #expect(WhisperWordAligner.pythonContains(".!?", ""))
        #expect(WhisperWordAligner.pythonContains(WhisperWordAligner.asciiPunctuation, "()"))
        #expect(!WhisperWordAligner.pythonContains(WhisperWordAligner.asciiPunctuation, ")("))
        #expect(WhisperWordAligner.pythonContains("\"'.。,，", "。"))
        #expect(!WhisperWordAligner.pythonContains(".", ".."))
    }

    @Test func tokensSplitAtSpacesAndPunctuation() throws {
        let aligner = try Self.aligner()
        let tokenizer = aligner.tokenizer
        let tokens = tokenizer.encode(" Hello, round-fark isn't it?") + [tokenizer.endOfText]
        let words = aligner.splitToWordTokens(tokens)
        #expect(words.map(\.word) == [" Hello", ",", " round", "-", "fark", " isn", "'t", " it", "?", ""]
                || words.map(\.word) == [" Hello", ",", " round", "-fark", " isn't", " it", "?", ""],
                "\(words.map(\.word))")
        #expect(words.flatMap(\.tokens) == tokens)
        #expect(words.map(\.word).joined() == " Hello, round-fark isn't it?")
    }

    /// A character cut between two byte-level tokens stays in one piece.
    @Test func multiByteCharactersAreNotCut() throws {
        let aligner = try Self.aligner()
        let tokens = aligner.tokenizer.encode(" 日本")
        #expect(tokens.count > 1)
        let pieces = aligner.splitOnCharacters(tokens)
        #expect(pieces.map(\.word).joined() == " 日本")
        #expect(!pieces.contains { $0.word.unicodeScalars.contains("\u{FFFD}") })
    }

    @Test func punctuationMergesIntoWords() {
        func timing(_ word: String, _ token: Int) -> WhisperWordAligner.Timing {
            .init(word: word, tokens: [token], start: Double(token), end: Double(token) + 1, probability: 0.5)
        }
        var alignment = [timing(" \"", 1), timing("Hi", 2), timing(",", 3), timing(" (", 4), timing(" you", 5), timing(").", 6)]
        WhisperWordAligner.mergePunctuations(&alignment, prepended: "\"'“¿([{-", appended: "\"'.。,，!！?？:：”)]}、")
        #expect(alignment.map(\.word) == ["", " \"Hi,", "", "", " ( you", ")."])
        #expect(alignment.map(\.tokens) == [[], [1, 2, 3], [], [], [4, 5], [6]])
        // ")." is not one of the appended marks (nor a substring of them) so it stays a word above; ")" alone merges.
        var other = [timing(" you", 1), timing(")", 2)]
        WhisperWordAligner.mergePunctuations(&other, prepended: "\"'“¿([{-", appended: "\"'.。,，!！?？:：”)]}、")
        #expect(other.map(\.word) == [" you)", ""])
        // Times stay the kept word's.
        #expect(alignment[1].start == 2 && alignment[1].end == 3)
    }

    // MARK: - Timing repairs

    @Test func sentenceEndsAndLongFirstWordsAreCut() throws {
        let aligner = try Self.aligner()
        let tokenizer = aligner.tokenizer
        func timing(_ word: String, _ start: Double, _ end: Double) -> WhisperWordAligner.Timing {
            .init(word: word, tokens: tokenizer.encode(word), start: start, end: end, probability: 0.9)
        }
        // Durations 0.3, 0.3, 0.3, 2.0 (the full stop), 2.5 (after the stop): median 0.3, max 0.6.
        let alignment = [timing(" One", 0, 0.3), timing(" two", 0.3, 0.6), timing(" three", 0.6, 0.9), timing(".", 0.9, 2.9),
                         timing(" Four", 2.9, 5.4)]
        let tokens = alignment.flatMap(\.tokens)
        var spans = [WhisperWordAligner.Span(start: 10, end: 15.4, tokens: tokens)]
        aligner.assignWords(to: &spans, alignment: alignment, windowStart: 10, lastSpeechTimestamp: 10)
        let words = spans[0].words
        #expect(words.map(\.word) == [" One", " two", " three.", " Four"])
        // " Four" follows a sentence end and is longer than 0.6 s: it starts 0.6 s before its end.
        #expect(abs(words[3].start - 14.8) < 1e-9 && words[3].end == 15.4)
        // The span follows its first and last word.
        #expect(spans[0].start == 10 && spans[0].end == 15.4)
        #expect(WhisperWordAligner.end(of: spans) == 15.4)

        // After a pause (last speech at 0), a first word longer than twice the median is cut to end − 0.6.
        let late = [timing(" Late", 3, 5), timing(" word", 5, 5.3), timing(" here", 5.3, 5.6)]
        var lateSpans = [WhisperWordAligner.Span(start: 3, end: 5.6, tokens: late.flatMap(\.tokens))]
        aligner.assignWords(to: &lateSpans, alignment: late, windowStart: 0, lastSpeechTimestamp: 0)
        #expect(abs(lateSpans[0].words[0].start - 4.4) < 1e-9)
        #expect(abs(lateSpans[0].start - 4.4) < 1e-9)
    }

    @Test func fallbackHeadsAreTheLastHalf() {
        let heads = WhisperAlignmentHead.lastHalf(layers: 4, heads: 6)
        #expect(heads.count == 12 && heads.first == WhisperAlignmentHead(layer: 2, head: 0) && heads.last == WhisperAlignmentHead(layer: 3, head: 5))
        #expect(WhisperAlignmentHead.parse([[1, 0], [2, 5]]) == [WhisperAlignmentHead(layer: 1, head: 0), WhisperAlignmentHead(layer: 2, head: 5)])
        #expect(WhisperAlignmentHead.parse([[1]]) == nil)
    }

    /// A model that cannot show its cross-attention says so instead of returning words without times.
    @Test func modelsWithoutCrossAttentionThrow() throws {
        struct Opaque: WhisperModelProtocol {
            var vocabularySize: Int { 51864 }
            var melCount: Int { 80 }
            func encode(_ features: [Float]) throws -> Int { 0 }
            func makeCache(for encoded: Int) throws -> Int { 0 }
            func decode(_ tokens: [[Int]], cache: inout Int) throws -> [[Float]] { tokens.map { _ in [] } }
            func selectRows(_ rows: [Int], cache: inout Int) {}
        }
        let tokenizer = try Self.aligner().tokenizer
        let transcriber = WhisperTranscriber(model: Opaque(), tokenizer: tokenizer)
        let piece = WhisperTranscriber<Opaque>.Piece(start: 0, end: 1, tokens: tokenizer.encode(" Hello"))
        let error = try #require(throws: WhisperAlignmentError.self) {
            _ = try transcriber.timeWords([piece], encoded: 0, segmentSize: 100, windowSeek: 0, lastSpeechTimestamp: 0, options: .init())
        }
        #expect(error.code == .unsupportedModel)
        // Nothing to align: no model call, no words, bounds kept.
        let silent = WhisperTranscriber<Opaque>.Piece(start: 0, end: 1, tokens: [tokenizer.timestampBegin])
        let kept = try transcriber.timeWords([silent], encoded: 0, segmentSize: 100, windowSeek: 0, lastSpeechTimestamp: 0, options: .init())
        #expect(kept.first?.words == [] && kept.first?.start == 0 && kept.first?.end == 1)
    }

    @Test func headsOutsideTheDecoderAreRefused() throws {
        let recognizer = try #require(Self.recognizer)
        let encoded = try recognizer.model.encode([Float](repeating: 0, count: 80 * 3000))
        let error = try #require(throws: WhisperAlignmentError.self) {
            _ = try recognizer.model.alignmentScores([50257, 50362, 383, 50256], encoded: encoded, frames: 10,
                                                     heads: [WhisperAlignmentHead(layer: 4, head: 0)], textVocabulary: 50256)
        }
        #expect(error.code == .invalidHead)
    }

    // MARK: - Against CTranslate2 and faster-whisper

    /// The embedded model's config.json lists its heads, and the decoder pass gives CTranslate2's DTW path and
    /// text-token probabilities for clip1's first window.
    @Test func alignmentMatchesCTranslate2() throws {
        let recognizer = try #require(Self.recognizer)
        #expect(recognizer.alignmentHeads.count == 8 && recognizer.alignmentHeads[0] == WhisperAlignmentHead(layer: 1, head: 0))
        let fixture = try WhisperFixtures.json("align_clip1.json")
        let startSequence = fixture["start_sequence"] as! [Int]
        let text = fixture["text_tokens"] as! [Int]
        let frames = fixture["num_frames"] as! Int
        let features = recognizer.features(try WhisperFixtures.wav("clip1.wav"))
        var window = [Float](repeating: 0, count: 80 * 3000)
        for mel in 0..<80 { for t in 0..<frames { window[mel * 3000 + t] = features.values[mel * features.frames + t] } }
        let encoded = try recognizer.model.encode(window)
        let aligner = WhisperWordAligner(tokenizer: recognizer.tokenizer)
        let scores = try recognizer.model.alignmentScores(aligner.alignmentSequence(startSequence: startSequence, textTokens: text),
                                                          encoded: encoded, frames: frames / 2, heads: recognizer.alignmentHeads,
                                                          textVocabulary: recognizer.tokenizer.endOfText)
        #expect(scores.tokenCount == text.count + 3 && scores.frameCount == frames / 2 && scores.attention.count == 8)
        let path = aligner.alignmentPath(scores: scores, startSequenceLength: startSequence.count, textCount: text.count)
        let expected = (fixture["alignments"] as! [[Int]]).map { ($0[0], $0[1]) }
        #expect(path.map(\.row) == expected.map(\.0))
        #expect(path.map(\.column) == expected.map(\.1))
        let probabilities = fixture["text_token_probs"] as! [Double]
        for (t, reference) in probabilities.enumerated() {
            #expect(abs(Double(scores.nextTokenProbabilities[startSequence.count + t]) - reference) < 1e-3, "token \(t)")
        }
    }

    /// Words of faster-whisper's `transcribe(word_timestamps=True)`: same words, times within 0.02 s (one
    /// attention frame), probabilities within 1e-3; segment bounds moved to the words the same way.
    @Test(arguments: ["clip1", "clip2", "clip3"]) func wordsMatchFasterWhisper(clip: String) throws {
        let recognizer = try #require(Self.recognizer)
        let fixture = try WhisperFixtures.json("words.json")[clip] as! [String: Any]
        let samples = try WhisperFixtures.wav("\(clip).wav")
        var worstTime = 0.0, worstProbability = 0.0
        for beam in [1, 5] {
            var options = WhisperDecodingOptions()
            options.beamSize = beam
            options.temperatures = [0]
            options.wordTimestamps = true
            let segments = try recognizer.transcribe(samples, options: options)
            let expected = fixture["beam\(beam)"] as! [[String: Any]]
            #expect(segments.map(\.tokens) == expected.map { $0["tokens"] as! [Int] }, "\(clip) beam \(beam)")
            for (segment, reference) in zip(segments, expected) {
                worstTime = max(worstTime, abs(segment.start - (reference["start"] as! Double)), abs(segment.end - (reference["end"] as! Double)))
                let words = try #require(segment.words)
                let referenceWords = reference["words"] as! [[String: Any]]
                #expect(words.map(\.word) == referenceWords.map { $0["word"] as! String }, "\(clip) beam \(beam)")
                for (word, expectedWord) in zip(words, referenceWords) {
                    worstTime = max(worstTime, abs(word.start - (expectedWord["start"] as! Double)),
                                    abs(word.end - (expectedWord["end"] as! Double)))
                    worstProbability = max(worstProbability, abs(word.probability - (expectedWord["probability"] as! Double)))
                }
            }
        }
        print("words \(clip): largest time difference \(worstTime) s, largest probability difference \(worstProbability)")
        #expect(worstTime <= 0.02 + 1e-9)
        #expect(worstProbability <= 1e-3)
    }

    /// faster-whisper's `hallucination_silence_threshold`: in 25 s of silence after clip3, tiny.en
    /// invents a looping sentence; with a 2 s threshold the invented text is skipped and decoding resumes
    /// later (where it invents another). Both runs match faster-whisper's segments.
    @Test func hallucinationSilenceThresholdSkipsAsFasterWhisperDoes() throws {
        let recognizer = try #require(Self.recognizer, "run `make models` first")
        let fixture = try WhisperFixtures.json("hallucination.json")
        let clip = try WhisperFixtures.wav("clip3.wav")
        let samples = [Float](repeating: 0, count: 5 * 16_000) + clip + [Float](repeating: 0, count: 25 * 16_000)
        var results: [[WhisperSegment]] = []
        for (key, threshold) in [("off", nil), ("threshold2", 2.0)] as [(String, Double?)] {
            var options = WhisperDecodingOptions()
            options.temperatures = [0]
            options.wordTimestamps = true
            options.hallucinationSilenceThreshold = threshold
            let segments = try recognizer.transcribe(samples, options: options)
            let expected = fixture[key] as! [[String: Any]]
            #expect(segments.map(\.text) == expected.map { $0["text"] as! String }, "\(key)")
            for (segment, reference) in zip(segments, expected) {
                #expect(abs(segment.start - (reference["start"] as! Double)) <= 0.02 + 1e-9, "\(key)")
                #expect(abs(segment.end - (reference["end"] as! Double)) <= 0.02 + 1e-9, "\(key)")
            }
            results.append(segments)
        }
        #expect(results[0].map(\.text) != results[1].map(\.text), "the threshold changes what is kept")
    }

    /// write-transcript's JSON carries the words; the other formats do not change.
    @Test func jsonListsWords() throws {
        let words = [TranscriptWord(word: " Hi", start: 0.5, end: 0.8, probability: 0.75)]
        let segment = TranscriptSegment(start: 0.5, end: 0.8, text: " Hi", words: words)
        let json = TranscriptFormat.json([segment])
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        let entry = (object["segments"] as! [[String: Any]])[0]
        let listed = entry["words"] as! [[String: Any]]
        #expect(listed.count == 1 && listed[0]["word"] as? String == " Hi" && listed[0]["start"] as? Double == 0.5
                && listed[0]["end"] as? Double == 0.8 && listed[0]["probability"] as? Double == 0.75)
        let plain = TranscriptSegment(start: 0.5, end: 0.8, text: " Hi")
        #expect(TranscriptFormat.subRip([segment]) == TranscriptFormat.subRip([plain]))
        #expect(!TranscriptFormat.json([plain]).contains("\"words\""))
    }
}
