import Foundation
import TandemCore

/// Long-form transcription: faster-whisper's `generate_segments` / `generate_with_fallback` over any
/// ``WhisperModelProtocol``.
///
/// The log-mel features of the whole recording are cut into 30 s windows starting at `seek`; each window is
/// decoded with the previous text as prompt, retried at higher temperatures while its output is too
/// repetitive or too improbable, skipped when it is silence, and split into segments at its timestamp pairs.
/// `seek` then moves to the last complete timestamp (or the window's end), so speech cut by a window
/// boundary is decoded again in the next one.
public struct WhisperTranscriber<Model: WhisperModelProtocol> {
    public let model: Model
    public let tokenizer: WhisperTokenizer
    /// Tokens suppressed at the first step when `suppressBlank` is on (config.json `suppress_ids_begin`).
    public var blankTokens: [Int]
    /// Cross-attention heads that time words (config.json `alignment_heads`); nil: the model's default.
    public var alignmentHeads: [WhisperAlignmentHead]?

    /// Frames per window (30 s of 10 ms frames).
    public static var windowFrames: Int { 3000 }
    /// Seconds per mel frame.
    static var secondsPerFrame: Double { 0.01 }
    /// Seconds per timestamp token step.
    static var timePrecision: Double { 0.02 }
    /// Mel frames per encoder position (conv2 has stride 2).
    static var inputStride: Int { 2 }
    static var maxLength: Int { 448 }

    public init(model: Model, tokenizer: WhisperTokenizer, blankTokens: [Int]? = nil, alignmentHeads: [WhisperAlignmentHead]? = nil) {
        self.model = model
        self.tokenizer = tokenizer
        self.blankTokens = blankTokens ?? (tokenizer.encode(" ") + [tokenizer.endOfText])
        self.alignmentHeads = alignmentHeads
    }

