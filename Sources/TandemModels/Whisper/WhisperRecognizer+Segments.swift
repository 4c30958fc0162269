import Foundation
import TandemCore
import TandemDSP

extension WhisperRecognizer {
    /// Transcribes only the stretches of 16 kHz mono `samples` that `regions` mark as speech (from a
    /// voice-activity or lip-activity detector), as faster-whisper's `clip_timestamps` restricts decoding
    /// to given clips: each region is decoded on its own, so silence and off-screen talk between them
    /// cannot produce hallucinated text.
    ///
    /// Regions are sorted and overlapping ones merged first; regions that only touch stay apart, as the
    /// clips of `clip_timestamps` do (faster-whisper never lets a window run past its clip's end). That
    /// is what lets a caller cut a long recording into windows at pauses it knows (the `av-fusion`
    /// node's windows touch end to start): merged back, Whisper's own seek would place the next 30 s
    /// window at the last timestamp it wrote, which can fall inside a word it could not read, and a
    /// window opening on half a word is the one decoded at every fallback temperature. The prompt carries over from region to region
    /// exactly as it does from window to window, which is what faster-whisper does between the clips of
    /// `clip_timestamps`: the tokens of all text since the last reset (the `initialPrompt` first), of which
    /// the decoder sees the last 223; with `conditionOnPreviousText` off, or after a window decoded above
    /// `promptResetOnTemperature`, the prompt starts again empty (so the initial prompt reaches only the
    /// first window).
    /// With `language` `auto` on a multilingual model the language is detected once, on the 30 s from the
    /// first region's start (as faster-whisper detects from the first clip of `clip_timestamps`), and every
    /// region is decoded in it: a short region alone is too little to tell the language by.
    /// - Parameters:
    ///   - regions: times in seconds from `samples[0]`; parts outside the samples are ignored.
    /// - Returns: the segments of every region in time order, with times on the samples' clock and ids renumbered.
    public func transcribe(_ samples: [Float], within regions: [Segment], options: WhisperDecodingOptions = .init()) throws -> [WhisperSegment] {
        let rate = Double(WhisperLogMel.sampleRate)
        var ranges: [Range<Int>] = []
        for region in regions.sorted(by: { $0.start < $1.start }) {
            let lower = max(0, min(samples.count, Int((region.start * rate).rounded())))
            let upper = max(0, min(samples.count, Int((region.end * rate).rounded())))
            guard upper > lower else { continue }
            if let last = ranges.last, lower < last.upperBound {
                ranges[ranges.count - 1] = last.lowerBound..<max(last.upperBound, upper)
            } else {
                ranges.append(lower..<upper)
            }
        }
        try check(options)
        var options = options
        var languageProbability: Double?
        if tokenizer.isMultilingual, options.language == WhisperDecodingOptions.autoLanguage, let first = ranges.first {
            let detected = try detectLanguage(Array(samples[first.lowerBound...]))
            options.language = detected.language
            languageProbability = Double(detected.probability)
        }
        var result: [WhisperSegment] = []
        // faster-whisper's `all_tokens[prompt_reset_since:]`, carried across regions.
        var carried: [Int] = options.initialPromptTokens
            ?? options.initialPrompt.map { tokenizer.encode(" " + $0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? []
        for range in ranges {
            var regionOptions = options
            regionOptions.initialPromptTokens = carried
            regionOptions.initialPrompt = nil
            let offset = Double(range.lowerBound) / rate
            let segments = try transcribe(Array(samples[range]), options: regionOptions)
            for var segment in segments {
                segment.id = result.count + 1
                if let languageProbability { segment.languageProbability = languageProbability }
                segment.start += offset
                segment.end += offset
                segment.seek += range.lowerBound / WhisperLogMel.hop
                segment.words = segment.words?.map { word in
                    var word = word
                    word.start += offset
                    word.end += offset
                    return word
                }
                result.append(segment)
            }
            if !options.conditionOnPreviousText {
                carried = []
            }
            for segment in segments where options.conditionOnPreviousText {
                carried += segment.tokens
                if segment.temperature > options.promptResetOnTemperature { carried = [] }
            }
            // The decoder reads at most the last 223 of them; keep a bounded tail over hours of regions.
            if carried.count > 1024 { carried = Array(carried.suffix(512)) }
        }
        return result
    }
}
