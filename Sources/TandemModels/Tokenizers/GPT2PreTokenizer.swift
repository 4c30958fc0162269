/// GPT-2's pre-tokenizer: splits text into the pieces BPE runs on, matching the regular expression
/// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
/// (Hugging Face `ByteLevel` with `use_regex`, openai/whisper via tiktoken).
///
/// Written as a hand scanner over Unicode scalars: the alternatives are tried in order at each position
/// exactly as the regex engine would, including the `\s+(?!\S)` backtrack that leaves the last space of
/// a run to start the next word.
enum GPT2PreTokenizer {
    static func split(_ text: String) -> [Substring] {
        let scalars = Array(text.unicodeScalars)
        var indices: [String.Index] = []
        indices.reserveCapacity(scalars.count + 1)
        var index = text.unicodeScalars.startIndex
        while index != text.unicodeScalars.endIndex {
            indices.append(index)
            index = text.unicodeScalars.index(after: index)
        }
        indices.append(text.endIndex)

        var pieces: [Substring] = []
        var start = 0
        while start < scalars.count {
            let end = matchEnd(scalars, start)
            pieces.append(Substring(text.unicodeScalars[indices[start]..<indices[end]]))
            start = end
        }
        return pieces
    }

    /// End (exclusive) of the regex match that starts at `i`; always > `i`.
    private static func matchEnd(_ s: [Unicode.Scalar], _ i: Int) -> Int {
        let n = s.count
        // 's 't 're 've 'm 'll 'd
        if s[i] == "'", i + 1 < n {
            let next = s[i + 1]
            if next == "s" || next == "t" || next == "m" || next == "d" { return i + 2 }
            if i + 2 < n {
                let pair = (next, s[i + 2])
                if pair == ("r", "e") || pair == ("v", "e") || pair == ("l", "l") { return i + 3 }
            }
        }
        let afterSpace = s[i] == " " ? i + 1 : i
        //  ?\p{L}+   ?\p{N}+   ?[^\s\p{L}\p{N}]+
        for kind in [Kind.letter, .number, .other] where afterSpace < n && kind.contains(s[afterSpace]) {
            var j = afterSpace + 1
            while j < n, kind.contains(s[j]) { j += 1 }
            return j
        }
        // \s+(?!\S) then \s+
        if isSpace(s[i]) {
            var j = i + 1
            while j < n, isSpace(s[j]) { j += 1 }
            if j == n { return j }
            return j - 1 > i ? j - 1 : j
        }
        // Unreachable for valid input (every scalar is a letter, number, space or other), but never stall.
        return i + 1
    }

    private enum Kind {
        case letter, number, other

        func contains(_ c: Unicode.Scalar) -> Bool {
            switch self {
            case .letter: GPT2PreTokenizer.isLetter(c)
            case .number: GPT2PreTokenizer.isNumber(c)
            case .other: !GPT2PreTokenizer.isSpace(c) && !GPT2PreTokenizer.isLetter(c) && !GPT2PreTokenizer.isNumber(c)
            }
        }
    }

    fileprivate static func isSpace(_ c: Unicode.Scalar) -> Bool { c.properties.isWhitespace }

    fileprivate static func isLetter(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: true
        default: false
        }
    }

    fileprivate static func isNumber(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: true
        default: false
        }
    }
}
