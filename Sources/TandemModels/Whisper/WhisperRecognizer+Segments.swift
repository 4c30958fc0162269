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
    ///
    /// Regions that only touch (a recogniser's windows cut in pauses, as av-fusion's `listen: everything`
    /// sends them) are decoded as one stretch, each 30 s window holding real audio on both sides, as
    /// Whisper's own seek gives it; with `cutAtTouching` the place where two of them meet is a cut: a window's
    /// text stops there and the next window starts there (``WhisperTranscriber/Session/decode(window:segmentSize:contentFrames:emitUntil:)``),
    /// so no window starts inside a word or writes a phrase the one before it wrote.
    /// - Parameters:
    ///   - regions: times in seconds from `samples[0]`; parts outside the samples are ignored.
    ///   - cutAtTouching: make the boundaries of touching regions cuts (false: Whisper's own seek across them).
    /// - Returns: the segments of every region in time order, with times on the samples' clock and ids renumbered.
    public func transcribe(_ samples: [Float], within regions: [Segment], options: WhisperDecodingOptions = .init(),
                           cutAtTouching: Bool = true) throws -> [WhisperSegment] {
        let merged = Self.sampleRegions(regions, sampleCount: samples.count)
        var session = try regionSession(options: options)
        if let first = merged.first, session.needsLanguage {
            let start = first.range.lowerBound
            try session.detectLanguage(Array(samples[start..<min(samples.count, start + RegionSession.languageSamples)]))
        }
        var result: [WhisperSegment] = []
        for (range, cuts) in merged {
            result += try session.transcribe(Array(samples[range]), at: range.lowerBound,
                                             cuts: cutAtTouching ? cuts.map { $0 - range.lowerBound } : [])
        }
        return result
    }

    /// Regions (seconds) as sorted, merged sample ranges within `0..<sampleCount` (nil: no upper bound).
    public static func sampleRanges(_ regions: [Segment], sampleCount: Int?) -> [Range<Int>] {
        sampleRegions(regions, sampleCount: sampleCount).map(\.range)
    }

    /// Regions (seconds) as sorted, merged sample ranges within `0..<sampleCount` (nil: no upper bound), each
    /// with the samples inside it where two merged regions only touched (one ended where the next began).
    public static func sampleRegions(_ regions: [Segment], sampleCount: Int?) -> [(range: Range<Int>, cuts: [Int])] {
        var merged: [(range: Range<Int>, cuts: [Int])] = []
        for region in regions.sorted(by: { $0.start < $1.start }) {
            guard let range = sampleRange(region, sampleCount: sampleCount) else { continue }
            if let last = merged.last, range.lowerBound <= last.range.upperBound {
                var cuts = last.cuts
                if range.lowerBound == last.range.upperBound, range.upperBound > range.lowerBound { cuts.append(range.lowerBound) }
                // An overlapping region that reaches past a cut joins what the cut separated.
                cuts.removeAll { $0 > range.lowerBound && $0 < range.upperBound }
                merged[merged.count - 1] = (last.range.lowerBound..<max(last.range.upperBound, range.upperBound), cuts)
            } else {
                merged.append((range, []))
            }
        }
        return merged
    }

    /// One region (seconds) as samples within `0..<sampleCount` (nil: no upper bound); nil when empty there.
    /// The one place region times become sample positions.
    static func sampleRange(_ region: Segment, sampleCount: Int?) -> Range<Int>? {
        let rate = Double(WhisperLogMel.sampleRate)
        let limit = sampleCount ?? Int.max
        let lower = max(0, min(limit, Int((region.start * rate).rounded())))
        let upper = max(0, min(limit, Int((region.end * rate).rounded())))
        return upper > lower ? lower..<upper : nil
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
        public let recognizer: WhisperRecognizer
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
        ///   - cuts: samples of the region (from its start, sorted) where its windows' text must stop (see
        ///     ``WhisperRecognizer/transcribe(_:within:options:cutAtTouching:)``).
        public mutating func transcribe(_ samples: [Float], at offset: Int, cuts: [Int] = []) throws -> [WhisperSegment] {
            precondition(!needsLanguage, "detect the language before the first region")
            let found = accept(try recognizer.transcribe(samples, options: regionOptions(), cuts: cuts), at: offset)
            endRegion()
            return found
        }

        /// A stream for the next region, prompted with the text carried so far: push the region's samples,
        /// hand what it returns to ``accept(_:at:from:)`` and call ``endRegion()`` after its `finish()`. It gives what
        /// ``transcribe(_:at:)`` gives whenever the region is at most 30 s plus `lookaheadSeconds` long.
        ///
        /// With `languageFromFirstWindow` the language may still be undetected: the stream then detects it from
        /// its first window's encoder output (the one that window is decoded from, so it is encoded once) and
        /// ``accept(_:at:from:)`` takes it over for later regions. Leave it to the stream only when the region
        /// holds the 30 s from its start that ``detectLanguage(_:)`` would read (or runs to the recording's end).
        public func stream(lookaheadSeconds: Double) throws -> WhisperRecognizer.Stream {
            precondition(!needsLanguage || detectsLanguageOnFirstWindow, "detect the language before the first region")
            return try recognizer.stream(options: regionOptions(), lookaheadSeconds: lookaheadSeconds)
        }

        /// Whether a region's stream may detect the language itself (`languageFromFirstWindow`).
        public var detectsLanguageOnFirstWindow: Bool { options.languageFromFirstWindow }

        private func regionOptions() -> WhisperDecodingOptions {
            var regionOptions = options
            regionOptions.initialPromptTokens = carried
            regionOptions.initialPrompt = nil
            return regionOptions
        }

        /// Takes the current region's next segments (times from its start): moved onto the recording's clock,
        /// numbered, and their text carried as the next region's prompt; and the language `stream` detected,
        /// when it was still to be detected.
        public mutating func accept(_ segments: [WhisperSegment], at offset: Int, from stream: WhisperRecognizer.Stream? = nil) -> [WhisperSegment] {
            if needsLanguage, let detected = stream?.language {
                options.language = detected.code
                languageProbability = detected.probability
            }
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
