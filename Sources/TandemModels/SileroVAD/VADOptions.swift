/// How speech probabilities become speech spans: faster-whisper's `VadOptions`, same defaults.
public struct VADOptions: Sendable, Hashable, Codable {
    /// A chunk whose probability is at least this starts (or continues) speech.
    public var threshold: Float = 0.5
    /// Below this, a chunk is silence even inside speech; nil derives `max(threshold − 0.15, 0.01)`.
    /// Between the two thresholds, a chunk keeps whatever state the previous one had.
    public var negativeThreshold: Float?
    /// Spans shorter than this are dropped (0 keeps all).
    public var minSpeechDurationMs: Int = 0
    /// Spans longer than this are split, at the last silence of more than 98 ms when there is one.
    public var maxSpeechDurationSeconds: Double = .infinity
    /// Silence shorter than this inside speech does not end it.
    public var minSilenceDurationMs: Int = 2000
    /// Each span is widened by this much on both sides (half the gap when two spans are closer).
    public var speechPadMs: Int = 400

    public init(threshold: Float = 0.5, negativeThreshold: Float? = nil, minSpeechDurationMs: Int = 0,
                maxSpeechDurationSeconds: Double = .infinity, minSilenceDurationMs: Int = 2000, speechPadMs: Int = 400) {
        self.threshold = threshold
        self.negativeThreshold = negativeThreshold
        self.minSpeechDurationMs = minSpeechDurationMs
        self.maxSpeechDurationSeconds = maxSpeechDurationSeconds
        self.minSilenceDurationMs = minSilenceDurationMs
        self.speechPadMs = speechPadMs
    }

    /// The silence threshold in force.
    public var effectiveNegativeThreshold: Float { negativeThreshold ?? max(threshold - 0.15, 0.01) }
}
