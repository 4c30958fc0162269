/// Options of one transcription, with faster-whisper's defaults (`WhisperModel.transcribe`).
public struct WhisperDecodingOptions: Sendable, Equatable {
    /// Beam width at temperature 0; 1 is greedy.
    public var beamSize = 5
    /// Number of samples drawn at a temperature above 0.
    public var bestOf = 5
    /// Beam search stops after `round(beamSize × patience)` finished hypotheses.
    public var patience: Float = 1
    /// Finished hypotheses are ranked by their log probability divided by `length ^ lengthPenalty`.
    public var lengthPenalty: Float = 1
    /// Tried in order until a result passes the thresholds below.
    public var temperatures: [Float] = [0, 0.2, 0.4, 0.6, 0.8, 1]
    /// A result whose text compresses better than this (zlib) is too repetitive.
    public var compressionRatioThreshold: Double? = 2.4
    /// A result whose average token log probability is lower than this is rejected.
    public var logProbThreshold: Double? = -1
    /// A window whose no-speech probability is above this and whose log probability is below
    /// `logProbThreshold` is silence.
    public var noSpeechThreshold: Double? = 0.6
    /// Whether the previous window's text is the prompt of the next.
    public var conditionOnPreviousText = true
    /// The prompt is reset after a window decoded at a temperature above this.
    public var promptResetOnTemperature: Float = 0.5
    /// Text (or its tokens) given as the previous text of the first window.
    public var initialPrompt: String?
    public var initialPromptTokens: [Int]?
    /// Suppresses a blank or end of text as the first token.
    public var suppressBlank = true
    /// Token ids never sampled; `-1` stands for the tokenizer's non-speech tokens.
    public var suppressTokens: [Int] = [-1]
    /// Decodes text only, with `<|notimestamps|>` in the prompt.
    public var withoutTimestamps = false
    /// The first timestamp cannot be later than this, in seconds.
    public var maxInitialTimestamp: Double = 1
    /// Language code (`de`, `fr`, …), or ``autoLanguage`` to detect it on the first 30 s window as
    /// faster-whisper does (multilingual models). English-only models take only `auto` or `en`: any other
    /// code is an error (faster-whisper silently decodes English instead; a user who asked for German
    /// should learn that the model cannot give it).
    public var language = Self.autoLanguage
    /// With `auto`: detect the language from the first window's encoder output, the one that window is then
    /// decoded from, so it is encoded once instead of twice. Off (faster-whisper 1.2): detection encodes its
    /// own copy of the first 30 s, which for a recording under 30 s still holds the feature extractor's
    /// padding frame, so its probabilities differ slightly (on the tuning hd720 clips by 0.002–0.02; the
    /// detected language and the text were the same).
    public var languageFromFirstWindow = false
    /// Transcribe in the spoken language, or translate it to English (`<|translate|>`; multilingual models only).
    public var task: Task = .transcribe
    /// Times every word from the decoder's cross-attention (faster-whisper `word_timestamps`): one more decoder
    /// pass per 30 s window; segment bounds then follow the first and last word, and the next window starts
    /// after the last word.
    public var wordTimestamps = false
    /// With word timestamps: punctuation joined to the following word.
    public var prependPunctuations = "\"'“¿([{-"
    /// With word timestamps: punctuation joined to the preceding word.
    public var appendPunctuations = "\"'.。,，!！?？:：”)]}、"
    /// With word timestamps: skip the silence before text that looks invented (faster-whisper
    /// `hallucination_silence_threshold`): a segment of improbable, very short or very long words with
    /// more than this many seconds of silence around it is dropped and decoding resumes after it. nil: off.
    public var hallucinationSilenceThreshold: Double?
    /// Seed of the sampler used at temperatures above 0.
    public var seed: UInt64 = 0

    public enum Task: String, Sendable, Equatable, Codable, CaseIterable { case transcribe, translate }

    /// The `language` that asks for detection.
    public static let autoLanguage = "auto"

    public init() {}
}
