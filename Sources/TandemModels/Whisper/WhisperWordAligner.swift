import Foundation
import TandemCore

/// Word timestamps from the decoder's cross-attention, as faster-whisper computes them with
/// `word_timestamps=True` (`find_alignment`, `add_word_timestamps`; openai/whisper `timing.py` likewise).
///
/// For one 30 s window: the alignment heads' attention of every text token over the window's frames is
/// standardised per frame, median-filtered along time, averaged over heads, and a monotonic path through it
/// (DTW) says at which frame each token starts. Tokens are grouped into words, a word starts where its first
/// token's row of the path starts, and its probability is the mean of its tokens'. Then the references'
/// repairs: words at sentence ends or after a pause are cut to twice the median word length, punctuation is
/// merged into words, and segment bounds move to the first and last word unless those words are much longer.
public struct WhisperWordAligner: Sendable {
    public var tokenizer: WhisperTokenizer
    /// The transcript's language code; Chinese, Japanese, Thai, Lao, Burmese and Cantonese are cut into
    /// characters rather than at spaces.
    public var language: String?
    /// Punctuation joined to the word after it (faster-whisper's default).
    public var prependPunctuations = "\"'“¿([{-"
    /// Punctuation joined to the word before it (faster-whisper's default).
    public var appendPunctuations = "\"'.。,，!！?？:：”)]}、"
    /// Width, in attention frames, of the median filter along time.
    public var medianFilterWidth = 7

    /// Attention frames per second (one encoder position is 2 mel frames of 10 ms).
    static var framesPerSecond: Double { 50 }
    static var sentenceEndMarks: String { ".。!！?？" }

    public init(tokenizer: WhisperTokenizer, language: String? = nil) {
        self.tokenizer = tokenizer
        self.language = language
    }

    /// A word of one window with times in seconds from the window's start.
    struct Timing: Equatable {
        var word: String
        var tokens: [Int]
        var start: Double
        var end: Double
        var probability: Double
    }

    /// A segment of one window, its bounds possibly moved by its words.
    struct Span: Equatable {
        var start: Double
        var end: Double
        /// Its tokens, timestamps included.
        var tokens: [Int]
        var words: [TranscriptWord] = []
    }

    /// The sequence the decoder reads to align `textTokens`.
    func alignmentSequence(startSequence: [Int], textTokens: [Int]) -> [Int] {
        startSequence + [tokenizer.noTimestamps] + textTokens + [tokenizer.endOfText]
    }

    /// Words of `textTokens` with times from the window's start (faster-whisper `find_alignment`).
    /// - Parameters:
    ///   - scores: the decoder's pass over ``alignmentSequence(startSequence:textTokens:)``.
    ///   - startSequenceLength: tokens before `<|notimestamps|>`.
    func findAlignment(scores: WhisperAlignmentScores, startSequenceLength: Int, textTokens: [Int]) -> [Timing] {
        guard !textTokens.isEmpty else { return [] }
        let path = alignmentPath(scores: scores, startSequenceLength: startSequenceLength, textCount: textTokens.count)
        guard !path.isEmpty else { return [] }

        // The time at which the path first reaches each row.
        var jumpTimes: [Double] = []
        var previousRow = -1
        for step in path where step.row != previousRow {
            jumpTimes.append(Double(step.column) / Self.framesPerSecond)
            previousRow = step.row
        }
        let words = splitToWordTokens(textTokens + [tokenizer.endOfText])
        guard words.count > 1 else { return [] }
        var boundaries = [0]
        for word in words.dropLast() { boundaries.append(boundaries.last! + word.tokens.count) }
        let probabilities = (0..<textTokens.count).map { Double(scores.nextTokenProbabilities[startSequenceLength + $0]) }
        return (0..<words.count - 1).map { k in
            let (lower, upper) = (boundaries[k], boundaries[k + 1])
            let probability = probabilities[lower..<upper].reduce(0, +) / Double(upper - lower)
            return Timing(word: words[k].word, tokens: words[k].tokens, start: jumpTimes[lower], end: jumpTimes[upper],
                          probability: probability)
        }
    }

