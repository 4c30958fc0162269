import Foundation

/// The rules applied to each step's logits before a token is chosen, in CTranslate2's order
/// (`src/decoding.cc` `make_logits_processors`, `src/models/whisper.cc` `ApplyTimestampRules`), which is
/// also openai/whisper's (`decoding.py`: SuppressBlank, SuppressTokens, ApplyTimestampRules):
///
/// 1. suppress tokens: never sample the given ids;
/// 2. suppress blank: at the first step, no space and no end of text;
/// 3. timestamp rules: `<|notimestamps|>` never; the first token is a timestamp no later than
///    `maxInitialTimestamp`; timestamps come in pairs (after a lone timestamp, another timestamp or end
///    of text; after a pair, text); timestamps never decrease; and when the timestamps together are more
///    probable than any single text token, a timestamp is forced.
///
/// Suppressing sets a logit to −∞.
public struct WhisperLogitFilter: Sendable {
    public var suppressed: [Int]
    public var suppressedAtBegin: [Int]
    /// `nil` when decoding without timestamps.
    public var timestamps: TimestampRules?

    public struct TimestampRules: Sendable {
        public var endOfText: Int
        public var noTimestamps: Int
        public var timestampBegin: Int
        /// Last timestamp id (the vocabulary's last id).
        public var timestampEnd: Int
        public var maxInitialTimestamp: Int

        public init(endOfText: Int, noTimestamps: Int, timestampBegin: Int, timestampEnd: Int, maxInitialTimestamp: Int) {
            self.endOfText = endOfText
            self.noTimestamps = noTimestamps
            self.timestampBegin = timestampBegin
            self.timestampEnd = timestampEnd
            self.maxInitialTimestamp = maxInitialTimestamp
        }
    }

    public init(suppressed: [Int], suppressedAtBegin: [Int], timestamps: TimestampRules?) {
        self.suppressed = suppressed
        self.suppressedAtBegin = suppressedAtBegin
        self.timestamps = timestamps
    }

    /// Applies the rules for one row.
    /// - Parameters:
    ///   - step: 0 for the first sampled token.
    ///   - logits: the row's logits, changed in place.
    ///   - sampled: the tokens this row sampled so far (`step` of them).
    public func apply(step: Int, logits: inout [Float], sampled: ArraySlice<Int>) {
        let vocabulary = logits.count
        for id in suppressed where id >= 0 && id < vocabulary { logits[id] = -.infinity }
        if step == 0 {
            for id in suppressedAtBegin where id >= 0 && id < vocabulary { logits[id] = -.infinity }
        }
        guard let rules = timestamps else { return }
        let end = min(rules.timestampEnd, vocabulary - 1)
        func suppress(_ range: ClosedRange<Int>) {
            guard range.lowerBound <= range.upperBound else { return }
            for id in range { logits[id] = -.infinity }
        }
        logits[rules.noTimestamps] = -.infinity
        var checkTimestampMass = false
        if step == 0 {
            suppress(0...(rules.timestampBegin - 1))
            if rules.maxInitialTimestamp + 1 <= end { suppress((rules.maxInitialTimestamp + 1)...end) }
        } else {
            let last = sampled[sampled.startIndex + step - 1]
            if last >= rules.timestampBegin {
                let penultimate = step >= 2 ? sampled[sampled.startIndex + step - 2] : last
                if penultimate >= rules.timestampBegin {
                    suppress(rules.timestampBegin...end)
                } else {
                    suppress(0...(rules.endOfText - 1))
                    if last > rules.timestampBegin { suppress(rules.timestampBegin...(last - 1)) }
                    checkTimestampMass = true
                }
            } else {
                checkTimestampMass = true
                if let lastTimestamp = sampled.prefix(step).last(where: { $0 >= rules.timestampBegin }) {
                    suppress(rules.timestampBegin...lastTimestamp)
                }
            }
        }
        guard checkTimestampMass else { return }
        // log P(any timestamp) > max log P(text token); both sides share the softmax normaliser, so the
        // comparison is made on the logits themselves.
        var maxText = -Float.infinity
        for id in 0..<rules.timestampBegin { maxText = max(maxText, logits[id]) }
        let timestampMass = WhisperMath.logSumExp(logits[rules.timestampBegin...end])
        if timestampMass > maxText { suppress(0...(rules.timestampBegin - 1)) }
    }
}
