import Foundation
import TandemNN

/// Greedy, beam and sampling search over a ``WhisperModelProtocol``, following CTranslate2's
/// `GreedySearch` / `BeamSearch` (`src/decoding.cc`) so tokens equal faster-whisper's:
///
/// - the prompt except its last token is run through the decoder first; the last token (`<|startoftranscript|>`
///   or `<|notimestamps|>`) starts the search;
/// - beam search keeps `beamSize` beams, looks at `2 × beamSize` candidates per step, moves a candidate that
///   ends (end of text) to the finished list and replaces it by the next unfinished candidate, and stops
///   once `round(beamSize × patience)` hypotheses have finished; the first step expands one row only;
/// - finished hypotheses are ranked by `sum / length ^ lengthPenalty`;
/// - at most `min(maxLength / 2, maxLength − promptLength + 1)` tokens are sampled;
/// - the no-speech probability is read from the logits that follow `<|startoftranscript|>` (CTranslate2's
///   `sot_index`, openai/whisper's `probs_at_sot`), not from the first sampling step: with a multilingual
///   prompt (start, language, task) those differ.
struct WhisperSearch<Model: WhisperModelProtocol> {
    let model: Model
    let filter: WhisperLogitFilter
    let endOfText: Int
    let noSpeech: Int
    let startOfTranscript: Int
    var maxLength = 448

    /// Runs one search.
    /// - Parameters:
    ///   - temperature: 0 for greedy/beam search, else random sampling of `bestOf` candidates.
    func run(encoded: Model.Encoded, prompt: [Int], options: WhisperDecodingOptions, temperature: Float,
             generator: inout some RandomNumberGenerator) throws -> WhisperSearchResult {
        precondition(!prompt.isEmpty, "a Whisper prompt holds at least <|startoftranscript|>")
        var cache = try model.makeCache(for: encoded)
        let startStep = prompt.count - 1
        // When tokens follow <|startoftranscript|> in the prompt, the prompt pass stops after it once to read
        // the no-speech probability there; otherwise the first step's logits are those.
        var noSpeechAtStart: Float?
        if let start = prompt.lastIndex(of: startOfTranscript), start < startStep {
            noSpeechAtStart = noSpeechProbability(try model.decode([Array(prompt[...start])], cache: &cache)[0])
            if start + 1 < startStep { _ = try model.decode([Array(prompt[(start + 1)..<startStep])], cache: &cache) }
        } else if startStep > 0 {
            _ = try model.decode([Array(prompt.dropLast())], cache: &cache)
        }
        let steps = min(maxLength / 2, maxLength - startStep)
        if temperature > 0 {
            return try sample(cache: &cache, start: prompt.last!, steps: steps, rows: max(1, options.bestOf),
                              temperature: temperature, lengthPenalty: options.lengthPenalty, noSpeechAtStart: noSpeechAtStart,
                              generator: &generator)
        }
        if options.beamSize <= 1 {
            return try sample(cache: &cache, start: prompt.last!, steps: steps, rows: 1, temperature: 0,
                              lengthPenalty: options.lengthPenalty, noSpeechAtStart: noSpeechAtStart, generator: &generator)
        }
        return try beam(cache: &cache, start: prompt.last!, steps: steps, width: options.beamSize,
                        patience: options.patience, lengthPenalty: options.lengthPenalty, noSpeechAtStart: noSpeechAtStart)
    }

    private func noSpeechProbability(_ logits: [Float]) -> Float {
        guard noSpeech < logits.count else { return 0 }
        return WhisperMath.softmax(logits)[noSpeech]
    }

    private func finalScore(_ sum: Float, length: Int, lengthPenalty: Float) -> Float {
        sum / powf(Float(length), lengthPenalty)
    }

    /// Greedy search (temperature 0, one row) or independent random samples (one row each).
    private func sample(cache: inout Model.Cache, start: Int, steps: Int, rows: Int, temperature: Float,
                        lengthPenalty: Float, noSpeechAtStart: Float?, generator: inout some RandomNumberGenerator) throws -> WhisperSearchResult {
        if rows > 1 { model.selectRows([Int](repeating: 0, count: rows), cache: &cache) }
        var sequences = [[Int]](repeating: [], count: rows)
        var sums = [Float](repeating: 0, count: rows)
        var finished = [Bool](repeating: false, count: rows)
        var input = [[Int]](repeating: [start], count: rows)
        var noSpeech: Float = 0
        for step in 0..<steps {
            let logits = try model.decode(input, cache: &cache)
            if step == 0 { noSpeech = noSpeechAtStart ?? noSpeechProbability(logits[0]) }
            for row in 0..<rows where !finished[row] {
                var rowLogits = logits[row]
                filter.apply(step: step, logits: &rowLogits, sampled: sequences[row][...])
                let logProbabilities = WhisperMath.logSoftmax(rowLogits)
                let token = temperature > 0
                    ? Self.draw(logProbabilities, temperature: temperature, generator: &generator)
                    : Self.argmax(logProbabilities)
                sums[row] += logProbabilities[token]
                if token == endOfText || step == steps - 1 {
                    finished[row] = true
                    if token != endOfText { sequences[row].append(token) }
                } else {
                    sequences[row].append(token)
                }
                input[row] = [token]
            }
            if !finished.contains(false) { break }
        }
        var best: WhisperSearchResult?
        for row in 0..<rows {
            let score = finalScore(sums[row], length: sequences[row].count, lengthPenalty: lengthPenalty)
            if best == nil || score > best!.score {
                best = WhisperSearchResult(tokens: sequences[row], sumLogProbability: sums[row], score: score, noSpeechProbability: noSpeech)
            }
        }
        return best!
    }

