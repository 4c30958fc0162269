import Foundation
import Testing
@testable import TandemModels

/// A 1766-token vocabulary shaped like Whisper's English-only one: 256 byte tokens (id = byte), then
/// <|endoftext|> 256, <|startoftranscript|> 257, <|en|> 258, <|translate|> 259, <|transcribe|> 260,
/// <|startoflm|> 261, <|startofprev|> 262, <|nocaptions|> 263, <|notimestamps|> 264, timestamps 265….
private let tinyTokenizer: WhisperTokenizer = {
    var vocabulary = (0..<256).map { String(ByteLevel.scalar(for: UInt8($0))) }
    vocabulary += ["<|endoftext|>", "<|startoftranscript|>", "<|en|>", "<|translate|>", "<|transcribe|>", "<|startoflm|>",
                   "<|startofprev|>", "<|nocaptions|>", "<|notimestamps|>"]
    return try! WhisperTokenizer(vocabulary: vocabulary)
}()

private let eot = 256, sot = 257, startOfPrevious = 262, noSpeech = 263, noTimestamps = 264
private func ts(_ seconds: Double) -> Int { 265 + Int((seconds / 0.02).rounded()) }
private func byte(_ c: Character) -> Int { Int(c.asciiValue!) }

/// A decoder whose logits are a script of (window, history): `Encoded` is the window's first feature value
/// (the tests put the frame number there), a cache row is the row's token history.
private final class ScriptedModel: WhisperModelProtocol {
    typealias Encoded = Int
    struct Cache { var window: Int; var rows: [[Int]] }

    let vocabularySize = 1766
    let melCount = 1
    /// Sparse logits over a base of 0 for text and −30 for timestamps.
    let script: (_ window: Int, _ history: [Int]) -> [Int: Float]
    let textBase: Float
    /// Every row history that reached <|startoftranscript|>: the prompts the search used.
    var prompts: [[Int]] = []

    init(textBase: Float = 0, script: @escaping (_ window: Int, _ history: [Int]) -> [Int: Float]) {
        self.textBase = textBase
        self.script = script
    }

    func encode(_ features: [Float]) throws -> Int { Int(features[0]) }
    func makeCache(for encoded: Int) throws -> Cache { Cache(window: encoded, rows: [[]]) }

    func decode(_ tokens: [[Int]], cache: inout Cache) throws -> [[Float]] {
        var logits: [[Float]] = []
        for (row, appended) in tokens.enumerated() {
            cache.rows[row] += appended
            if cache.rows[row].last == sot { prompts.append(cache.rows[row]) }
            var values = [Float](repeating: textBase, count: vocabularySize)
            for id in ts(0)..<vocabularySize { values[id] = -30 }
            for (id, value) in script(cache.window, cache.rows[row]) { values[id] = value }
            logits.append(values)
        }
        return logits
    }

    func selectRows(_ rows: [Int], cache: inout Cache) { cache.rows = rows.map { cache.rows[$0] } }
}

/// Tokens sampled after the last <|startoftranscript|>.
private func sampled(_ history: [Int]) -> [Int] {
    guard let start = history.lastIndex(of: sot) else { return [] }
    return Array(history[(start + 1)...])
}

/// A script that says `sequence` confidently, then ends.
private func follow(_ sequence: [Int], after history: [Int]) -> [Int: Float] {
    let done = sampled(history)
    guard done.count < sequence.count, Array(sequence.prefix(done.count)) == done else { return [eot: 20] }
    return [sequence[done.count]: 20]
}

private func features(frames: Int) -> [Float] { (0..<frames).map(Float.init) }

@Suite struct WhisperDecodingTests {
    func filter(maxInitial: Double = 1) -> WhisperLogitFilter {
        WhisperLogitFilter(suppressed: [1, 2], suppressedAtBegin: [220, eot], timestamps: .init(
            endOfText: eot, noTimestamps: noTimestamps, timestampBegin: ts(0), timestampEnd: 1765, maxInitialTimestamp: ts(maxInitial)))
    }

    @Test func firstStepAllowsOnlyEarlyTimestamps() {
        var logits = [Float](repeating: 0, count: 1766)
        filter().apply(step: 0, logits: &logits, sampled: [])
        let allowed = logits.indices.filter { logits[$0].isFinite }
        #expect(allowed == Array(ts(0)...ts(1)))
    }

