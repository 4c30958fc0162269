import Foundation

/// Whisper's byte-level BPE tokenizer (GPT-2's), with its special tokens looked up by name.
///
/// Built from a model directory's `tokenizer.json` (Hugging Face `tokenizers` format: BPE vocabulary,
/// ranked merges, added tokens), or, when only CTranslate2's `vocabulary.txt` / `vocabulary.json` is
/// present, from the vocabulary alone: GPT-2's vocabulary is ordered so that a merged token's id
/// is its merge rank plus 256, so merging the adjacent pair whose concatenation has the lowest id
/// gives the same tokens (the way `tiktoken` encodes).
///
/// Timestamp tokens `<|0.00|>` … `<|30.00|>` follow `<|notimestamps|>`; `tokenizer.json` omits them,
/// so they are named here.
public struct WhisperTokenizer: Sendable {
    /// What can go wrong building a tokenizer.
    public struct Error: Swift.Error, CustomStringConvertible {
        public var file: String
        public var detail: String
        public var description: String { "\(file): \(detail)" }
    }

    /// Token strings by id, in byte-level form (a space is `Ġ`).
    public let tokens: [String]
    private let ids: [String: Int]
    /// Adjacent pair of token ids → (rank, merged id).
    private let merges: BytePairMerges
    /// Added tokens (`<|endoftext|>`, languages, tasks, timestamps) by their text.
    private let specialIDs: [String: Int]

    /// `<|endoftext|>`, the end of a transcript.
    public let endOfText: Int
    /// `<|startoftranscript|>`.
    public let startOfTranscript: Int
    public let translate: Int
    public let transcribe: Int
    /// `<|startoflm|>`.
    public let startOfLM: Int
    /// `<|startofprev|>`, which introduces the previous window's text as a prompt.
    public let startOfPrevious: Int
    /// `<|nospeech|>` (`<|nocaptions|>` in older vocabularies).
    public let noSpeech: Int
    public let noTimestamps: Int
    /// `<|0.00|>`; timestamp token `timestampBegin + i` stands for `i * 0.02` seconds.
    public var timestampBegin: Int { noTimestamps + 1 }
    /// Language tokens (`<|en|>` …) by code, in vocabulary order.
    public let languages: [(code: String, id: Int)]
    /// Whether the vocabulary is the multilingual one (`<|endoftext|>` = 50257) rather than English-only (50256).
    public var isMultilingual: Bool { endOfText >= 50257 }

    /// Number of ids, timestamps included.
    public var count: Int { tokens.count }

    // MARK: - Building

    /// Reads the tokenizer of a Whisper model directory: `tokenizer.json` when present, else
    /// `vocabulary.json` or `vocabulary.txt`.
    /// - Throws: ``Error`` naming the file when none is present or it cannot be parsed.
    public init(directory: URL) throws {
        let manager = FileManager.default
        let json = directory.appendingPathComponent("tokenizer.json")
        if manager.fileExists(atPath: json.path) {
            try self.init(tokenizerJSON: try Data(contentsOf: json), file: json.path)
            return
        }
        let vocabularyJSON = directory.appendingPathComponent("vocabulary.json")
        if manager.fileExists(atPath: vocabularyJSON.path) {
            guard let list = try JSONSerialization.jsonObject(with: Data(contentsOf: vocabularyJSON)) as? [String] else {
                throw Error(file: vocabularyJSON.path, detail: "expected a JSON list of token strings")
            }
            try self.init(vocabulary: list, file: vocabularyJSON.path)
            return
        }
        let text = directory.appendingPathComponent("vocabulary.txt")
        guard manager.fileExists(atPath: text.path) else {
            throw Error(file: directory.path, detail: "no tokenizer.json, vocabulary.json or vocabulary.txt")
        }
        var lines = try String(contentsOf: text, encoding: .utf8).components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        try self.init(vocabulary: lines, file: text.path)
    }

