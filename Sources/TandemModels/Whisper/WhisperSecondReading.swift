/// When Whisper is unsure of a window, a second reading of that window's speech alone, and the more
/// confident of the two kept.
///
/// Why: in noise the whole window (what Whisper reads by default) and the voice detector's speech stitched
/// together without the noise between (faster-whisper's `vad_filter`) each win on different recordings —
/// the stitched speech loses off-camera questions the detector misses, the whole window lets music or babble
/// between sentences pull the decoder off (Tools/eval/results/lip_assist.md, talk9 §4, talk10). Whisper's own
/// signals say which windows are at risk: a low average log-probability, a repetitive text (compression
/// ratio), a high no-speech probability, or a temperature fallback. Clean windows pass every test, so they
/// are read once and cost nothing more.
public struct WhisperSecondReading: Sendable, Hashable {
    /// A window whose average log-probability is below this is unsure. Chosen on the tuning split: every clean
    /// window's is above it, most 0 dB windows' below (talk10).
    public var unsureLogProbability = -0.5
    /// A window whose text compresses better than this (zlib) is unsure: Whisper's own repetition limit.
    public var unsureCompressionRatio = 2.4
    /// A window whose no-speech probability is above this is unsure.
    public var unsureNoSpeechProbability = 0.5
    /// A window decoded at a temperature above this (the fallback ran) is unsure.
    public var unsureTemperature: Float = 0

    public init() {}

    /// Whether the window's reading (its segments, which share one decoding result) is unsure.
    /// An empty reading is not: there is no text to doubt.
    public func isUnsure(_ window: [WhisperSegment]) -> Bool {
        window.contains {
            $0.averageLogProbability < unsureLogProbability || $0.compressionRatio > unsureCompressionRatio
                || $0.noSpeechProbability > unsureNoSpeechProbability || $0.temperature > unsureTemperature
        }
    }

    /// How confident a reading is: the average token log-probability, weighted by each segment's token count
    /// (segments of one window share their window's value, so one window gives exactly its own). nil when the
    /// reading has no segment.
    public static func confidence(_ reading: [WhisperSegment]) -> Double? {
        guard !reading.isEmpty else { return nil }
        var sum = 0.0, weight = 0.0
        for segment in reading {
            let w = Double(max(1, segment.tokens.count))
            sum += w * segment.averageLogProbability
            weight += w
        }
        return sum / weight
    }

    /// The reading to keep: the second when it has text and is more confident (length-normalised
    /// log-probability), else the first.
    public func preferred(first: [WhisperSegment], second: [WhisperSegment]) -> (segments: [WhisperSegment], tookSecond: Bool) {
        guard let b = Self.confidence(second) else { return (first, false) }
        guard let a = Self.confidence(first) else { return (first, false) }
        return b > a ? (second, true) : (first, false)
    }

    /// Segments grouped by the window that produced them (their `seek`), in order.
    public static func windows(_ segments: [WhisperSegment]) -> [[WhisperSegment]] {
        var groups: [[WhisperSegment]] = []
        for segment in segments {
            if let last = groups.last?.last, last.seek == segment.seek { groups[groups.count - 1].append(segment) } else { groups.append([segment]) }
        }
        return groups
    }
}

extension WhisperRecognizer {
    /// Reads one window again as faster-whisper's `vad_filter` would (Silero's speech stitched, times mapped
    /// back) and keeps the more confident reading (``WhisperSecondReading``).
    /// - Parameters:
    ///   - samples: the window's audio; `first`'s times are seconds from its first sample.
    ///   - first: the window's first reading.
    /// - Returns: the kept reading, times from `samples[0]`, and whether it is the second.
    public func reread(_ samples: [Float], first: [WhisperSegment], vad: SileroVAD, vadOptions: VADOptions = VADOptions(),
                       options: WhisperDecodingOptions, rule: WhisperSecondReading = WhisperSecondReading()) throws
        -> (segments: [WhisperSegment], tookSecond: Bool) {
        let second = try transcribe(samples, vadFilter: vad, vadOptions: vadOptions, options: options).segments
        return rule.preferred(first: first, second: second)
    }
}
