import TandemCore

/// Where someone audibly speaks in the foreground, and who — the fusion's answer for one recording.
///
/// Times are seconds from the audio's first sample.
public struct SpeechMap: Sendable, Equatable {
    /// Label of speech no tracked face's lips account for (an interviewer, a narrator, no video at all).
    public static let offScreen = "off-screen"

    /// Foreground speech, merged and padded, cut where the speaker changes; `label` is the face
    /// whose lips move during it (`face<id>`) or `offScreen`; `score` is the mean audio voice probability.
    public var speech: [Segment]
    /// Stretches silent in both picture and sound (no lips move, the audio's voice probability is low):
    /// where the noise floor and the enhancer's noise spectrum are measured.
    public var quiet: [Segment]
    /// Median level (dBFS) of the quiet stretches (or of the quietest tenth of the recording when there
    /// are none); nil for empty audio.
    public var noiseFloor: Double?
    /// Where the audio's voice detector alone says speech (probability at least the fusion's speech
    /// threshold), whatever the level: bridged, filtered and padded as `speech` is, labelled `voice`, `score`
    /// the mean probability. It holds the speech the level test rejects — a voice at the background's level,
    /// or foreground speech under music whose spread raises the margin — which `SpeechFusion.keep` accepts
    /// only where Whisper is sure of its text. Empty without a voice detector (a level alone says nothing here).
    public var voiced: [Segment]
    /// Seconds of speech that the picture lifted from an unsure audio voice probability (lips moving clearly).
    public var liftedSeconds: Double
    /// The lip stretches (labelled `face<id>`) that name speakers: with the faces' mouth openings given to the
    /// fusion, only where the lips move with the sound (`LipSync`); without them, every lip stretch.
    public var speakers: [Segment]
    /// What was found and what was assumed, in sentences.
    public var notes: [String]

    public init(speech: [Segment], quiet: [Segment], noiseFloor: Double?, liftedSeconds: Double = 0, notes: [String] = [],
                voiced: [Segment] = [], speakers: [Segment] = []) {
        self.speech = speech
        self.speakers = speakers
        self.voiced = voiced
        self.quiet = quiet
        self.noiseFloor = noiseFloor
        self.liftedSeconds = liftedSeconds
        self.notes = notes
    }

    /// Total seconds of foreground speech.
    public var speechSeconds: Double { speech.reduce(0) { $0 + $1.end - $1.start } }

    /// Seconds of foreground speech no face's lips account for.
    public var offScreenSeconds: Double {
        speech.filter { $0.label == Self.offScreen }.reduce(0) { $0 + $1.end - $1.start }
    }

    /// Label of the `voiced` stretches.
    public static let voice = "voice"

    /// The speech stretch containing `time`, or the nearest one within `tolerance` seconds.
    public func stretch(near time: Double, within tolerance: Double) -> Segment? {
        Self.nearest(to: time, within: tolerance, in: speech)
    }

    /// The `voiced` stretch containing `time`, or the nearest one within `tolerance` seconds.
    public func voicedStretch(near time: Double, within tolerance: Double) -> Segment? {
        Self.nearest(to: time, within: tolerance, in: voiced)
    }

    static func nearest(to time: Double, within tolerance: Double, in list: [Segment]) -> Segment? {
        func distance(_ s: Segment) -> Double { max(s.start - time, time - s.end, 0) }
        var best: Segment?
        for s in list where distance(s) <= tolerance {
            if best.map({ distance(s) < distance($0) }) ?? true { best = s }
        }
        return best
    }
}
