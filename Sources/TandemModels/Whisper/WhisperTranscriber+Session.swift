import Foundation
import TandemCore

extension WhisperTranscriber {
    /// What long-form decoding carries from one 30 s window to the next: where the next window starts
    /// (`seek`), the previous text since the last prompt reset, the end of the last word, the language and
    /// the sampler's random state.
    ///
    /// ``WhisperTranscriber/transcribe(features:frameCount:options:)`` drives one over a whole recording;
    /// ``WhisperRecognizer/Stream`` drives one as audio arrives, so a long input never has to be held whole.
    /// Both hand it the same windows and get the same segments: the session alone decides what a window
    /// yields and where the next one starts (faster-whisper's `generate_segments` loop body).
    public struct Session {
        let transcriber: WhisperTranscriber
        let search: WhisperSearch<Model>
        /// The options, with the language resolved once it is known.
        public private(set) var options: WhisperDecodingOptions
        var languageProbability = 1.0
        /// The first mel frame of the next window.
        public private(set) var seek = 0
        /// faster-whisper's `all_tokens[prompt_reset_since:]`; the decoder reads its last 223 tokens, so only a
        /// bounded tail is kept over hours of windows.
        var promptTokens: [Int] = []
        var lastSpeechTimestamp = 0.0
        var generator: SplitMix64
        var segmentCount = 0

