import Foundation

/// RoBERTa's byte-level BPE tokenizer, as AudioLDM's CLAP text encoder reads its prompts (transformers'
/// `RobertaTokenizer`, which the diffusers pipeline calls with `padding="max_length"`, `truncation=True`).
///
/// Built from a `tokenizer/` folder: the BPE from `vocab.json` + `merges.txt` when both are present,
/// else from `model.vocab` / `model.merges` of `tokenizer.json`. The special tokens are the ones the
/// folder names (`tokenizer_config.json`, `special_tokens_map.json`, `added_tokens` of
/// `tokenizer.json`), looked up in the vocabulary, and the padded length is `model_max_length` of
/// `tokenizer_config.json` — 512 in the published AudioLDM folders, so that is what diffusers pads to.
///
/// Encoding follows `tokenizers`: the text is first cut at special tokens written in it (`<mask>`,
/// `<s>`, with their `lstrip`/`rstrip`/`single_word` options), every other piece is split by GPT-2's
/// pre-tokenizer, mapped to byte-level characters and merged by rank, and the ids are framed as
/// `cls … sep` (`<s> … </s>`).
public struct RobertaTokenizer: Sendable {
    /// A token matched in the text before pre-tokenisation (a special or added token).
    struct AddedToken: Sendable {
        var content: [Unicode.Scalar]
        var id: Int
        /// Whether the match swallows the whitespace before it (RoBERTa's `<mask>`).
        var lstrip = false
        /// Whether the match swallows the whitespace after it.
        var rstrip = false
        /// Whether it matches only as a whole word.
        var singleWord = false
        /// Whether `tokenizers` matches it after normalisation (a second pass over the pieces the
        /// first, unnormalised pass left); RoBERTa has no normaliser, so only the order differs.
        var normalized = false
    }

    /// The padded length `padded(_:)` uses by default (`model_max_length`).
    public let maxLength: Int
    /// `<s>`, the first token of every sequence (the `cls_token`).
    public let startID: Int
    /// `</s>`, the last token of every sequence (the `sep_token`).
    public let endID: Int
    /// `<pad>`.
    public let padID: Int
    /// `<unk>`, given to a byte the vocabulary lacks (never, for a byte-level vocabulary with all 256).
    public let unknownID: Int?

    private let vocabulary: [String: Int]
    private let merges: BytePairMerges
    private let addedTokens: [AddedToken]
    /// `add_prefix_space`: a space is put before every piece that does not start with one.
    private let addsPrefixSpace: Bool
    /// `padding_side` and `truncation_side` of `tokenizer_config.json` (right unless it says left).
    private let padsLeft: Bool
    private let truncatesLeft: Bool
    /// The byte-level character of each byte, as a vocabulary id (nil when absent).
    private let byteIDs: [Int32?]

    // MARK: - Reading a folder

