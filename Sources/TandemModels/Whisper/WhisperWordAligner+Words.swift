import Foundation

/// Cutting tokens into words and attaching punctuation to them (faster-whisper `tokenizer.py`
/// `split_to_word_tokens`, `transcribe.py` `merge_punctuations`; openai/whisper the same).
///
/// The references test membership with Python's `in` on strings, which is a substring test: `"" in ".!?"`
/// holds, and so does `"()" in string.punctuation`. ``pythonContains(_:_:)`` keeps those semantics so the same
/// words merge.
extension WhisperWordAligner {
    /// Python's `string.punctuation`.
    static let asciiPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
    /// Languages written without spaces: their words are cut at every complete character instead.
    static let unspacedLanguages: Set<String> = ["zh", "ja", "th", "lo", "my", "yue"]

    /// Python's `needle in haystack` on strings: a substring test by code points; the empty string is in any string.
    static func pythonContains(_ haystack: String, _ needle: String) -> Bool {
        let h = Array(haystack.unicodeScalars), n = Array(needle.unicodeScalars)
        guard !n.isEmpty else { return true }
        guard n.count <= h.count else { return false }
        for start in 0...(h.count - n.count) where h[start..<start + n.count].elementsEqual(n) { return true }
        return false
    }

    /// Python's `str.strip()`.
    static func pythonStrip(_ text: String) -> String { text.trimmingCharacters(in: .whitespacesAndNewlines) }

    /// Words and their tokens: pieces of whole characters, joined to the previous word unless they start with a
    /// space, are punctuation, or are special tokens (end of text).
    func splitToWordTokens(_ tokens: [Int]) -> [(word: String, tokens: [Int])] {
        let pieces = splitOnCharacters(tokens)
        if let language, Self.unspacedLanguages.contains(language) { return pieces }
        var words: [(word: String, tokens: [Int])] = []
        for piece in pieces {
            let special = piece.tokens[0] >= tokenizer.endOfText
            let withSpace = piece.word.unicodeScalars.first == " "
            let punctuation = Self.pythonContains(Self.asciiPunctuation, Self.pythonStrip(piece.word))
            if special || withSpace || punctuation || words.isEmpty {
                words.append(piece)
            } else {
                words[words.count - 1].word += piece.word
                words[words.count - 1].tokens += piece.tokens
            }
        }
        return words
    }

    /// Cuts after every token at which the text decoded so far holds whole characters: a token that ends inside
    /// a multi-byte character waits for the next (`split_tokens_on_unicode`).
    func splitOnCharacters(_ tokens: [Int]) -> [(word: String, tokens: [Int])] {
        let replacement: Unicode.Scalar = "\u{FFFD}"
        let full = Array(tokenizer.decodeText(tokens).unicodeScalars)
        var result: [(word: String, tokens: [Int])] = []
        var current: [Int] = []
        var offset = 0
        for token in tokens {
            current.append(token)
            let decoded = tokenizer.decodeText(current)
            let scalars = Array(decoded.unicodeScalars)
            let complete: Bool
            if let index = scalars.firstIndex(of: replacement) {
                let position = index + offset
                complete = position < full.count && full[position] == replacement
            } else {
                complete = true
            }
            if complete {
                result.append((decoded, current))
                current = []
                offset += scalars.count
            }
        }
        return result
    }

    /// Moves opening punctuation (a word that is only `prepended` characters after a space) onto the next word and
    /// closing punctuation onto the previous one. The emptied words stay, with no text and no tokens; times and
    /// probabilities stay those of the words kept.
    static func mergePunctuations(_ alignment: inout [Timing], prepended: String, appended: String) {
        guard alignment.count >= 2 else { return }
        var i = alignment.count - 2
        var j = alignment.count - 1
        while i >= 0 {
            let previous = alignment[i]
            if previous.word.unicodeScalars.first == " " && pythonContains(prepended, pythonStrip(previous.word)) {
                alignment[j].word = previous.word + alignment[j].word
                alignment[j].tokens = previous.tokens + alignment[j].tokens
                alignment[i].word = ""
                alignment[i].tokens = []
            } else {
                j = i
            }
            i -= 1
        }
        i = 0
        j = 1
        while j < alignment.count {
            let following = alignment[j]
            if alignment[i].word.unicodeScalars.last != " " && pythonContains(appended, following.word) {
                alignment[i].word += following.word
                alignment[i].tokens += following.tokens
                alignment[j].word = ""
                alignment[j].tokens = []
            } else {
                i = j
            }
            j += 1
        }
    }
}