        /// Starts a recording.
        /// - Throws: ``WhisperOptionsError`` when the model cannot honour the language or task asked for.
        public init(transcriber: WhisperTranscriber, options: WhisperDecodingOptions) throws {
            let problems = WhisperLanguages(tokenizer: transcriber.tokenizer).problems(with: options, model: "the model")
            guard problems.isEmpty else { throw WhisperOptionsError(problems: problems) }
            self.transcriber = transcriber
            generator = SplitMix64(seed: options.seed)
            search = WhisperSearch(model: transcriber.model, filter: transcriber.makeFilter(options), endOfText: transcriber.tokenizer.endOfText,
                                   noSpeech: transcriber.tokenizer.noSpeech, startOfTranscript: transcriber.tokenizer.startOfTranscript,
                                   maxLength: WhisperTranscriber.maxLength)
            var options = options
            // faster-whisper: an English-only model transcribes English with probability 1, a given language
            // is taken with probability 1, and `auto` is detected on the first 30 s window (``detectLanguage(window:)``,
            // or with `languageFromFirstWindow` by the first ``decode(window:segmentSize:contentFrames:emitUntil:)``).
            if !transcriber.tokenizer.isMultilingual { options.language = "en" }
            self.options = options
            if let tokens = options.initialPromptTokens {
                promptTokens = tokens
            } else if let prompt = options.initialPrompt {
                promptTokens = transcriber.tokenizer.encode(" " + prompt.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }

        /// Whether the language is still to be detected (`auto` on a multilingual model) before the first window
        /// (with `languageFromFirstWindow`, by it).
        public var needsLanguage: Bool { options.language == WhisperDecodingOptions.autoLanguage }

        /// Detects the language on the recording's first 3000 frames (the padding frame included when the
        /// recording is shorter), mel-major, zero-padded to 3000 frames.
        public mutating func detectLanguage(window: [Float]) throws {
            try detectLanguage(encoded: try transcriber.model.encode(window))
        }

        /// Takes the language detected from `encoded` (a window's encoder output) as the one decoded in.
        private mutating func detectLanguage(encoded: Model.Encoded) throws {
            let detected = try transcriber.detectLanguage(encoded: encoded)
            options.language = detected.language
            languageProbability = Double(detected.probability)
        }

        /// The language decoded in and its probability (1 when given); nil until the first window detects it.
        public var language: (code: String, probability: Double)? {
            needsLanguage ? nil : (options.language, languageProbability)
        }

        /// Decodes the window that starts at ``seek`` and moves ``seek`` past what it decoded. With the language
        /// still to be detected (`languageFromFirstWindow`), it is detected from this window's encoder output
        /// first (the recording's first 3000 frames, without the padding frame of a shorter one).
        /// - Parameters:
        ///   - window: `melCount × 3000` mel-major features from frame `seek`, zeros after `segmentSize` frames.
        ///   - segmentSize: frames of content in the window (3000 except at the end of the recording).
        ///   - contentFrames: frames in the whole recording, or, while it is still arriving, a count that the
        ///     hallucination check (`hallucinationSilenceThreshold`) cannot tell from it: at least that
        ///     threshold past the window's end.
        ///   - emitUntil: a cut (a mel frame after ``seek``, within the window) that this window's text may not
        ///     run past: the pause where the caller's next window starts (av-fusion's window boundaries). The
        ///     window holds 30 s of real audio and is decoded exactly as without a cut — the context after the
        ///     cut that Whisper's own seek gives it, the same search and fallback — but only the segments that
        ///     start before the cut are kept, and the next window starts at the cut (or after the last word
        ///     kept, should that run past it) instead of after the last complete segment, so it never opens
        ///     inside a word. nil: Whisper's own seek (faster-whisper's `generate_segments`).
        /// - Returns: the window's final segments (none when it was silence or skipped).
        public mutating func decode(window: [Float], segmentSize: Int, contentFrames: Int, emitUntil: Int? = nil) throws -> [WhisperSegment] {
            let t = transcriber
            let timeOffset = Double(seek) * WhisperTranscriber.secondsPerFrame
            let segmentDuration = Double(segmentSize) * WhisperTranscriber.secondsPerFrame
            // A cut applies only inside this window's audio.
            let cut = emitUntil.flatMap { $0 > seek && $0 < seek + segmentSize ? $0 : nil }
            let encoded = try t.model.encode(window)
            if needsLanguage {
                precondition(options.languageFromFirstWindow, "detect the language before the first window")
                try detectLanguage(encoded: encoded)
            }
            let prompt = t.makePrompt(previous: promptTokens, options: options)
            let decoded = try t.decodeWithFallback(search: search, encoded: encoded, prompt: prompt, options: options, generator: &generator)

            if let noSpeechThreshold = options.noSpeechThreshold {
                var skip = Double(decoded.result.noSpeechProbability) > noSpeechThreshold
                if let logProbThreshold = options.logProbThreshold, decoded.averageLogProbability > logProbThreshold { skip = false }
                if skip {
                    seek = cut ?? seek + segmentSize
                    return []
                }
            }

            let previousSeek = seek
            var skippedHallucination = false
            let split = t.splitByTimestamps(decoded.result.tokens, timeOffset: timeOffset, segmentSize: segmentSize,
                                            segmentDuration: segmentDuration, seek: seek)
            seek = split.seek
            var pieces = split.segments
            // With a cut: the segments that start (by their timestamps) before it; words are timed on all of them.
            let keep = cut.map { cut in pieces.prefix { $0.start < Double(cut) * WhisperTranscriber.secondsPerFrame }.count } ?? pieces.count
            if options.wordTimestamps {
                pieces = try t.timeWords(pieces, encoded: encoded, segmentSize: segmentSize, windowSeek: previousSeek,
                                         lastSpeechTimestamp: lastSpeechTimestamp, options: options)
                pieces = Array(pieces.prefix(keep))
                let lastWordEnd = pieces.reversed().lazy.compactMap { $0.words?.last?.end }.first ?? pieces.last?.end
                // The next window starts after the last word rather than at the last timestamp.
                if !split.singleTimestampEnding, let lastWordEnd, lastWordEnd > timeOffset {
                    seek = Int((lastWordEnd * 100).rounded(.toNearestOrEven))
                }
                if let threshold = options.hallucinationSilenceThreshold {
                    let windowEnd = Double(previousSeek + WhisperTranscriber.windowFrames) * WhisperTranscriber.secondsPerFrame
                    let contentDuration = Double(contentFrames) * WhisperTranscriber.secondsPerFrame
                    switch WhisperTranscriber.skipHallucination(pieces, threshold: threshold, timeOffset: timeOffset,
                                                                segmentDuration: segmentDuration, windowEnd: windowEnd,
                                                                contentDuration: contentDuration, lastSpeechTimestamp: lastSpeechTimestamp) {
                    case .leadingSilence(let gap):
                        seek = previousSeek + Int((gap * 100).rounded(.toNearestOrEven))
                        return []
                    case .from(let index, let resume):
                        pieces.removeSubrange(index...)
                        seek = resume.map { Int(($0 * 100).rounded(.toNearestOrEven)) } ?? contentFrames
                        skippedHallucination = true
                    case nil:
                        break
                    }
                }
                let lastEnd = pieces.reversed().lazy.compactMap { $0.words?.last?.end }.first ?? pieces.last?.end
                if let lastEnd { lastSpeechTimestamp = lastEnd }
            } else {
                pieces = Array(pieces.prefix(keep))
            }
            if let cut, skippedHallucination {
                // Decoding resumes where the hallucination check says, but not past the cut.
                seek = min(seek, cut)
            } else if let cut {
                seek = Self.seekAfterCut(cut, sequential: seek, tokens: decoded.result.tokens, pieces: pieces,
                                         dropped: keep < split.segments.count, timestampBegin: t.tokenizer.timestampBegin,
                                         windowSeek: previousSeek, singleTimestampEnding: split.singleTimestampEnding)
            }
            var segments: [WhisperSegment] = []
            for piece in pieces {
                let text = t.tokenizer.decodeText(piece.tokens)
                if piece.start == piece.end || text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { continue }
                promptTokens += piece.tokens
                segmentCount += 1
                segments.append(WhisperSegment(
                    id: segmentCount, seek: previousSeek, start: piece.start, end: piece.end, text: text, tokens: piece.tokens,
                    temperature: decoded.temperature, averageLogProbability: decoded.averageLogProbability,
                    compressionRatio: decoded.compressionRatio, noSpeechProbability: Double(decoded.result.noSpeechProbability),
                    words: piece.words, language: options.language, languageProbability: languageProbability))
            }
            if !options.conditionOnPreviousText || decoded.temperature > options.promptResetOnTemperature {
                promptTokens = []
            }
            // makePrompt reads at most the last maxLength / 2 − 1 tokens: a longer tail changes nothing.
            if promptTokens.count > 4 * WhisperTranscriber.maxLength { promptTokens = Array(promptTokens.suffix(WhisperTranscriber.maxLength)) }
            return segments
        }

        /// Where the window after one cut at `cut` starts. At the cut when the window's text reached it
        /// (segments past it were dropped, or a timestamp at or past it was written) or Whisper closed the
        /// window's speech (a lone final timestamp, or no timestamp at all), moved on past the last word kept
        /// when that runs beyond the cut (a sentence across the pause: the next window must not write it
        /// again); else, when decoding stopped short of the cut on a segment left open (Whisper's seek would
        /// resume there), the sequential seek, never past the cut.
        static func seekAfterCut(_ cut: Int, sequential: Int, tokens: [Int], pieces: [Piece], dropped: Bool, timestampBegin: Int,
                                 windowSeek: Int, singleTimestampEnding: Bool) -> Int {
            let cutStep = timestampBegin + (cut - windowSeek + WhisperTranscriber.inputStride - 1) / WhisperTranscriber.inputStride
            let reached = dropped || tokens.contains { $0 >= cutStep }
            let anyTimestamp = tokens.contains { $0 >= timestampBegin }
            guard reached || singleTimestampEnding || !anyTimestamp else { return min(sequential, cut) }
            let lastWritten = pieces.reversed().lazy.compactMap { $0.words?.last?.end }.first ?? pieces.last?.end
            guard let lastWritten else { return cut }
            return max(cut, Int((lastWritten / WhisperTranscriber.secondsPerFrame).rounded(.toNearestOrEven)))
        }
    }
}