    @Test func timestampsComeInPairsAndNeverDecrease() {
        let f = filter()
        // After text following <|1.00|>: only timestamps ≥ <|1.02|> or text; mass rule not triggered (timestamps at −30).
        var logits = [Float](repeating: 0, count: 1766)
        for id in ts(0)..<1766 { logits[id] = -30 }
        let low = logits
        f.apply(step: 2, logits: &logits, sampled: [ts(1), 104])
        #expect(!logits[ts(1)].isFinite && logits[ts(1.02)].isFinite && logits[104].isFinite && !logits[1].isFinite)
        // After a lone closing timestamp: another timestamp ≥ it, or end of text; no text.
        logits = low
        f.apply(step: 3, logits: &logits, sampled: [ts(0), 104, ts(2)])
        #expect(!logits[104].isFinite && logits[eot].isFinite && logits[ts(2)].isFinite && !logits[ts(1.98)].isFinite)
        // After a pair: text only.
        logits = [Float](repeating: 0, count: 1766)
        f.apply(step: 4, logits: &logits, sampled: [ts(0), 104, ts(2), ts(2)])
        #expect(logits[104].isFinite && !logits[ts(3)].isFinite && !logits[noTimestamps].isFinite)
        // Suppressed tokens stay suppressed; blank only at the first step.
        #expect(!logits[1].isFinite && logits[220].isFinite)
    }

    @Test func timestampMassForcesATimestamp() {
        var logits = [Float](repeating: 0, count: 1766)
        // 1501 timestamps at 0 outweigh any one text token at 0: text is suppressed.
        filter().apply(step: 2, logits: &logits, sampled: [ts(0), 104])
        #expect(!logits[104].isFinite && !logits[eot].isFinite && logits[ts(5)].isFinite)
    }

    private func transcriber(_ model: ScriptedModel) -> WhisperTranscriber<ScriptedModel> {
        WhisperTranscriber(model: model, tokenizer: tinyTokenizer)
    }

    /// Greedy takes the locally best token, beam search the best sequence.
    @Test func beamSearchFindsTheBetterSequence() throws {
        let a = byte("a"), b = byte("b"), c = byte("c"), d = byte("d")
        let model = ScriptedModel(textBase: -10) { _, history in
            let done = sampled(history)
            switch done {
            case []: return [ts(0): 20]
            case [ts(0)]: return [a: 2.0, b: 1.9]
            case [ts(0), a]: return [c: -5]
            case [ts(0), b]: return [d: 10]
            case [ts(0), a, c], [ts(0), b, d]: return [ts(1): 20]
            default: return [eot: 20]
            }
        }
        var options = WhisperDecodingOptions()
        options.temperatures = [0]
        options.beamSize = 1
        let greedy = try transcriber(model).transcribe(features: features(frames: 301), frameCount: 301, options: options)
        #expect(greedy.map(\.tokens) == [[ts(0), a, c, ts(1)]])
        #expect(greedy.first?.text == "ac")
        options.beamSize = 5
        let beam = try transcriber(model).transcribe(features: features(frames: 301), frameCount: 301, options: options)
        #expect(beam.map(\.tokens) == [[ts(0), b, d, ts(1)]])
        #expect(beam[0].start == 0 && beam[0].end == 1)
        #expect(beam[0].averageLogProbability < 0 && beam[0].averageLogProbability > -1)
    }

    /// Seek moves to the last complete timestamp, or the window's end after a single closing timestamp;
    /// the previous text becomes the next window's prompt.
    @Test func longFormSeeksByTimestampsAndConditionsOnPreviousText() throws {
        let (a, b, c, d, e, f, g, h) = (byte("a"), byte("b"), byte("c"), byte("d"), byte("e"), byte("f"), byte("g"), byte("h"))
        let model = ScriptedModel { window, history in
            switch window {
            case 0: return follow([ts(0), a, b, ts(5), ts(5), c, d, ts(12), ts(12), e], after: history)
            case 1200: return follow([ts(0), e, f, ts(3)], after: history)
            default: return follow([ts(0), g, h], after: history)
            }
        }
        var options = WhisperDecodingOptions()
        options.temperatures = [0]
        options.beamSize = 1
        let segments = try transcriber(model).transcribe(features: features(frames: 4501), frameCount: 4501, options: options)
        #expect(segments.map(\.text) == ["ab", "cd", "ef", "gh"])
        #expect(segments.map(\.start) == [0, 5, 12, 42])
        #expect(segments.map(\.end) == [5, 12, 15, 45])
        #expect(segments.map(\.seek) == [0, 0, 1200, 4200])
        #expect(model.prompts[0] == [sot])
        #expect(model.prompts[1] == [startOfPrevious, ts(0), a, b, ts(5), ts(5), c, d, ts(12), sot])
        #expect(model.prompts[2].first == startOfPrevious && model.prompts[2].suffix(5) == [ts(0), e, f, ts(3), sot])
        // Without conditioning every window starts from <|startoftranscript|> alone.
        options.conditionOnPreviousText = false
        let plain = ScriptedModel(script: model.script)
        _ = try transcriber(plain).transcribe(features: features(frames: 4501), frameCount: 4501, options: options)
        #expect(plain.prompts.allSatisfy { $0 == [sot] })
    }

