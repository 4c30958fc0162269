import TandemCore

/// An audio voice-activity probability series: one value per `hop` samples from the audio's first
/// sample (Silero VAD gives one per 512-sample chunk at 16 kHz).
///
/// The fusion reads it as "how sure the audio is that someone speaks"; it never needs the detector itself,
/// so any detector (or a test's script) can feed it.
public struct VoiceTrack: Sendable, Equatable {
    public var probabilities: [Float]
    /// Samples per value.
    public var hop: Int

    public init(probabilities: [Float], hop: Int) {
        precondition(hop > 0, "a voice track needs a positive hop")
        self.probabilities = probabilities
        self.hop = hop
    }

    /// The probability for the hop holding `sample`; 0 past the end (a detector that stopped early heard nothing there).
    public func probability(atSample sample: Int) -> Float {
        let index = sample / hop
        return index >= 0 && index < probabilities.count ? probabilities[index] : 0
    }
}