    /// The DTW path (text row, attention frame) through the heads' processed attention: rows from
    /// `<|notimestamps|>` to the last text token, so row i is the position that predicts text token i
    /// (CTranslate2 `compute_alignments`). Empty when there is nothing to align.
    func alignmentPath(scores: WhisperAlignmentScores, startSequenceLength: Int, textCount: Int) -> [(row: Int, column: Int)] {
        let (rows, columns) = (scores.tokenCount, scores.frameCount)
        guard textCount > 0, columns > 0, !scores.attention.isEmpty, startSequenceLength + textCount + 1 <= rows else { return [] }
        var mean = [Float](repeating: 0, count: rows * columns)
        for headAttention in scores.attention {
            var values = headAttention
            Self.standardizeColumns(&values, rows: rows, columns: columns)
            let filtered = Self.medianFilterRows(values, rows: rows, columns: columns, width: medianFilterWidth)
            for i in mean.indices { mean[i] += filtered[i] }
        }
        let headCount = Float(scores.attention.count)
        let matrixRows = textCount + 1
        let first = startSequenceLength * columns
        let matrix = mean[first..<first + matrixRows * columns].map { $0 / headCount }
        return Self.negativeDTW(matrix, rows: matrixRows, columns: columns)
    }

    /// Gives each span of one window its words and moves its bounds (faster-whisper `add_word_timestamps`).
    /// - Parameters:
    ///   - alignment: ``findAlignment(scores:startSequenceLength:textTokens:)`` of all the spans' text tokens.
    ///   - windowStart: seconds at which the window starts.
    ///   - lastSpeechTimestamp: end of the speech before this window, for the rule on words after a pause.
    func assignWords(to spans: inout [Span], alignment: [Timing], windowStart: Double, lastSpeechTimestamp: Double) {
        var alignment = alignment
        let durations = alignment.map { $0.end - $0.start }.filter { $0 != 0 }
        let medianDuration = min(0.7, Self.median(durations))
        let maxDuration = medianDuration * 2
        if !durations.isEmpty, alignment.count > 1 {
            // Words at sentence boundaries are not longer than twice the median word.
            for i in 1..<alignment.count where alignment[i].end - alignment[i].start > maxDuration {
                if Self.pythonContains(Self.sentenceEndMarks, alignment[i].word) {
                    alignment[i].end = alignment[i].start + maxDuration
                } else if Self.pythonContains(Self.sentenceEndMarks, alignment[i - 1].word) {
                    alignment[i].start = alignment[i].end - maxDuration
                }
            }
        }
        Self.mergePunctuations(&alignment, prepended: prependPunctuations, appended: appendPunctuations)

        var lastSpeechTimestamp = lastSpeechTimestamp
        var wordIndex = 0
        for s in spans.indices {
            let textTokenCount = spans[s].tokens.filter { $0 < tokenizer.endOfText }.count
            var savedTokens = 0
            var words: [TranscriptWord] = []
            while wordIndex < alignment.count && savedTokens < textTokenCount {
                let timing = alignment[wordIndex]
                if !timing.word.isEmpty {
                    words.append(TranscriptWord(word: timing.word, start: Self.roundToHundredths(windowStart + timing.start),
                                                end: Self.roundToHundredths(windowStart + timing.end), probability: timing.probability))
                }
                savedTokens += timing.tokens.count
                wordIndex += 1
            }
            if !words.isEmpty {
                // The first and second word after a pause are not longer than twice the median word.
                if words[0].end - lastSpeechTimestamp > medianDuration * 4,
                   words[0].end - words[0].start > maxDuration || (words.count > 1 && words[1].end - words[0].start > maxDuration * 2) {
                    if words.count > 1, words[1].end - words[1].start > maxDuration {
                        let boundary = max(words[1].end / 2, words[1].end - maxDuration)
                        words[0].end = boundary
                        words[1].start = boundary
                    }
                    words[0].start = max(0, words[0].end - maxDuration)
                }
                // The segment's own start is preferred when the first word is much longer.
                if spans[s].start < words[0].end && spans[s].start - 0.5 > words[0].start {
                    words[0].start = max(0, min(words[0].end - medianDuration, spans[s].start))
                } else {
                    spans[s].start = words[0].start
                }
                // Likewise its end when the last word is.
                let last = words.count - 1
                if spans[s].end > words[last].start && spans[s].end + 0.5 < words[last].end {
                    words[last].end = max(words[last].start + medianDuration, spans[s].end)
                } else {
                    spans[s].end = words[last].end
                }
                lastSpeechTimestamp = spans[s].end
            }
            spans[s].words = words
        }
    }

    /// The end of the last word of the spans, else the last span's end (faster-whisper `get_end`).
    static func end(of spans: [Span]) -> Double? {
        spans.reversed().lazy.compactMap { $0.words.last?.end }.first ?? spans.last?.end
    }

    /// numpy's `round(x, 2)`: scaled, rounded half to even, scaled back.
    static func roundToHundredths(_ x: Double) -> Double { (x * 100).rounded(.toNearestOrEven) / 100 }

    /// numpy's median: the middle value, or the mean of the two middle values; 0 for none.
    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