    /// Transcribes a whole recording.
    /// - Parameters:
    ///   - features: log-mel features, `model.melCount × frameCount`, mel-major, as faster-whisper's
    ///     `FeatureExtractor` makes them (the audio padded with 160 zeros, so `frameCount` = samples / 160 + 1).
    ///   - frameCount: number of frames in `features`.
    ///   - options: decoding options.
    /// - Returns: the segments in time order.
    public func transcribe(features: [Float], frameCount: Int, options: WhisperDecodingOptions = .init()) throws -> [WhisperSegment] {
        let mels = model.melCount
        precondition(features.count == mels * frameCount, "features hold \(features.count) values, not \(mels) × \(frameCount)")
        let contentFrames = frameCount - 1
        var generator = SplitMix64(seed: options.seed)
        let filter = makeFilter(options)
        let search = WhisperSearch(model: model, filter: filter, endOfText: tokenizer.endOfText, noSpeech: tokenizer.noSpeech,
                                   startOfTranscript: tokenizer.startOfTranscript,
                                   maxLength: Self.maxLength)

        var options = options
        let problems = WhisperLanguages(tokenizer: tokenizer).problems(with: options, model: "the model")
        guard problems.isEmpty else { throw WhisperOptionsError(problems: problems) }
        // faster-whisper: an English-only model transcribes English with probability 1, a given language
        // is taken with probability 1, and `auto` is detected on the first 30 s window.
        var languageProbability = 1.0
        if !tokenizer.isMultilingual {
            options.language = "en"
        } else if options.language == WhisperDecodingOptions.autoLanguage {
            let detected = try detectLanguage(features: features, frameCount: frameCount)
            options.language = detected.language
            languageProbability = Double(detected.probability)
        }
        var allTokens: [Int] = []
        if let tokens = options.initialPromptTokens {
            allTokens += tokens
        } else if let prompt = options.initialPrompt {
            allTokens += tokenizer.encode(" " + prompt.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        var promptResetSince = 0
        var lastSpeechTimestamp = 0.0
        var seek = 0
        var segments: [WhisperSegment] = []
        var window = [Float](repeating: 0, count: mels * Self.windowFrames)

        while seek < contentFrames {
            let timeOffset = Double(seek) * Self.secondsPerFrame
            let segmentSize = min(Self.windowFrames, contentFrames - seek)
            let segmentDuration = Double(segmentSize) * Self.secondsPerFrame
            // faster-whisper pads the cut features with zeros (pad_or_trim), not with the log-mel of silence.
            for mel in 0..<mels {
                let source = mel * frameCount + seek
                let target = mel * Self.windowFrames
                for frame in 0..<Self.windowFrames { window[target + frame] = frame < segmentSize ? features[source + frame] : 0 }
            }
            let encoded = try model.encode(window)
            let prompt = makePrompt(previous: Array(allTokens[promptResetSince...]), options: options)
            let decoded = try decodeWithFallback(search: search, encoded: encoded, prompt: prompt, options: options, generator: &generator)

            if let noSpeechThreshold = options.noSpeechThreshold {
                var skip = Double(decoded.result.noSpeechProbability) > noSpeechThreshold
                if let logProbThreshold = options.logProbThreshold, decoded.averageLogProbability > logProbThreshold { skip = false }
                if skip {
                    seek += segmentSize
                    continue
                }
            }

            let previousSeek = seek
            let split = splitByTimestamps(decoded.result.tokens, timeOffset: timeOffset, segmentSize: segmentSize,
                                          segmentDuration: segmentDuration, seek: seek)
            seek = split.seek
            var pieces = split.segments
            if options.wordTimestamps {
                pieces = try timeWords(pieces, encoded: encoded, segmentSize: segmentSize, windowSeek: previousSeek,
                                       lastSpeechTimestamp: lastSpeechTimestamp, options: options)
                let lastWordEnd = pieces.reversed().lazy.compactMap { $0.words?.last?.end }.first ?? pieces.last?.end
                // The next window starts after the last word rather than at the last timestamp.
                if !split.singleTimestampEnding, let lastWordEnd, lastWordEnd > timeOffset {
                    seek = Int((lastWordEnd * 100).rounded(.toNearestOrEven))
                }
                if let threshold = options.hallucinationSilenceThreshold {
                    let windowEnd = Double(previousSeek + Self.windowFrames) * Self.secondsPerFrame
                    let contentDuration = Double(contentFrames) * Self.secondsPerFrame
                    switch Self.skipHallucination(pieces, threshold: threshold, timeOffset: timeOffset, segmentDuration: segmentDuration,
                                                  windowEnd: windowEnd, contentDuration: contentDuration,
                                                  lastSpeechTimestamp: lastSpeechTimestamp) {
                    case .leadingSilence(let gap):
                        seek = previousSeek + Int((gap * 100).rounded(.toNearestOrEven))
                        continue
                    case .from(let index, let resume):
                        pieces.removeSubrange(index...)
                        seek = resume.map { Int(($0 * 100).rounded(.toNearestOrEven)) } ?? contentFrames
                    case nil:
                        break
                    }
                }
                let lastEnd = pieces.reversed().lazy.compactMap { $0.words?.last?.end }.first ?? pieces.last?.end
                if let lastEnd { lastSpeechTimestamp = lastEnd }
            }
            for piece in pieces {
                let text = tokenizer.decodeText(piece.tokens)
                if piece.start == piece.end || text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { continue }
                allTokens += piece.tokens
                segments.append(WhisperSegment(
                    id: segments.count + 1, seek: previousSeek, start: piece.start, end: piece.end, text: text, tokens: piece.tokens,
                    temperature: decoded.temperature, averageLogProbability: decoded.averageLogProbability,
                    compressionRatio: decoded.compressionRatio, noSpeechProbability: Double(decoded.result.noSpeechProbability),
                    words: piece.words, language: options.language, languageProbability: languageProbability))
            }
            if !options.conditionOnPreviousText || decoded.temperature > options.promptResetOnTemperature {
                promptResetSince = allTokens.count
            }
        }
        return segments
    }

    /// The spoken language, from the first 30 s window: the language tokens' probabilities after
    /// `<|startoftranscript|>` (faster-whisper `detect_language` with one segment, CTranslate2's
    /// `Whisper.detect_language`: one decoder step, softmax over the language tokens' logits only).
    /// - Parameters:
    ///   - features: as for ``transcribe(features:frameCount:options:)``; the window is the first 3000 frames,
    ///     the padding frame included, zero-padded (faster-whisper's `pad_or_trim`).
    /// - Returns: the most probable language code, its probability, and every language's, most probable first.
    public func detectLanguage(features: [Float], frameCount: Int) throws -> (language: String, probability: Float, all: [(String, Float)]) {
        let mels = model.melCount
        var window = [Float](repeating: 0, count: mels * Self.windowFrames)
        let available = min(Self.windowFrames, frameCount)
        for mel in 0..<mels {
            for frame in 0..<available { window[mel * Self.windowFrames + frame] = features[mel * frameCount + frame] }
        }
        var cache = try model.makeCache(for: try model.encode(window))
        let logits = try model.decode([[tokenizer.startOfTranscript]], cache: &cache)[0]
        let languages = tokenizer.languages.filter { $0.id < logits.count }
        guard !languages.isEmpty else { return ("en", 1, [("en", 1)]) }
        let probabilities = WhisperMath.softmax(languages.map { logits[$0.id] })
        let ranked = zip(languages.map(\.code), probabilities).sorted { $0.1 > $1.1 }
        return (ranked[0].0, ranked[0].1, ranked)
    }

    // MARK: - Pieces, internal for tests

    func makeFilter(_ options: WhisperDecodingOptions) -> WhisperLogitFilter {
        var suppressed = Set(options.suppressTokens.filter { $0 >= 0 })
        if options.suppressTokens.contains(-1) { suppressed.formUnion(tokenizer.defaultSuppressedTokens) }
        if !options.suppressTokens.isEmpty {
            suppressed.formUnion([tokenizer.transcribe, tokenizer.translate, tokenizer.startOfTranscript, tokenizer.startOfPrevious,
                                  tokenizer.startOfLM, tokenizer.noSpeech])
        }
        let rules = options.withoutTimestamps ? nil : WhisperLogitFilter.TimestampRules(
            endOfText: tokenizer.endOfText, noTimestamps: tokenizer.noTimestamps, timestampBegin: tokenizer.timestampBegin,
            timestampEnd: model.vocabularySize - 1,
            maxInitialTimestamp: tokenizer.timestampBegin + Int((options.maxInitialTimestamp / Self.timePrecision).rounded()))
        return WhisperLogitFilter(suppressed: suppressed.sorted(), suppressedAtBegin: options.suppressBlank ? blankTokens : [],
                                  timestamps: rules)
    }

    /// `<|startofprev|>` + the last 223 previous tokens, then the start sequence (faster-whisper `get_prompt`).
    func makePrompt(previous: [Int], options: WhisperDecodingOptions) -> [Int] {
        var prompt: [Int] = []
        if !previous.isEmpty {
            prompt.append(tokenizer.startOfPrevious)
            prompt += previous.suffix(Self.maxLength / 2 - 1)
        }
        prompt += tokenizer.startSequence(language: options.language,
                                          task: options.task == .translate ? tokenizer.translate : tokenizer.transcribe)
        if options.withoutTimestamps { prompt.append(tokenizer.noTimestamps) }
        return prompt
    }

    struct Decoded {
        var result: WhisperSearchResult
        var averageLogProbability: Double
        var temperature: Float
        var compressionRatio: Double
    }

    func decodeWithFallback(search: WhisperSearch<Model>, encoded: Model.Encoded, prompt: [Int], options: WhisperDecodingOptions,
                            generator: inout some RandomNumberGenerator) throws -> Decoded {
        var all: [Decoded] = []
        var belowCompressionThreshold: [Decoded] = []
        let temperatures = options.temperatures.isEmpty ? [0] : options.temperatures
        for temperature in temperatures {
            let result = try search.run(encoded: encoded, prompt: prompt, options: options, temperature: temperature, generator: &generator)
            // faster-whisper recovers the sum from the length-normalised score and averages over tokens + end of text.
            let length = Double(result.tokens.count)
            let sum = Double(result.score) * pow(length, Double(options.lengthPenalty))
            let average = sum / (length + 1)
            let text = tokenizer.decodeText(result.tokens).trimmingCharacters(in: .whitespacesAndNewlines)
            let decoded = Decoded(result: result, averageLogProbability: average, temperature: temperature,
                                  compressionRatio: whisperCompressionRatio(text))
            all.append(decoded)
            var needsFallback = false
            if let threshold = options.compressionRatioThreshold {
                if decoded.compressionRatio > threshold { needsFallback = true } else { belowCompressionThreshold.append(decoded) }
            }
            if let threshold = options.logProbThreshold, average < threshold { needsFallback = true }
            if let noSpeech = options.noSpeechThreshold, Double(result.noSpeechProbability) > noSpeech,
               let threshold = options.logProbThreshold, average < threshold {
                needsFallback = false
            }
            if !needsFallback { return decoded }
        }
        // Every temperature failed: the most probable result, preferring those that are not repetitive.
        let pool = belowCompressionThreshold.isEmpty ? all : belowCompressionThreshold
        var best = pool[0]
        for candidate in pool.dropFirst() where candidate.averageLogProbability > best.averageLogProbability { best = candidate }
        best.temperature = temperatures.last!
        return best
    }

    struct Piece: Equatable {
        var start: Double
        var end: Double
        var tokens: [Int]
        /// Set when words are timed.
        var words: [TranscriptWord]? = nil
    }

    /// Splits a window's tokens at consecutive timestamps and says where the next window starts
    /// (faster-whisper `_split_segments_by_timestamps`).
    func splitByTimestamps(_ tokens: [Int], timeOffset: Double, segmentSize: Int, segmentDuration: Double,
                           seek: Int) -> (segments: [Piece], seek: Int, singleTimestampEnding: Bool) {
        let begin = tokenizer.timestampBegin
        var seek = seek
        var pieces: [Piece] = []
        let singleTimestampEnding = tokens.count >= 2 && tokens[tokens.count - 2] < begin && tokens[tokens.count - 1] >= begin
        var consecutive: [Int] = []
        for i in tokens.indices where i > 0 && tokens[i] >= begin && tokens[i - 1] >= begin { consecutive.append(i) }
        if !consecutive.isEmpty {
            var slices = consecutive
            if singleTimestampEnding { slices.append(tokens.count) }
            var lastSlice = 0
            for current in slices {
                let sliced = Array(tokens[lastSlice..<current])
                let startPosition = Double(sliced[0] - begin)
                let endPosition = Double(sliced[sliced.count - 1] - begin)
                pieces.append(Piece(start: timeOffset + startPosition * Self.timePrecision,
                                    end: timeOffset + endPosition * Self.timePrecision, tokens: sliced))
                lastSlice = current
            }
            if singleTimestampEnding {
                seek += segmentSize
            } else {
                seek += (tokens[lastSlice - 1] - begin) * Self.inputStride
            }
        } else {
            var duration = segmentDuration
            if let last = tokens.last(where: { $0 >= begin }), last != begin {
                duration = Double(last - begin) * Self.timePrecision
            }
            pieces.append(Piece(start: timeOffset, end: timeOffset + duration, tokens: tokens))
            seek += segmentSize
        }
        return (pieces, seek, singleTimestampEnding)
    }
}
