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
    ///   - cuts: mel frames (sorted) where the caller's windows meet, in pauses: each 30 s window keeps the
    ///     segments that start before the first cut more than a second after its start, and the next window
    ///     starts there
    ///     (``Session/decode(window:segmentSize:contentFrames:emitUntil:)``). Empty: Whisper's own seek.
    /// - Returns: the segments in time order.
    public func transcribe(features: [Float], frameCount: Int, options: WhisperDecodingOptions = .init(),
                           cuts: [Int] = []) throws -> [WhisperSegment] {
        let mels = model.melCount
        precondition(features.count == mels * frameCount, "features hold \(features.count) values, not \(mels) × \(frameCount)")
        let contentFrames = frameCount - 1
        var session = try Session(transcriber: self, options: options)
        if session.needsLanguage && !options.languageFromFirstWindow {
            try session.detectLanguage(window: Self.window(features, frameCount: frameCount, from: 0,
                                                           count: min(Self.windowFrames, frameCount), melCount: mels))
        }
        var segments: [WhisperSegment] = []
        while session.seek < contentFrames {
            let segmentSize = min(Self.windowFrames, contentFrames - session.seek)
            // faster-whisper pads the cut features with zeros (pad_or_trim), not with the log-mel of silence.
            let window = Self.window(features, frameCount: frameCount, from: session.seek, count: segmentSize, melCount: mels)
            segments += try session.decode(window: window, segmentSize: segmentSize, contentFrames: contentFrames,
                                           emitUntil: Self.nextCut(after: session.seek, in: cuts))
        }
        return segments
    }

    /// The cut a window starting at `seek` emits text up to: the first more than a second (100 frames) after
    /// it, so a window that resumed just short of a cut (after a word written across the one before) is not
    /// spent on a sliver.
    static func nextCut(after seek: Int, in cuts: [Int]) -> Int? {
        cuts.first { $0 > seek + 100 }
    }

    /// One model input: `count` frames of mel-major `features` from frame `from`, zero-padded to 3000 frames.
    static func window(_ features: [Float], frameCount: Int, from seek: Int, count: Int, melCount mels: Int) -> [Float] {
        var window = [Float](repeating: 0, count: mels * Self.windowFrames)
        for mel in 0..<mels {
            let source = mel * frameCount + seek
            let target = mel * Self.windowFrames
            for frame in 0..<count { window[target + frame] = features[source + frame] }
        }
        return window
    }

    /// The spoken language, from the first 30 s window: the language tokens' probabilities after
    /// `<|startoftranscript|>` (faster-whisper `detect_language` with one segment, CTranslate2's
    /// `Whisper.detect_language`: one decoder step, softmax over the language tokens' logits only).
    /// - Parameters:
    ///   - features: as for ``transcribe(features:frameCount:options:)``; the window is the first 3000 frames,
    ///     the padding frame included, zero-padded (faster-whisper's `pad_or_trim`).
    /// - Returns: the most probable language code, its probability, and every language's, most probable first.
    public func detectLanguage(features: [Float], frameCount: Int) throws -> (language: String, probability: Float, all: [(String, Float)]) {
        try detectLanguage(encoded: try model.encode(Self.window(features, frameCount: frameCount, from: 0,
                                                                 count: min(Self.windowFrames, frameCount), melCount: model.melCount)))
    }

    /// The spoken language from one window's encoder output (with `languageFromFirstWindow`, the output
    /// the first window is then decoded from).
    func detectLanguage(encoded: Model.Encoded) throws -> (language: String, probability: Float, all: [(String, Float)]) {
        var cache = try model.makeCache(for: encoded)
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