    /// Builds from the contents of a Hugging Face `tokenizer.json` (BPE model with merges).
    public init(tokenizerJSON data: Data, file: String = "tokenizer.json") throws {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let model = root["model"] as? [String: Any],
              let vocabulary = model["vocab"] as? [String: Int],
              let mergeList = model["merges"] as? [Any] else {
            throw Error(file: file, detail: "not a BPE tokenizer.json (model.vocab and model.merges expected)")
        }
        var tokens = [String](repeating: "", count: (vocabulary.values.max() ?? -1) + 1)
        for (token, id) in vocabulary { tokens[id] = token }
        var added: [(String, Int)] = []
        for entry in root["added_tokens"] as? [[String: Any]] ?? [] {
            guard let id = entry["id"] as? Int, let content = entry["content"] as? String, id >= 0 else { continue }
            if id >= tokens.count { tokens += [String](repeating: "", count: id + 1 - tokens.count) }
            tokens[id] = content
            added.append((content, id))
        }
        var pairs: [(String, String)] = []
        pairs.reserveCapacity(mergeList.count)
        for item in mergeList {
            if let text = item as? String {
                let parts = text.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw Error(file: file, detail: "bad merge '\(text)'") }
                pairs.append((String(parts[0]), String(parts[1])))
            } else if let list = item as? [String], list.count == 2 {
                pairs.append((list[0], list[1]))
            } else {
                throw Error(file: file, detail: "bad merge entry \(item)")
            }
        }
        try self.init(tokens: tokens, added: added, mergePairs: pairs, file: file)
    }

    /// Builds from a vocabulary list alone (CTranslate2's `vocabulary.txt` / `vocabulary.json`), id = position.
    public init(vocabulary: [String], file: String = "vocabulary") throws {
        let added = vocabulary.enumerated().compactMap { id, token in
            token.hasPrefix("<|") && token.hasSuffix("|>") ? (token, id) : nil
        }
        try self.init(tokens: vocabulary, added: added, mergePairs: nil, file: file)
    }

    private init(tokens baseTokens: [String], added: [(String, Int)], mergePairs: [(String, String)]?, file: String) throws {
        var tokens = baseTokens
        var specialIDs = Dictionary(added, uniquingKeysWith: { first, _ in first })
        func special(_ names: String...) throws -> Int {
            for name in names { if let id = specialIDs[name] { return id } }
            throw Error(file: file, detail: "special token \(names.joined(separator: " / ")) is missing")
        }
        let endOfText = try special("<|endoftext|>")
        let noTimestamps = try special("<|notimestamps|>")
        // Timestamps 0.00 … 30.00 in steps of 0.02 follow <|notimestamps|>.
        for step in 0...1500 {
            let id = noTimestamps + 1 + step
            let name = String(format: "<|%.2f|>", Double(step) * 0.02)
            if id >= tokens.count { tokens.append(name) } else if tokens[id].isEmpty || tokens[id] == name { tokens[id] = name }
            specialIDs[name] = id
        }
        var ids: [String: Int] = [:]
        ids.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() where ids[token] == nil && !token.isEmpty { ids[token] = id }

        var merges = BytePairMerges()
        if let mergePairs {
            for (rank, (left, right)) in mergePairs.enumerated() {
                guard let l = ids[left], let r = ids[right], let m = ids[left + right] else {
                    throw Error(file: file, detail: "merge '\(left) \(right)' uses a token missing from the vocabulary")
                }
                merges.add(left: l, right: r, merged: m, rank: rank)
            }
        } else {
            // Vocabulary only: every split of a regular token into two known tokens is a merge ranked by its id.
            for id in 0..<min(endOfText, tokens.count) {
                let characters = Array(tokens[id])
                guard characters.count > 1 else { continue }
                for cut in 1..<characters.count {
                    guard let l = ids[String(characters[..<cut])], let r = ids[String(characters[cut...])] else { continue }
                    merges.add(left: l, right: r, merged: id, rank: id)
                }
            }
        }

        self.tokens = tokens
        self.ids = ids
        self.merges = merges
        self.specialIDs = specialIDs
        self.endOfText = endOfText
        self.noTimestamps = noTimestamps
        self.startOfTranscript = try special("<|startoftranscript|>")
        self.translate = try special("<|translate|>")
        self.transcribe = try special("<|transcribe|>")
        self.startOfLM = try special("<|startoflm|>")
        self.startOfPrevious = try special("<|startofprev|>")
        self.noSpeech = try special("<|nospeech|>", "<|nocaptions|>")
        var languages: [(String, Int)] = []
        for id in (startOfTranscript + 1)..<translate {
            let token = tokens[id]
            guard token.hasPrefix("<|"), token.hasSuffix("|>") else { continue }
            languages.append((String(token.dropFirst(2).dropLast(2)), id))
        }
        self.languages = languages
    }

    // MARK: - Lookup

    /// The id of a token given in its vocabulary form (`<|en|>`, `Ġthe`, `<|1.00|>`).
    public func id(of token: String) -> Int? { specialIDs[token] ?? ids[token] }

    /// The `<|xx|>` token of a language code.
    public func languageToken(_ code: String) -> Int? { languages.first { $0.code == code }?.id }

    /// The start of every transcript: `<|startoftranscript|>`, then for multilingual vocabularies the
    /// language and task (`decoding.py` `sot_sequence`).
    public func startSequence(language: String? = "en", task: Int? = nil) -> [Int] {
        guard isMultilingual else { return [startOfTranscript] }
        var sequence = [startOfTranscript]
        if let language, let id = languageToken(language) { sequence.append(id) }
        sequence.append(task ?? transcribe)
        return sequence
    }

    /// Tokens that are never speech: speaker tags, music symbols, brackets (openai/whisper `tokenizer.py`
    /// `non_speech_tokens`), plus the task and control tokens, as faster-whisper's `get_suppressed_tokens`
    /// builds the default `suppress_tokens = [-1]`.
    public var defaultSuppressedTokens: [Int] {
        var symbols = "\"#()*+/:;<=>@[\\]^_`{|}~「」『』".map { String($0) }
        symbols += "<< >> <<< >>> -- --- -( -[ (' (\" (( )) ((( ))) [[ ]] {{ }} ♪♪ ♪♪♪".split(separator: " ").map(String.init)
        let miscellaneous = Set("♩♪♫♬♭♮♯".map { String($0) })
        var result: Set<Int> = []
        if let hyphen = encode(" -").first { result.insert(hyphen) }
        if let quote = encode(" '").first { result.insert(quote) }
        for symbol in symbols + miscellaneous.sorted() {
            for encoded in [encode(symbol), encode(" " + symbol)] where encoded.count == 1 || miscellaneous.contains(symbol) {
                if let first = encoded.first { result.insert(first) }
            }
        }
        result.formUnion([transcribe, translate, startOfTranscript, startOfPrevious, startOfLM, noSpeech])
        return result.sorted()
    }

    // MARK: - Decoding

    /// Text of the given ids, special tokens included as their names.
    /// Invalid UTF-8 (a character cut between tokens) becomes U+FFFD.
    public func decode(_ ids: [Int]) -> String {
        var bytes: [UInt8] = []
        for id in ids where id >= 0 && id < tokens.count {
            let token = tokens[id]
            if specialIDs[token] == id {
                bytes += Array(token.utf8)
                continue
            }
            for scalar in token.unicodeScalars {
                if let byte = ByteLevel.byte(for: scalar) { bytes.append(byte) } else { bytes += Array(String(scalar).utf8) }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Text of the text tokens only (ids below `<|endoftext|>`), as faster-whisper's `Tokenizer.decode`.
    public func decodeText(_ ids: [Int]) -> String {
        decode(ids.filter { $0 < endOfText })
    }

    // MARK: - Encoding

    /// Token ids of `text`; special-token names in the text (`<|endoftext|>`) become their ids.
    /// - Complexity: O(n²) in the length of each pre-token, which is short.
    public func encode(_ text: String) -> [Int] {
        var result: [Int] = []
        var plain = ""
        var rest = Substring(text)
        while let open = rest.range(of: "<|") {
            if let close = rest[open.upperBound...].range(of: "|>"),
               let id = specialIDs[String(rest[open.lowerBound..<close.upperBound])] {
                plain += rest[..<open.lowerBound]
                result += encodePlain(plain)
                plain = ""
                result.append(id)
                rest = rest[close.upperBound...]
            } else {
                plain += rest[..<open.upperBound]
                rest = rest[open.upperBound...]
            }
        }
        plain += rest
        result += encodePlain(plain)
        return result
    }

    private func encodePlain(_ text: String) -> [Int] {
        var result: [Int] = []
        for piece in GPT2PreTokenizer.split(text) {
            result += bytePairs(Array(piece.utf8))
        }
        return result
    }

    /// Applies the merges to one pre-token's bytes, lowest rank first (leftmost on ties).
    private func bytePairs(_ bytes: [UInt8]) -> [Int] {
        merges.apply(bytes.map { Int32(ids[String(ByteLevel.scalar(for: $0))] ?? 0) }).map(Int.init)
    }
}
