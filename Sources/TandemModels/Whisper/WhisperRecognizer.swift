import Foundation
import TandemDSP
import TandemNN

/// Speech recognition with a Whisper model directory: front end, model, tokenizer and decoding together.
///
/// Reads the directories faster-whisper uses (CTranslate2 format: `model.bin`, `config.json` with
/// `suppress_ids_begin`, …) and Hugging Face `openai/whisper-*` directories (`config.json` +
/// `model.safetensors`), each with `tokenizer.json` or `vocabulary.json` / `vocabulary.txt`.
/// Audio must be 16 kHz mono; resampling belongs to the media layer.
public final class WhisperRecognizer: Sendable {
    /// What is wrong with a model directory.
    public struct Error: Swift.Error, CustomStringConvertible {
        public var directory: String
        public var detail: String
        public var description: String { "\(directory): \(detail)" }
    }

    /// The configuration CTranslate2's converter writes (`config.json`), with its own key names.
    public struct Configuration: Codable, Sendable, Equatable {
        public var suppressIDs: [Int]?
        public var suppressIDsBegin: [Int]?
        public var langIDs: [Int]?
        public var alignmentHeads: [[Int]]?

        enum CodingKeys: String, CodingKey {
            case suppressIDs = "suppress_ids", suppressIDsBegin = "suppress_ids_begin", langIDs = "lang_ids", alignmentHeads = "alignment_heads"
        }
    }

    public let model: WhisperModel
    public let tokenizer: WhisperTokenizer
    public let configuration: Configuration
    public let frontEnd: WhisperLogMel
    /// Cross-attention heads that time words: `alignment_heads` of config.json (CTranslate2) or
    /// generation_config.json (Hugging Face), else every head of the last half of the decoder layers.
    public let alignmentHeads: [WhisperAlignmentHead]
    /// The model directory it was loaded from (named in errors).
    public let directory: URL

    /// Loads a model directory.
    /// - Throws: ``Error`` naming a missing file, or the reader's error naming the broken variable.
    public init(directory: URL) throws {
        let manager = FileManager.default
        self.directory = directory
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Error(directory: directory.path, detail: "no such model directory (`make models` installs the embedded "
                        + "Models/whisper-base and Models/whisper-tiny.en)")
        }
        let modelFile = directory.appendingPathComponent("model.bin")
        let isCTranslate2 = manager.fileExists(atPath: modelFile.path)
        let isHuggingFace = ["model.safetensors", "model.safetensors.index.json"].contains {
            manager.fileExists(atPath: directory.appendingPathComponent($0).path)
        }
        guard isCTranslate2 || isHuggingFace else {
            throw Error(directory: directory.path, detail: "model.bin is missing (a CTranslate2 / faster-whisper directory), "
                        + "and so is model.safetensors (a Hugging Face openai/whisper-* directory)")
        }
        let configFile = directory.appendingPathComponent("config.json")
        if isCTranslate2, manager.fileExists(atPath: configFile.path) {
            configuration = try JSONDecoder().decode(Configuration.self, from: Data(contentsOf: configFile))
        } else {
            configuration = Configuration()
        }
        tokenizer = try WhisperTokenizer(directory: directory)
        model = isCTranslate2 ? try WhisperModel(modelFile: modelFile.path) : try WhisperModel(huggingFaceDirectory: directory)
        guard tokenizer.count <= model.vocabularySize else {
            throw Error(directory: directory.path, detail: "tokenizer has \(tokenizer.count) tokens, model only \(model.vocabularySize)")
        }
        frontEnd = try WhisperLogMel(melCount: model.melCount)
        var listed = configuration.alignmentHeads
        let generationConfig = directory.appendingPathComponent("generation_config.json")
        if listed == nil, isHuggingFace, manager.fileExists(atPath: generationConfig.path) {
            struct Generation: Decodable { var alignment_heads: [[Int]]? }
            listed = try JSONDecoder().decode(Generation.self, from: Data(contentsOf: generationConfig)).alignment_heads
        }
        if let listed {
            guard let heads = WhisperAlignmentHead.parse(listed) else {
                throw Error(directory: directory.path, detail: "alignment_heads must be [layer, head] pairs, got \(listed)")
            }
            alignmentHeads = heads
        } else {
            alignmentHeads = model.fallbackAlignmentHeads
        }
    }

    /// faster-whisper's features: log-mel of the samples followed by 160 zeros, mel-major.
    /// - Returns: the features and their frame count (`samples / 160 + 1`).
    public func features(_ samples: [Float]) -> (values: [Float], frames: Int) {
        let frameMajor = frontEnd.features(samples, padding: WhisperLogMel.hop)
        return (WhisperLogMel.melMajor(frameMajor, melCount: model.melCount), frameMajor.count / model.melCount)
    }

    /// Transcribes 16 kHz mono samples.
    /// - Throws: ``WhisperOptionsError`` when the model cannot honour the language or task asked for.
    /// - Parameters:
    ///   - cuts: sample indices (sorted) where the caller's windows meet, in pauses: each window's text stops
    ///     at the next cut and the following window starts there
    ///     (``WhisperTranscriber/transcribe(features:frameCount:options:cuts:)``); empty: Whisper's own seek.
    public func transcribe(_ samples: [Float], options: WhisperDecodingOptions = .init(), cuts: [Int] = []) throws -> [WhisperSegment] {
        try check(options)
        let (values, frames) = features(samples)
        return try transcriber.transcribe(features: values, frameCount: frames, options: options,
                                          cuts: cuts.map { $0 / WhisperLogMel.hop })
    }

    /// The spoken language of 16 kHz mono samples, from their first 30 s (faster-whisper `detect_language(audio)`).
    /// English-only models answer `en` with probability 1, as faster-whisper's `transcribe` does.
    /// - Returns: the most probable language code, its probability, and every language's, most probable first.
    public func detectLanguage(_ samples: [Float]) throws -> (language: String, probability: Float, all: [(String, Float)]) {
        guard tokenizer.isMultilingual else { return ("en", 1, [("en", 1)]) }
        let (values, frames) = features(Array(samples.prefix(WhisperLogMel.sampleRate * 30)))
        return try transcriber.detectLanguage(features: values, frameCount: frames)
    }

    /// Throws when `options` ask this model for a language or task it does not have, naming its directory.
    public func check(_ options: WhisperDecodingOptions) throws {
        let problems = WhisperLanguages(tokenizer: tokenizer).problems(with: options, model: directory.path)
        guard problems.isEmpty else { throw WhisperOptionsError(problems: problems) }
    }

    var transcriber: WhisperTranscriber<WhisperModel> {
        WhisperTranscriber(model: model, tokenizer: tokenizer, blankTokens: configuration.suppressIDsBegin, alignmentHeads: alignmentHeads)
    }
}
