import TandemCore

extension SpeechFusion {
    /// Stretches of a recording where no text the fusion's gate keeps can come from, so recognition need not
    /// read them: no frame's voice probability reaches `voiceFloor` there or within `voicelessMargin` of it.
    ///
    /// The gate (`keep(_:map:lips:rules:)`) keeps a word only near or across foreground speech or the detector's
    /// voice. Every frame of either has a voice probability of at least `speechThreshold − voicedHysteresis`,
    /// or of `liftThreshold` where moving lips lift it, and padding, bridging and the word tolerances reach
    /// well under a second from such frames. Whisper decoding noise or music with no voice runs its
    /// temperature fallback (2 s of full-scale noise: 15–20 CPU s) and the gate then drops all it wrote; after a
    /// long music intro its prompt and language come from that music too. The lips are known only at the end
    /// of the video, so the stretches are judged by the audio alone, as the windows are cut, against the
    /// lowest probability the lips could lift.
    ///
    /// A run of frames under `voiceFloor` is skipped from `voicelessMargin` after the voice before it to
    /// `voicelessMargin` before the voice after it (to the recording's edge where there is none) when that
    /// leaves at least `voicelessMinimum` seconds, or when the whole recording has no voice. Shorter runs stay:
    /// a pause of a few seconds shares its 30 s Whisper window with the speech around it, and cutting it out
    /// would split one decoded stretch into two.
    ///
    /// Fed as the voice probabilities arrive; a window is taken apart (`pieces(of:)`) once `settled` has
    /// passed its end. Holds the stretches found and not yet passed, never the probabilities.
    public struct VoicelessStretches: Sendable {
        public let hop: Int
        public let sampleRate: Int
        /// The lowest voice probability a frame of kept text can have (`lowestKeptProbability(lifting:)`).
        public let voiceFloor: Float
        public let margin: Double
        public let minimum: Double
        let hopSeconds: Double
        private var frames = 0
        /// The first frame of the voiceless run going on now.
        private var runStart: Int? = 0
        /// Skipped stretches found and not yet passed by a window, in time order.
        private var found: [(start: Double, end: Double)] = []
        private var duration: Double?
        /// Seconds skipped so far.
        public private(set) var skippedSeconds = 0.0

        /// - Parameters:
        ///   - hop: samples per voice probability.
        ///   - voiceFloor: probability from which a frame counts as possible voice.
        public init(configuration: Configuration = Configuration(), hop: Int, sampleRate: Int, voiceFloor: Float) {
            self.hop = hop
            self.sampleRate = sampleRate
            self.voiceFloor = voiceFloor
            margin = configuration.voicelessMargin
            minimum = configuration.voicelessMinimum
            hopSeconds = Double(hop) / Double(sampleRate)
        }

        /// Takes the next frames' voice probabilities.
        public mutating func append<C: Collection>(_ probabilities: C) where C.Element == Float {
            precondition(duration == nil, "append after finish")
            for p in probabilities {
                if p >= voiceFloor {
                    if let start = runStart { close(start, at: Double(frames) * hopSeconds, edge: false) }
                    runStart = nil
                } else if runStart == nil {
                    runStart = frames
                }
                frames += 1
            }
        }

        /// Ends the recording (`sampleCount` samples): a voiceless run at its end is skipped to the end.
        public mutating func finish(sampleCount: Int) {
            let end = Double(sampleCount) / Double(sampleRate)
            if let start = runStart { close(start, at: end, edge: true) }
            runStart = nil
            duration = end
        }

        private mutating func close(_ start: Int, at end: Double, edge: Bool) {
            let from = start == 0 ? 0 : Double(start) * hopSeconds + margin
            let to = edge ? end : end - margin
            guard to - from >= minimum || (start == 0 && edge && to > from) else { return }
            found.append((from, to))
            skippedSeconds += to - from
        }

        /// The voiceless run going on now, as far as it is certain to be skipped.
        private var openStretch: (start: Double, end: Double)? {
            guard let start = runStart, duration == nil else { return nil }
            let from = start == 0 ? 0 : Double(start) * hopSeconds + margin
            let to = Double(frames) * hopSeconds - margin
            return to - from >= minimum ? (from, to) : nil
        }

        /// Seconds from the recording's start before which every instant is known to be skipped or not.
        public var settled: Double {
            if duration != nil { return .infinity }
            guard let start = runStart else { return Double(frames) * hopSeconds }
            return openStretch?.end ?? Double(start) * hopSeconds
        }

        /// `window` without the skipped stretches: the pieces recognition must read (none when it has no voice).
        /// Stretches wholly before the window's end are forgotten, so windows must come in time order.
        /// - Precondition: `window.end <= settled`.
        public mutating func pieces(of window: Segment) -> [Segment] {
            precondition(window.end <= settled + 1e-9, "window \(window.start)–\(window.end) s ends after \(settled) s, what is known")
            var pieces: [Segment] = []
            var cursor = window.start
            for stretch in found + (openStretch.map { [$0] } ?? []) where stretch.end > window.start && stretch.start < window.end {
                if stretch.start > cursor { pieces.append(Segment(start: cursor, end: stretch.start, label: window.label, score: window.score)) }
                cursor = max(cursor, stretch.end)
            }
            if window.end > cursor { pieces.append(Segment(start: cursor, end: window.end, label: window.label, score: window.score)) }
            found.removeAll { $0.end <= window.end }
            return pieces
        }
    }
}

extension SpeechFusion.Configuration {
    /// The lowest voice probability a frame can have and still hold text the gate keeps: the detector's voice
    /// goes on down to `speechThreshold − voicedHysteresis`, and with `lifting`, moving lips make speech
    /// from `liftThreshold` on.
    public func lowestKeptProbability(lifting: Bool) -> Float {
        let voiced = speechThreshold - voicedHysteresis
        return lifting && lift ? min(voiced, liftThreshold) : voiced
    }
}
