/// Segments, transcript segments and words are written and read with their times in seconds (`start`,
/// `end`), the form every output file and the report already use; a time read back is the exact binary
/// value of the number written.
extension Segment: Codable {
    private enum CodingKeys: String, CodingKey { case start, end, label, score, region }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(start: try c.decode(Double.self, forKey: .start), end: try c.decode(Double.self, forKey: .end),
                  label: try c.decode(String.self, forKey: .label), score: try c.decode(Double.self, forKey: .score))
        region = try c.decodeIfPresent(PictureRegion.self, forKey: .region)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(start, forKey: .start)
        try c.encode(end, forKey: .end)
        try c.encode(label, forKey: .label)
        try c.encode(score, forKey: .score)
        try c.encodeIfPresent(region, forKey: .region)
    }
}

extension TranscriptSegment: Codable {
    private enum CodingKeys: String, CodingKey {
        case start, end, text, tokens, averageLogProbability, noSpeechProbability, speaker, words, language, languageProbability
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(start: try c.decode(Double.self, forKey: .start), end: try c.decode(Double.self, forKey: .end),
                  text: try c.decode(String.self, forKey: .text), tokens: try c.decode([Int].self, forKey: .tokens),
                  averageLogProbability: try c.decode(Double.self, forKey: .averageLogProbability),
                  noSpeechProbability: try c.decode(Double.self, forKey: .noSpeechProbability),
                  speaker: try c.decodeIfPresent(String.self, forKey: .speaker),
                  words: try c.decodeIfPresent([TranscriptWord].self, forKey: .words),
                  language: try c.decodeIfPresent(String.self, forKey: .language),
                  languageProbability: try c.decodeIfPresent(Double.self, forKey: .languageProbability))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(start, forKey: .start)
        try c.encode(end, forKey: .end)
        try c.encode(text, forKey: .text)
        try c.encode(tokens, forKey: .tokens)
        try c.encode(averageLogProbability, forKey: .averageLogProbability)
        try c.encode(noSpeechProbability, forKey: .noSpeechProbability)
        try c.encodeIfPresent(speaker, forKey: .speaker)
        try c.encodeIfPresent(words, forKey: .words)
        try c.encodeIfPresent(language, forKey: .language)
        try c.encodeIfPresent(languageProbability, forKey: .languageProbability)
    }
}

extension TranscriptWord: Codable {
    private enum CodingKeys: String, CodingKey { case word, start, end, probability, speaker }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(word: try c.decode(String.self, forKey: .word), start: try c.decode(Double.self, forKey: .start),
                  end: try c.decode(Double.self, forKey: .end), probability: try c.decode(Double.self, forKey: .probability),
                  speaker: try c.decodeIfPresent(String.self, forKey: .speaker))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(word, forKey: .word)
        try c.encode(start, forKey: .start)
        try c.encode(end, forKey: .end)
        try c.encode(probability, forKey: .probability)
        try c.encodeIfPresent(speaker, forKey: .speaker)
    }
}