    private func beam(cache: inout Model.Cache, start: Int, steps: Int, width: Int, patience: Float,
                      lengthPenalty: Float, noSpeechAtStart: Float?) throws -> WhisperSearchResult {
        let candidates = 2 * width
        let maxFinished = Int((Float(width) * patience).rounded())
        var beams: [[Int]] = [[]]
        var scores: [Float] = [0]
        var input: [[Int]] = [[start]]
        var finished: [(tokens: [Int], sum: Float)] = []
        var noSpeech: Float = 0
        for step in 0..<steps {
            let logits = try model.decode(input, cache: &cache)
            if step == 0 { noSpeech = noSpeechAtStart ?? noSpeechProbability(logits[0]) }
            // Every (row, token) with its cumulated log probability; keep the `candidates` best. Each row's
            // best are found on its own (in parallel: filtering and normalising 51864 logits per row is the
            // search's main cost), then merged in row order with the same tie rule as one pass over all rows.
            let rows = beams.count
            let perRow: [[Candidate]] = ComputeThreads.parallelMap(rows) { row in
                var rowLogits = logits[row]
                filter.apply(step: step, logits: &rowLogits, sampled: beams[row][...])
                let logProbabilities = WhisperMath.logSoftmax(rowLogits)
                var top: [Candidate] = []
                top.reserveCapacity(candidates + 1)
                for (token, value) in logProbabilities.enumerated() {
                    Self.insert(Candidate(score: value + scores[row], row: row, token: token), into: &top, keeping: candidates)
                }
                return top
            }
            var top: [Candidate] = []
            top.reserveCapacity(candidates + 1)
            for rowTop in perRow {
                for candidate in rowTop { Self.insert(candidate, into: &top, keeping: candidates) }
            }
            let lastStep = step == steps - 1
            var nextBeams: [[Int]] = []
            var nextScores: [Float] = []
            var origins: [Int] = []
            var secondary = width
            for k in 0..<min(width, top.count) {
                var chosen = k
                let candidate = top[k]
                if candidate.token == endOfText || lastStep {
                    var tokens = beams[candidate.row]
                    if candidate.token != endOfText { tokens.append(candidate.token) }
                    finished.append((tokens, candidate.score))
                    // Replace it by the next candidate that does not end.
                    for j in secondary..<top.count where top[j].token != endOfText {
                        chosen = j
                        secondary = j + 1
                        break
                    }
                }
                let next = top[chosen]
                nextBeams.append(beams[next.row] + [next.token])
                nextScores.append(next.score)
                origins.append(next.row)
            }
            if lastStep || finished.count >= maxFinished { break }
            model.selectRows(origins, cache: &cache)
            beams = nextBeams
            scores = nextScores
            input = nextBeams.map { [$0.last!] }
        }
        var best: WhisperSearchResult?
        for hypothesis in finished {
            let score = finalScore(hypothesis.sum, length: hypothesis.tokens.count, lengthPenalty: lengthPenalty)
            if best == nil || score > best!.score {
                best = WhisperSearchResult(tokens: hypothesis.tokens, sumLogProbability: hypothesis.sum, score: score,
                                           noSpeechProbability: noSpeech)
            }
        }
        return best ?? WhisperSearchResult(tokens: [], sumLogProbability: 0, score: 0, noSpeechProbability: noSpeech)
    }

    typealias Candidate = (score: Float, row: Int, token: Int)

    /// Inserts a candidate into `top` (best first, at most `limit`), after any of equal score: among
    /// equal scores the one seen first stays ahead.
    @inline(__always)
    static func insert(_ candidate: Candidate, into top: inout [Candidate], keeping limit: Int) {
        if top.count == limit, candidate.score <= top[limit - 1].score { return }
        var position = top.count
        while position > 0, top[position - 1].score < candidate.score { position -= 1 }
        top.insert(candidate, at: position)
        if top.count > limit { top.removeLast() }
    }

    static func argmax(_ x: [Float]) -> Int {
        var best = 0
        for i in 1..<x.count where x[i] > x[best] { best = i }
        return best
    }

    /// Draws from `softmax(logProbabilities / temperature)`.
    static func draw(_ logProbabilities: [Float], temperature: Float, generator: inout some RandomNumberGenerator) -> Int {
        let probabilities = WhisperMath.softmax(logProbabilities.map { $0 / temperature })
        var threshold = Float.random(in: 0..<1, using: &generator)
        for (i, p) in probabilities.enumerated() {
            threshold -= p
            if threshold < 0 { return i }
        }
        return argmax(logProbabilities)
    }
}
