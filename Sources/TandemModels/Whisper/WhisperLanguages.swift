import Foundation

/// What a Whisper vocabulary allows: whether it is multilingual, and which language codes it has.
///
/// Read from a model directory's special tokens alone (`tokenizer.json`'s `added_tokens`, or the
/// `<|…|>` lines of `vocabulary.txt` / `vocabulary.json`), without building the tokenizer's merges, so
/// a pipeline is checked in milliseconds before anything runs.
public struct WhisperLanguages: Sendable, Equatable {
    /// Whether the vocabulary is the multilingual one (`<|endoftext|>` = 50257) rather than English-only (50256).
    public var isMultilingual: Bool
    /// Language codes (`en`, `zh`, …) in vocabulary order.
    public var codes: [String]

    public init(isMultilingual: Bool, codes: [String]) {
        self.isMultilingual = isMultilingual
        self.codes = codes
    }

    /// The languages of a built tokenizer.
    public init(tokenizer: WhisperTokenizer) {
        self.init(isMultilingual: tokenizer.isMultilingual, codes: tokenizer.languages.map(\.code))
    }

    /// Reads the special tokens of a model directory.
    /// - Throws: ``WhisperTokenizer/Error`` naming the file when there is no vocabulary or it lacks
    ///   `<|endoftext|>`, `<|startoftranscript|>` or `<|translate|>`.
    public init(directory: URL) throws {
        let manager = FileManager.default
        var special: [(String, Int)] = []
        var file = directory.appendingPathComponent("tokenizer.json")
        if manager.fileExists(atPath: file.path) {
            guard let root = try? JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any],
                  let added = root["added_tokens"] as? [[String: Any]] else {
                throw WhisperTokenizer.Error(file: file.path, detail: "not a tokenizer.json with added_tokens")
            }
            special = added.compactMap { entry in
                guard let id = entry["id"] as? Int, let content = entry["content"] as? String else { return nil }
                return (content, id)
            }
        } else {
            var list: [String]
            file = directory.appendingPathComponent("vocabulary.json")
            if manager.fileExists(atPath: file.path) {
                guard let parsed = try? JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String] else {
                    throw WhisperTokenizer.Error(file: file.path, detail: "expected a JSON list of token strings")
                }
                list = parsed
            } else {
                file = directory.appendingPathComponent("vocabulary.txt")
                guard manager.fileExists(atPath: file.path) else {
                    throw WhisperTokenizer.Error(file: directory.path, detail: "no tokenizer.json, vocabulary.json or vocabulary.txt")
                }
                list = try String(contentsOf: file, encoding: .utf8).components(separatedBy: "\n")
            }
            special = list.enumerated().compactMap { id, token in token.hasPrefix("<|") && token.hasSuffix("|>") ? (token, id) : nil }
        }
        let ids = Dictionary(special, uniquingKeysWith: { first, _ in first })
        guard let endOfText = ids["<|endoftext|>"], let start = ids["<|startoftranscript|>"], let translate = ids["<|translate|>"] else {
            throw WhisperTokenizer.Error(file: file.path, detail: "<|endoftext|>, <|startoftranscript|> or <|translate|> is missing")
        }
        let codes = special.filter { $0.1 > start && $0.1 < translate }.sorted { $0.1 < $1.1 }.map { String($0.0.dropFirst(2).dropLast(2)) }
        self.init(isMultilingual: endOfText >= 50257, codes: codes)
    }

    /// What is wrong with asking this vocabulary for `options`' language and task; empty when nothing.
    /// - Parameter model: how to name the model in the messages (its directory).
    public func problems(with options: WhisperDecodingOptions, model: String) -> [String] {
        var problems: [String] = []
        let language = options.language
        if !isMultilingual {
            if language != WhisperDecodingOptions.autoLanguage, language != "en" {
                problems.append("language '\(language)' needs a multilingual model, but \(model) is English-only: "
                                + "use language auto or en with it, or a multilingual model such as Models/whisper-base")
            }
            if options.task == .translate {
                problems.append("task translate needs a multilingual model, but \(model) is English-only (it only transcribes English): "
                                + "use a multilingual model such as Models/whisper-base")
            }
        } else if language != WhisperDecodingOptions.autoLanguage, !codes.contains(language) {
            problems.append("language '\(language)' is not one of \(model)'s \(codes.count) languages (\(codes.joined(separator: ", "))), "
                            + "nor auto (detect it)")
        }
        return problems
    }
}
