import Foundation
import TandemCore
import TandemDSP

extension WhisperRecognizer {
    /// Transcribes only the stretches of 16 kHz mono `samples` that `regions` mark as speech (from a
    /// voice-activity or lip-activity detector), as faster-whisper's `clip_timestamps` restricts decoding
    /// to given clips: each region is decoded on its own, so silence and off-screen talk between them
    /// cannot produce hallucinated text.
    ///
    /// Regions are sorted and overlapping ones merged first. The prompt carries over from region to region
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
        let ranges = Self.sampleRanges(regions, sampleCount: samples.count)
        var session = try regionSession(options: options)
        if let first = ranges.first, session.needsLanguage {
            try session.detectLanguage(Array(samples[first.lowerBound..<min(samples.count, first.lowerBound + RegionSession.languageSamples)]))
        }
        var result: [WhisperSegment] = []
        for range in ranges { result += try session.transcribe(Array(samples[range]), at: range.lowerBound) }
        return result
    }

    /// Regions (seconds) as sorted, merged sample ranges within `0..<sampleCount` (nil: no upper bound).
    public static func sampleRanges(_ regions: [Segment], sampleCount: Int?) -> [Range<Int>] {
        let rate = Double(WhisperLogMel.sampleRate)
        let limit = sampleCount ?? Int.max
        var ranges: [Range<Int>] = []
        for region in regions.sorted(by: { $0.start < $1.start }) {
            let lower = max(0, min(limit, Int((region.start * rate).rounded())))
            let upper = max(0, min(limit, Int((region.end * rate).rounded())))
            guard upper > lower else { continue }
            if let last = ranges.last, lower <= last.upperBound {
                ranges[ranges.count - 1] = last.lowerBound..<max(last.upperBound, upper)
            } else {
                ranges.append(lower..<upper)
            }
        }
        return ranges
    }

    /// Starts decoding regions one at a time (see ``RegionSession``).
    /// - Throws: ``WhisperOptionsError`` when the model cannot honour the language or task asked for.
    public func regionSession(options: WhisperDecodingOptions = .init()) throws -> RegionSession {
        try check(options)
        return RegionSession(recognizer: self, options: options)
    }

    /// What ``transcribe(_:within:options:)`` carries from region to region — the language and the prompt —
    /// so regions can be decoded as their audio arrives and each released after (the `whisper` node's
    /// windows input): the caller never needs the whole recording.
    ///
    /// Not thread-safe: one session, one owner.
    public struct RegionSession {
        /// Samples from the first region's start that language detection reads (30 s).
        public static let languageSamples = WhisperLogMel.sampleRate * 30
        let recognizer: WhisperRecognizer
        var options: WhisperDecodingOptions
        var languageProbability: Double?
        /// faster-whisper's `all_tokens[prompt_reset_since:]`, carried across regions.
        var carried: [Int]
        var count = 0

        init(recognizer: WhisperRecognizer, options: WhisperDecodingOptions) {
            self.recognizer = recognizer
            self.options = options
            carried = options.initialPromptTokens
                ?? options.initialPrompt.map { recognizer.tokenizer.encode(" " + $0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? []
        }

        /// Whether the language must be detected (``detectLanguage(_:)``) before the first region.
        public var needsLanguage: Bool {
            recognizer.tokenizer.isMultilingual && options.language == WhisperDecodingOptions.autoLanguage
        }

        /// Detects the language from the samples from the first region's start on (the first `languageSamples` are read).
        public mutating func detectLanguage(_ samples: [Float]) throws {
            let detected = try recognizer.detectLanguage(samples)
            options.language = detected.language
            languageProbability = Double(detected.probability)
        }

        /// Decodes the next region (after every earlier one) whole.
        /// - Parameters:
        ///   - samples: the region's samples.
        ///   - offset: its first sample's index in the recording.
        /// - Returns: its segments on the recording's clock, numbered after the earlier regions'.
        public mutating func transcribe(_ samples: [Float], at offset: Int) throws -> [WhisperSegment] {
            let found = accept(try recognizer.transcribe(samples, options: regionOptions()), at: offset)
            endRegion()
            return found
        }

        /// A stream for the next region, prompted with the text carried so far: push the region's samples,
        /// hand what it returns to ``accept(_:at:)`` and call ``endRegion()`` after its `finish()`. It gives what
        /// ``transcribe(_:at:)`` gives whenever the region is at most 30 s plus `lookaheadSeconds` long.
        public func stream(lookaheadSeconds: Double) throws -> WhisperRecognizer.Stream {
            precondition(!needsLanguage, "detect the language before the first region")
            return try recognizer.stream(options: regionOptions(), lookaheadSeconds: lookaheadSeconds)
        }

        private func regionOptions() -> WhisperDecodingOptions {
            precondition(!needsLanguage, "detect the language before the first region")
            var regionOptions = options
            regionOptions.initialPromptTokens = carried
            regionOptions.initialPrompt = nil
            return regionOptions
        }

        /// Takes the current region's next segments (times from its start): moved onto the recording's clock,
        /// numbered, and their text carried as the next region's prompt.
        public mutating func accept(_ segments: [WhisperSegment], at offset: Int) -> [WhisperSegment] {
            let seconds = Double(offset) / Double(WhisperLogMel.sampleRate)
            var result: [WhisperSegment] = []
            for var segment in segments {
                if options.conditionOnPreviousText {
                    carried += segment.tokens
                    if segment.temperature > options.promptResetOnTemperature { carried = [] }
                }
                count += 1
                segment.id = count
                if let languageProbability { segment.languageProbability = languageProbability }
                segment.start += seconds
                segment.end += seconds
                segment.seek += offset / WhisperLogMel.hop
                segment.words = segment.words?.map { word in
                    var word = word
                    word.start += seconds
                    word.end += seconds
                    return word
                }
                result.append(segment)
            }
            return result
        }

        /// Ends the current region.
        public mutating func endRegion() {
            if !options.conditionOnPreviousText {
                carried = []
            }
            // The decoder reads at most the last 223 of them; keep a bounded tail over hours of regions.
            if carried.count > 1024 { carried = Array(carried.suffix(512)) }
        }
    }
}