    /// With a cut, a window is decoded whole but only its segments that start before the cut are kept (and
    /// prompt the next), and the next window starts at the cut — not at the last timestamp it wrote, as without.
    @Test func aWindowsTextStopsAtTheCutAndTheNextStartsThere() throws {
        let (a, b, c, d, e, f) = (byte("a"), byte("b"), byte("c"), byte("d"), byte("e"), byte("f"))
        let model = ScriptedModel { window, history in
            switch window {
            // "ab" 0–4 s, then (past the cut at 10 s) "cd" 11–15 s and an unfinished "e" from 20 s.
            case 0: return follow([ts(0), a, b, ts(4), ts(11), c, d, ts(15), ts(20), e], after: history)
            case 1000: return follow([ts(1), c, d, ts(5), ts(10), e, f, ts(12)], after: history)
            case 1500: return follow([ts(0), e, f, ts(2)], after: history)
            default: return [eot: 20]
            }
        }
        var options = WhisperDecodingOptions()
        options.temperatures = [0]
        options.beamSize = 1
        let cut = try transcriber(model).transcribe(features: features(frames: 2501), frameCount: 2501, options: options, cuts: [1000])
        #expect(cut.map(\.text) == ["ab", "cd", "ef"])
        #expect(cut.map(\.start) == [0, 11, 20] && cut.map(\.end) == [4, 15, 22])
        #expect(cut.map(\.seek) == [0, 1000, 1000])
        #expect(model.prompts[1] == [startOfPrevious, ts(0), a, b, ts(4), sot])
        // Without the cut, Whisper's seek: the first window writes past 10 s and the next starts at its last timestamp.
        let plain = ScriptedModel(script: model.script)
        let sequential = try transcriber(plain).transcribe(features: features(frames: 2501), frameCount: 2501, options: options)
        #expect(sequential.map(\.text) == ["ab", "cd", "ef"])
        #expect(sequential.map(\.seek) == [0, 0, 1500] && sequential.map(\.start) == [0, 11, 15])
        // A cut is ignored within a second of a window's start, and so is one past its audio.
        let near = ScriptedModel(script: model.script)
        let ignored = try transcriber(near).transcribe(features: features(frames: 2501), frameCount: 2501, options: options, cuts: [50, 2600])
        #expect(ignored.map(\.seek) == sequential.map(\.seek))
    }

    @Test func initialPromptIsThePreviousTextOfTheFirstWindow() throws {
        let model = ScriptedModel { _, history in follow([ts(0), byte("x"), ts(1)], after: history) }
        var options = WhisperDecodingOptions()
        options.initialPrompt = "  hi "
        options.beamSize = 1
        _ = try transcriber(model).transcribe(features: features(frames: 201), frameCount: 201, options: options)
        #expect(model.prompts[0] == [startOfPrevious, byte(" "), byte("h"), byte("i"), sot])
    }

    /// Silence: a confident <|nocaptions|> and improbable text give no segment at all.
    @Test func silenceGivesNoSegments() throws {
        let model = ScriptedModel { _, history in
            sampled(history).isEmpty ? [noSpeech: 30, ts(0): 5] : [:]  // after that: nothing likely (uniform)
        }
        let segments = try transcriber(model).transcribe(features: features(frames: 1001), frameCount: 1001, options: .init())
        #expect(segments.isEmpty)
    }

    /// Repetitive output fails the compression-ratio test at every temperature; the result kept is the most
    /// probable one, reported with the last temperature.
    @Test func temperatureFallbackOnRepetition() throws {
        let ha = [byte("h"), byte("a")]
        let model = ScriptedModel { _, history in
            let done = sampled(history)
            if done.isEmpty { return [ts(0): 30] }
            if done.count > 60 { return [ts(4): 30, eot: 30] }
            return [ha[(done.count - 1) % 2]: 30]
        }
        var options = WhisperDecodingOptions()
        options.beamSize = 1
        options.bestOf = 2
        let segments = try transcriber(model).transcribe(features: features(frames: 501), frameCount: 501, options: options)
        #expect(segments.count == 1)
        #expect(segments[0].temperature == 1)
        #expect(segments[0].compressionRatio > 2.4)
    }

