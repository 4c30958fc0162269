import TandemDSP

/// Which lip-assistance fusions to apply; each is switchable so its effect can be measured.
public struct LipAssistOptions: Sendable, Hashable {
    /// Keep text only where the on-screen speaker is speaking (and decode nothing when nobody does),
    /// so noise-only stretches cannot produce words.
    public var gate = true
    /// Clean the audio with a spectral gain whose noise spectrum comes from the stretches the lips
    /// say are silent.
    /// Off by default: on Tools/eval/lip_assist_eval.py's grid it raised Whisper tiny.en's mean WER at
    /// 0 and −5 dB (0.798 → 0.811, 0.880 → 0.923) while lowering it at 5 dB (0.443 → 0.413).
    public var enhance = false
    /// Cut the recogniser's windows (at most `windowSeconds`) in visual silences instead of every 30 s.
    public var segment = true
    /// Enhance only when the SNR estimated from visual speech vs visual silence is below this
    /// (dB); nil always enhances. Spectral gains distort clean speech, and a small recogniser loses
    /// more from that distortion than it gains from removing noise it was never bothered by
    /// (Tools/eval/lip_assist_eval.py measures both settings).
    public var enhanceBelowSNR: Double? = 5
    /// Enhance only when the noise in the visual silences fluctuates less than this (dB, see
    /// `SpeechEnhancer.noiseFluctuation`); nil: whatever the noise. A fixed noise spectrum cannot
    /// follow music's notes, and the gain then carves holes in the speech (Tools/eval: WER 0.64 → 1.79
    /// on one music clip at 0 dB); stationary noise (≈ 1.5 dB) and babble (≈ 7.5 dB) stay below 10 dB.
    public var enhanceMaxNoiseFluctuation: Double? = 10
    /// The enhancer's suppression rule.
    public var enhancementRule: SpectralGain = .mmseLSA
    /// Seconds trimmed from each end of a silence before it is used as noise (speech onsets and
    /// tails leak into the padding around visual segments).
    public var noiseMargin = 0.1
    /// When gating, text from a window Whisper rates this likely to hold no speech (and whose average
    /// log-probability is below −1) is dropped; nil keeps it (Whisper's own 0.6 / −1 skip still applies).
    /// Off by default: with word-level gating it only removed misheard speech the lips vouch for
    /// (Tools/eval, 12 clips at −5 dB with 2 s pauses: WER 0.983 at 0.5, 0.955 off; no other change).
    public var gatedNoSpeechThreshold: Double? = nil
    /// When gating, text whose middle lies within this many seconds of visual speech is kept (its
    /// times then clamped to the speech): Whisper's segment times in noise are rough, and a stricter
    /// rule dropped correctly heard sentences.
    public var textTolerance = 1.0
    /// When gating segments that carry word times, a word whose middle lies more than this many
    /// seconds from visual speech is dropped. 0.5 s is the margin Tools/eval/lip_assist_eval.py
    /// allows around true speech before a word counts as "in silence", chosen before measuring,
    /// not tuned on its clips: Whisper's word times are far tighter than its segment times, and the
    /// lips' onsets and offsets are off by a few frames.
    public var wordTolerance = 0.5
    /// Longest window the recogniser takes at once.
    public var windowSeconds = 30.0

    public init(gate: Bool = true, enhance: Bool = false, segment: Bool = true) {
        self.gate = gate
        self.enhance = enhance
        self.segment = segment
    }

    /// Everything off: plain audio-only recognition.
    public static let audioOnly = LipAssistOptions(gate: false, enhance: false, segment: false)
}