    /// Reads the tokenizer folder of an AudioLDM pipeline (or any RoBERTa tokenizer folder).
    /// - Throws: `AudioLDMError(.missingComponent)` naming a file that is missing,
    ///   `.unsupportedConfiguration` naming the file that is malformed, a special token without an id,
    ///   or a merge whose tokens are not in the vocabulary.
    public init(directory: URL) throws {
        let files = Files(directory: directory)
        let config = try files.object("tokenizer_config.json", required: true) ?? [:]
        let specialMap = try files.object("special_tokens_map.json", required: false) ?? [:]
        let tokenizerJSON = try files.object("tokenizer.json", required: false)

        // The BPE itself.
        let vocabulary: [String: Int]
        let mergePairs: [(String, String)]
        let mergesFile: String
        if files.exists("vocab.json"), files.exists("merges.txt") {
            guard let table = try files.object("vocab.json", required: true) as? [String: Int] else {
                throw AudioLDMError(.unsupportedConfiguration, file: files.path("vocab.json"), "expected a JSON object of token → id")
            }
            vocabulary = table
            mergesFile = files.path("merges.txt")
            mergePairs = try Self.parseMergesText(files.text("merges.txt"), file: mergesFile)
        } else if let tokenizerJSON {
            mergesFile = files.path("tokenizer.json")
            guard let model = tokenizerJSON["model"] as? [String: Any], let table = model["vocab"] as? [String: Int],
                  let list = model["merges"] as? [Any] else {
                throw AudioLDMError(.unsupportedConfiguration, file: mergesFile, "not a BPE tokenizer.json (model.vocab and model.merges expected)")
            }
            if let type = model["type"] as? String, type != "BPE" {
                throw AudioLDMError(.unsupportedConfiguration, file: mergesFile, "model.type is \(type); a RoBERTa tokenizer is BPE")
            }
            vocabulary = table
            mergePairs = try Self.parseMergesList(list, file: mergesFile)
        } else {
            throw AudioLDMError(.missingComponent, file: directory.path, "neither vocab.json with merges.txt nor tokenizer.json is in the tokenizer folder")
        }
        var vocabularyWithAdded = vocabulary

        // Added tokens: tokenizer.json's list, tokenizer_config.json's `added_tokens_decoder`, then the
        // special tokens the configuration names (a string, or an AddedToken object with its options).
        var added: [String: AddedToken] = [:]
        var order: [String] = []
        func record(_ token: AddedToken) {
            let key = String(String.UnicodeScalarView(token.content))
            if added[key] == nil { order.append(key) }
            added[key] = token
            vocabularyWithAdded[key] = token.id
        }
        for entry in tokenizerJSON?["added_tokens"] as? [[String: Any]] ?? [] {
            guard let content = entry["content"] as? String, let id = entry["id"] as? Int else {
                throw AudioLDMError(.unsupportedConfiguration, file: files.path("tokenizer.json"), "an added_tokens entry lacks content or id")
            }
            record(Self.addedToken(content: content, id: id, options: entry))
        }
        for (key, value) in config["added_tokens_decoder"] as? [String: Any] ?? [:] {
            guard let id = Int(key), let entry = value as? [String: Any], let content = entry["content"] as? String else {
                throw AudioLDMError(.unsupportedConfiguration, file: files.path("tokenizer_config.json"), "added_tokens_decoder entry '\(key)' lacks an id or content")
            }
            if added[content] == nil { record(Self.addedToken(content: content, id: id, options: entry)) }
        }
        func special(_ name: String, default fallback: String?) throws -> Int? {
            let value = config[name] ?? specialMap[name]
            let content: String
            var options: [String: Any] = [:]
            if let text = value as? String {
                content = text
            } else if let object = value as? [String: Any], let text = object["content"] as? String {
                content = text
                options = object
            } else if let fallback, value == nil || value is NSNull {
                content = fallback
            } else if value == nil || value is NSNull {
                return nil
            } else {
                throw AudioLDMError(.unsupportedConfiguration, file: files.path("tokenizer_config.json"), "\(name) is neither a string nor a token object")
            }
            if let known = added[content] {
                // An AddedToken object in the configuration states its options; a bare name keeps the list's.
                if !options.isEmpty { record(Self.addedToken(content: content, id: known.id, options: options)) }
                return known.id
            }
            guard let id = vocabulary[content] else {
                throw AudioLDMError(.unsupportedConfiguration, file: mergesFile, "the \(name) '\(content)' named by tokenizer_config.json is not in the vocabulary")
            }
            record(Self.addedToken(content: content, id: id, options: options))
            return id
        }
        // RobertaTokenizer's defaults name the tokens when the folder does not.
        guard let cls = try special("cls_token", default: "<s>"), let sep = try special("sep_token", default: "</s>"),
              let pad = try special("pad_token", default: "<pad>") else {
            throw AudioLDMError(.unsupportedConfiguration, file: files.path("tokenizer_config.json"), "cls_token, sep_token and pad_token must be named")
        }
        _ = try special("bos_token", default: nil)
        _ = try special("eos_token", default: nil)
        _ = try special("mask_token", default: nil)
        let unknown = try special("unk_token", default: nil)
        for extra in config["additional_special_tokens"] as? [Any] ?? [] {
            if let text = extra as? String, let id = vocabularyWithAdded[text] {
                if added[text] == nil { record(Self.addedToken(content: text, id: id, options: [:])) }
            } else if let object = extra as? [String: Any], let text = object["content"] as? String, let id = vocabularyWithAdded[text] {
                record(Self.addedToken(content: text, id: id, options: object))
            }
        }

        guard let length = (config["model_max_length"] as? NSNumber)?.doubleValue else {
            throw AudioLDMError(.unsupportedConfiguration, file: files.path("tokenizer_config.json"), "model_max_length is missing: the length prompts are padded to must be stated")
        }
        guard length >= 2, length <= 1_000_000 else {
            throw AudioLDMError(.unsupportedConfiguration, file: files.path("tokenizer_config.json"), "model_max_length \(length) is not a usable padded length (2 … 1000000)")
        }
        for (name, value) in [("padding_side", config["padding_side"]), ("truncation_side", config["truncation_side"])] {
            if let side = value as? String, side != "left", side != "right" {
                throw AudioLDMError(.unsupportedConfiguration, file: files.path("tokenizer_config.json"), "\(name) '\(side)' is neither left nor right")
            }
        }

        // Ranked merges over ids.
        var table = BytePairMerges()
        for (rank, (left, right)) in mergePairs.enumerated() {
            guard let l = vocabulary[left], let r = vocabulary[right], let m = vocabulary[left + right] else {
                throw AudioLDMError(.unsupportedConfiguration, file: mergesFile, "merge '\(left) \(right)' (rank \(rank)) uses a token missing from the vocabulary")
            }
            table.add(left: l, right: r, merged: m, rank: rank)
        }

        self.vocabulary = vocabulary
        self.merges = table
        self.addedTokens = order.compactMap { added[$0] }.filter { !$0.content.isEmpty }
        self.startID = cls
        self.endID = sep
        self.padID = pad
        self.unknownID = unknown
        self.maxLength = Int(length)
        self.addsPrefixSpace = (config["add_prefix_space"] as? Bool) ?? false
        self.padsLeft = (config["padding_side"] as? String) == "left"
        self.truncatesLeft = (config["truncation_side"] as? String) == "left"
        self.byteIDs = (0...255).map { byte in vocabulary[String(ByteLevel.scalar(for: UInt8(byte)))].map(Int32.init) }
    }

