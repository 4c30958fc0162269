/// Speech spans from per-chunk speech probabilities, by faster-whisper 1.2.1's rules
/// (`vad.get_speech_timestamps`), so `vad_filter` keeps exactly the audio faster-whisper keeps.
///
/// A span starts at the first chunk at or above `threshold`; it ends at the first chunk below the
/// negative threshold that is followed by `minSilenceDurationMs` without speech (the end is where
/// that silence began). Spans longer than `maxSpeechDurationSeconds` (less one chunk and both pads)
/// are cut at the last silence of more than 98 ms, or else right there. A span still open at the
/// end runs to the last sample. Then every span is padded by `speechPadMs` on both sides, or, where
/// two spans are closer than two pads, both meet in the middle of the gap.
public enum SpeechTimestamps {
    /// The speech spans of a signal.
    /// - Parameters:
    ///   - probabilities: one per 512-sample chunk (`SileroVAD.speechProbabilities`).
    ///   - sampleCount: the signal's length before padding; spans never pass it.
    ///   - options: the rules' parameters.
    ///   - sampleRate: of the signal (the model's chunks are 512 samples at 16 kHz).
    /// - Returns: sample ranges, in order, disjoint.
    /// - Complexity: O(probabilities.count).
    public static func compute(probabilities: [Float], sampleCount: Int, options: VADOptions = VADOptions(),
                               sampleRate: Int = SileroVAD.sampleRate) -> [Range<Int>] {
        let window = SileroVAD.chunkSize
        let rate = Double(sampleRate)
        // faster-whisper keeps these as floats and compares integers with them: do the same.
        let minSpeechSamples = rate * Double(options.minSpeechDurationMs) / 1000
        let speechPadSamples = rate * Double(options.speechPadMs) / 1000
        let maxSpeechSamples = rate * options.maxSpeechDurationSeconds - Double(window) - 2 * speechPadSamples
        let minSilenceSamples = rate * Double(options.minSilenceDurationMs) / 1000
        let minSilenceSamplesAtMaxSpeech = rate * 98 / 1000
        let threshold = options.threshold
        let negativeThreshold = options.effectiveNegativeThreshold

        var triggered = false
        var speeches: [(start: Int, end: Int)] = []
        var currentStart: Int?
        var tempEnd = 0, prevEnd = 0, nextStart = 0

        for (i, probability) in probabilities.enumerated() {
            let position = window * i
            if probability >= threshold && tempEnd != 0 {
                tempEnd = 0
                if nextStart < prevEnd { nextStart = position }
            }
            if probability >= threshold && !triggered {
                triggered = true
                currentStart = position
                continue
            }
            if triggered, let start = currentStart, Double(position - start) > maxSpeechSamples {
                if prevEnd != 0 {
                    speeches.append((start, prevEnd))
                    currentStart = nil
                    // Already in silence (below the negative threshold) and still not speech: stop.
                    if nextStart < prevEnd {
                        triggered = false
                    } else {
                        currentStart = nextStart
                    }
                    prevEnd = 0; nextStart = 0; tempEnd = 0
                } else {
                    speeches.append((start, position))
                    currentStart = nil
                    prevEnd = 0; nextStart = 0; tempEnd = 0
                    triggered = false
                    continue
                }
            }
            if probability < negativeThreshold && triggered {
                if tempEnd == 0 { tempEnd = position }
                // Remember a silence long enough to cut at if the span grows too long.
                if Double(position - tempEnd) > minSilenceSamplesAtMaxSpeech { prevEnd = tempEnd }
                if Double(position - tempEnd) < minSilenceSamples { continue }
                if let start = currentStart, Double(tempEnd - start) > minSpeechSamples {
                    speeches.append((start, tempEnd))
                }
                currentStart = nil
                prevEnd = 0; nextStart = 0; tempEnd = 0
                triggered = false
                continue
            }
        }
        if let start = currentStart, Double(sampleCount - start) > minSpeechSamples {
            speeches.append((start, sampleCount))
        }

        // Padding, in faster-whisper's order: each span's end and the next span's start move together.
        for i in speeches.indices {
            if i == 0 {
                speeches[i].start = Int(max(0, Double(speeches[i].start) - speechPadSamples))
            }
            if i != speeches.count - 1 {
                let silence = speeches[i + 1].start - speeches[i].end
                if Double(silence) < 2 * speechPadSamples {
                    // Python's `//` floors; spans never overlap here, but keep its rounding anyway.
                    let half = Int((Double(silence) / 2).rounded(.down))
                    speeches[i].end += half
                    speeches[i + 1].start = max(0, speeches[i + 1].start - half)
                } else {
                    speeches[i].end = Int(min(Double(sampleCount), Double(speeches[i].end) + speechPadSamples))
                    speeches[i + 1].start = Int(max(0, Double(speeches[i + 1].start) - speechPadSamples))
                }
            } else {
                speeches[i].end = Int(min(Double(sampleCount), Double(speeches[i].end) + speechPadSamples))
            }
        }
        return speeches.map { $0.start..<max($0.start, $0.end) }
    }
}