    /// A multilingual-shaped vocabulary: the language is detected from the first step's language-token logits
    /// and enters the prompt with the task; with `languageFromFirstWindow` the first window is encoded once
    /// for detection and decoding, without it twice (faster-whisper's own copy of the first 30 s).
    @Test func multilingualPromptsCarryTheDetectedLanguage() throws {
        var vocabulary = (0..<256).map { String(ByteLevel.scalar(for: UInt8($0))) }
        vocabulary += [String](repeating: "", count: 50257 - 256).enumerated().map { "<pad\($0.offset)>" }
        vocabulary += ["<|endoftext|>", "<|startoftranscript|>", "<|en|>", "<|de|>", "<|fr|>", "<|translate|>", "<|transcribe|>",
                       "<|startoflm|>", "<|startofprev|>", "<|nospeech|>", "<|notimestamps|>"]
        let tokenizer = try WhisperTokenizer(vocabulary: vocabulary)
        #expect(tokenizer.isMultilingual && tokenizer.languages.map(\.code) == ["en", "de", "fr"])
        let (sotM, de, translate, transcribe, tsM) = (50258, 50260, 50262, 50263, 50268)
        final class Model: WhisperModelProtocol {
            let vocabularySize = 50268 + 1501
            let melCount = 1
            var prompts: [[Int]] = []
            var encodes = 0
            func encode(_ features: [Float]) throws -> Int { encodes += 1; return 0 }
            func makeCache(for encoded: Int) throws -> [[Int]] { [[]] }
            func selectRows(_ rows: [Int], cache: inout [[Int]]) { cache = rows.map { cache[$0] } }
            func decode(_ tokens: [[Int]], cache: inout [[Int]]) throws -> [[Float]] {
                tokens.indices.map { row in
                    cache[row] += tokens[row]
                    var logits = [Float](repeating: 0, count: vocabularySize)
                    if cache[row].last == 50258 { logits[50260] = 10; logits[50268] = 20 } else { logits[50257] = 30 }
                    if cache[row].count >= 3, Array(cache[row].suffix(3)).first == 50258 { prompts.append(Array(cache[row].suffix(3))) }
                    return logits
                }
            }
        }
        let model = Model()
        let transcriber = WhisperTranscriber(model: model, tokenizer: tokenizer)
        let detected = try transcriber.detectLanguage(features: [Float](repeating: 0, count: 101), frameCount: 101)
        #expect(detected.language == "de" && detected.probability > 0.99)
        var options = WhisperDecodingOptions()
        options.beamSize = 1
        options.temperatures = [0]
        options.task = .translate
        model.encodes = 0
        _ = try transcriber.transcribe(features: [Float](repeating: 0, count: 101), frameCount: 101, options: options)
        #expect(model.prompts.last == [sotM, de, translate])
        #expect(model.encodes == 2)
        options.languageFromFirstWindow = true
        model.encodes = 0
        _ = try transcriber.transcribe(features: [Float](repeating: 0, count: 101), frameCount: 101, options: options)
        #expect(model.prompts.last == [sotM, de, translate])
        #expect(model.encodes == 1)
        options.languageFromFirstWindow = false
        options.language = "fr"
        options.task = .transcribe
        _ = try transcriber.transcribe(features: [Float](repeating: 0, count: 101), frameCount: 101, options: options)
        #expect(model.prompts.last == [sotM, de + 1, transcribe])
        _ = tsM
    }

    @Test func compressionRatioIsZlibs() {
        #expect(whisperCompressionRatio("The quick brown fox jumped over the lazy dog.") == 45.0 / 52.0)
        #expect(whisperCompressionRatio("the the the the the the the the the the the the the the the the") == 4.2)
        #expect(whisperCompressionRatio("a") == 1.0 / 9.0)
    }

    @Test func splitWithoutTimestampPairsUsesTheLastTimestamp() {
        let t = transcriber(ScriptedModel { _, _ in [:] })
        let split = t.splitByTimestamps([ts(0), 104, 105, ts(7)], timeOffset: 30, segmentSize: 3000, segmentDuration: 30, seek: 3000)
        #expect(split.segments == [.init(start: 30, end: 37, tokens: [ts(0), 104, 105, ts(7)])])
        #expect(split.seek == 6000)
        let bare = t.splitByTimestamps([104, 105], timeOffset: 0, segmentSize: 1234, segmentDuration: 12.34, seek: 0)
        #expect(bare.segments == [.init(start: 0, end: 12.34, tokens: [104, 105])] && bare.seek == 1234)
    }
}