    private static func addedToken(content: String, id: Int, options: [String: Any]) -> AddedToken {
        AddedToken(content: Array(content.unicodeScalars), id: id, lstrip: options["lstrip"] as? Bool ?? false,
                   rstrip: options["rstrip"] as? Bool ?? false, singleWord: options["single_word"] as? Bool ?? false,
                   normalized: options["normalized"] as? Bool ?? false)
    }

    /// `merges.txt`: an optional `#version` line, then one `left right` pair a line, by rank.
    static func parseMergesText(_ text: String, file: String) throws -> [(String, String)] {
        var pairs: [(String, String)] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.hasSuffix("\r") ? line.dropLast() : line
            if trimmed.isEmpty || (number == 0 && trimmed.hasPrefix("#version")) { continue }
            let parts = trimmed.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw AudioLDMError(.unsupportedConfiguration, file: file, "line \(number + 1) '\(trimmed)' is not two tokens separated by one space")
            }
            pairs.append((String(parts[0]), String(parts[1])))
        }
        return pairs
    }

    /// `model.merges` of `tokenizer.json`: `"left right"` strings or `["left", "right"]` pairs.
    static func parseMergesList(_ list: [Any], file: String) throws -> [(String, String)] {
        try list.enumerated().map { index, item in
            if let text = item as? String {
                let parts = text.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw AudioLDMError(.unsupportedConfiguration, file: file, "model.merges[\(index)] '\(text)' is not two tokens") }
                return (String(parts[0]), String(parts[1]))
            }
            guard let pair = item as? [String], pair.count == 2 else {
                throw AudioLDMError(.unsupportedConfiguration, file: file, "model.merges[\(index)] is neither \"a b\" nor [\"a\", \"b\"]")
            }
            return (pair[0], pair[1])
        }
    }

    /// The folder's files, read with errors that name them.
    private struct Files {
        let directory: URL
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }

        func text(_ name: String) throws -> String {
            guard let data = FileManager.default.contents(atPath: path(name)) else {
                throw AudioLDMError(.unsupportedConfiguration, file: path(name), "cannot be read")
            }
            return String(decoding: data, as: UTF8.self)
        }

        func object(_ name: String, required: Bool) throws -> [String: Any]? {
            guard exists(name) else {
                if required { throw AudioLDMError(.missingComponent, file: path(name), "\(name) is missing from the tokenizer folder") }
                return nil
            }
            guard let data = FileManager.default.contents(atPath: path(name)),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw AudioLDMError(.unsupportedConfiguration, file: path(name), "not a JSON object")
            }
            return object
        }
    }

    // MARK: - Encoding

    /// The ids of `text` framed as `<s> … </s>`, not truncated (`tokenizer(text).input_ids`).
    public func encode(_ text: String) -> [Int] {
        [startID] + tokens(text) + [endID]
    }

    /// The ids of `text` as the AudioLDM pipeline feeds them to the text encoder: framed, truncated so
    /// the frame fits in `length`, then padded to `length` with `<pad>`, and the attention mask (1 for
    /// a token, 0 for padding).
    /// - Parameter length: the padded length, `maxLength` when nil; at least 2.
    public func padded(_ text: String, length: Int? = nil) -> (ids: [Int], mask: [Int]) {
        let total = length ?? maxLength
        precondition(total >= 2, "a padded length of \(total) cannot hold <s> and </s>")
        var content = tokens(text)
        if content.count > total - 2 {
            content = truncatesLeft ? Array(content.suffix(total - 2)) : Array(content.prefix(total - 2))
        }
        let ids = [startID] + content + [endID]
        let padding = [Int](repeating: padID, count: total - ids.count)
        let ones = [Int](repeating: 1, count: ids.count), zeros = [Int](repeating: 0, count: padding.count)
        return padsLeft ? (padding + ids, zeros + ones) : (ids + padding, ones + zeros)
    }

    /// The ids of `text` without the frame.
    func tokens(_ text: String) -> [Int] {
        let scalars = Array(text.unicodeScalars)
        // Unnormalised added tokens are matched first, normalised ones in what that leaves (`tokenizers`' order).
        var pieces = split([Piece.text(scalars[...])], matching: addedTokens.filter { !$0.normalized })
        pieces = split(pieces, matching: addedTokens.filter(\.normalized))
        var ids: [Int] = []
        for piece in pieces {
            switch piece {
            case .token(let id): ids.append(id)
            case .text(let run):
                guard !run.isEmpty else { continue }
                var string = String(String.UnicodeScalarView(run))
                if addsPrefixSpace, run.first != " " { string = " " + string }
                for word in GPT2PreTokenizer.split(string) {
                    var symbols: [Int32] = []
                    for byte in word.utf8 {
                        if let id = byteIDs[Int(byte)] { symbols.append(id) } else if let unknownID { symbols.append(Int32(unknownID)) }
                    }
                    ids += merges.apply(symbols).map(Int.init)
                }
            }
        }
        return ids
    }

    private enum Piece {
        case text(ArraySlice<Unicode.Scalar>)
        case token(Int)
    }

    /// Cuts the text pieces at every match of `tokens`: leftmost first, the longest token at a position,
    /// `single_word` tokens only between non-word characters, `lstrip`/`rstrip` taking the adjacent
    /// whitespace (but not whitespace an earlier match already took).
    private func split(_ pieces: [Piece], matching tokens: [AddedToken]) -> [Piece] {
        guard !tokens.isEmpty else { return pieces }
        var result: [Piece] = []
        for piece in pieces {
            guard case .text(let run) = piece else { result.append(piece); continue }
            var taken = run.startIndex
            var position = run.startIndex
            while position < run.endIndex {
                var best: AddedToken?
                for token in tokens where token.content.count <= run.endIndex - position && token.content.count > (best?.content.count ?? 0) {
                    if run[position..<position + token.content.count].elementsEqual(token.content) { best = token }
                }
                guard let token = best else { position += 1; continue }
                var start = position, end = position + token.content.count
                if token.singleWord {
                    let before = start > run.startIndex && Self.isWordCharacter(run[start - 1])
                    let after = end < run.endIndex && Self.isWordCharacter(run[end])
                    if before || after { position += 1; continue }
                }
                if token.lstrip {
                    while start > taken, run[start - 1].properties.isWhitespace { start -= 1 }
                }
                if token.rstrip {
                    while end < run.endIndex, run[end].properties.isWhitespace { end += 1 }
                }
                if taken < start { result.append(.text(run[taken..<start])) }
                result.append(.token(token.id))
                taken = end
                position = end
            }
            if taken < run.endIndex { result.append(.text(run[taken..<run.endIndex])) }
        }
        return result
    }

    private static func isWordCharacter(_ c: Unicode.Scalar) -> Bool {
        c == "_" || c.properties.isAlphabetic || c.properties.numericType != nil
    }
}
