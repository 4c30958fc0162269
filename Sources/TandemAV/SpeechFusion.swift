import Foundation
import TandemCore

/// The audio says *whether* someone speaks, the picture says *who*: audio voice activity, the level
/// against the noise floor and lip activity fused into a `SpeechMap`.
///
/// A frame (one voice-track hop, 32 ms with Silero VAD) is foreground speech when the voice
/// probability is at least `speechThreshold` *and* the smoothed level stands `levelAboveFloor` dB above
/// the noise floor. Babble and music trip a voice detector too, but they sit at the floor measured
/// where picture and sound are both silent; foreground speech stands above it. Where the voice
/// probability is only unsure (at least `liftThreshold`) and some face's lips clearly move, the frame
/// is lifted to speech (the low-SNR help of the picture) if its level is one a quiet syllable of this clip's
/// sure speech reaches (`liftBelowSpeech`). Lips moving where the audio holds no speech vouch for nothing:
/// a listener nodding, smiling or mouthing along, or a mouth moving in a pause, is not a source of words.
///
/// Each speech stretch is then named: the face whose lips move during it, else `SpeechMap.offScreen`,
/// so off-camera questions are kept and said to be off-screen.
public struct SpeechFusion: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// Voice probability at which a frame can be foreground speech on the audio's word alone.
        public var speechThreshold: Float = 0.5
        /// dB the smoothed level must stand above the noise floor for foreground speech: 1.5 dB is what
        /// speech at −5 dB SNR adds to the noise's level on average, while stationary noise stays at the floor.
        public var levelAboveFloor = 1.5
        /// Let clearly moving lips lift unsure audio (probability ≥ `liftThreshold`) to speech.
        public var lift = true
        public var liftThreshold: Float = 0.2
        /// dB above the floor a lifted frame still needs: lips over sound at the floor are not speech.
        public var liftLevelAboveFloor = 0.5
        /// A lifted frame's power above the floor may lie at most this many dB under the median of the clip's sure
        /// speech (frames the audio alone calls speech): a quiet syllable of the same voice, not the noise's own
        /// flicker. At 10 dB SNR that asks about 3 dB above the floor, so a pause 0.5 dB above it is not speech,
        /// while at −5 dB (sure speech under 2 dB above the floor) `liftLevelAboveFloor` still decides.
        public var liftBelowSpeech = 10.0
        /// Voice probability under which a frame is silent in sound (for the noise floor and the enhancer).
        public var quietThreshold: Float = 0.2
        /// Half-width (seconds) of the level's smoothing: a syllable's dip is not a pause.
        public var levelSmoothing = 0.16
        /// Gaps shorter than this (seconds) inside speech are bridged.
        public var bridge = 0.3
        /// Speech shorter than this (seconds) is dropped (a click, a cough's edge).
        public var minimumSpeech = 0.12
        /// Seconds added before and after each speech stretch (onsets and word tails are soft).
        public var padding = 0.2
        /// How long before a word lips may start moving, seconds: lips lead the sound by 100–250 ms.
        public var lipLead = 0.25
        /// How long after the sound lips may still move, seconds.
        public var lipLag = 0.1
        /// Foreground speech must also rise this many times the background's own spread (90th percentile
        /// − median of the floor's levels) above the floor: babble and music move by several dB.
        public var spreadFactor = 2.0
        /// Below this level (dBFS) the audio counts as silent whatever the detector says.
        public var silenceLevel = -70.0
        /// The detector's own speech (`SpeechMap.voiced`) starts at `speechThreshold` and, once started, goes on
        /// while the probability stays at least this much lower: Silero's hysteresis (`get_speech_timestamps`'
        /// `neg_threshold`, threshold − 0.15), so a word whose probability dips under music stays inside its voice.
        public var voicedHysteresis: Float = 0.15
        /// Seconds of a voiceless stretch next to possible voice that recognition still reads (`VoicelessStretches`):
        /// the gate's padding and word tolerances reach under half a second from a voiced frame, and Whisper hears an
        /// onset better with a little of what comes before it.
        public var voicelessMargin = 1.0
        /// Shortest voiceless stretch (after the margins) left out of recognition, seconds: a third of a Whisper
        /// window, so cutting it out saves more decoding than splitting the speech around it into two regions costs.
        public var voicelessMinimum = 10.0
        /// Which lip motion can name a speaker and how well it follows the sound (used when the faces' mouth
        /// openings are given).
        public var lipSync = LipSync.Configuration()

        public init() {}
    }

    public var configuration: Configuration

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Fuses one recording.
    /// - Parameters:
    ///   - samples: mono audio.
    ///   - voice: the audio's voice probabilities; nil: a level-only detector stands in (and the notes say so).
    ///   - lips: lip-activity's speech stretches labelled with their face (`face<id>`); nil when no
    ///     readable face was seen (no video, no face): every speaker is then off-screen.
    ///   - visible: where a readable face was on screen (for the notes; nil: wherever lips were measured).
    ///   - openings: each face's mouth opening per frame, keyed by the lip stretches' labels; given, a lip
    ///     stretch names its face only where the lips move with the sound (`LipSync`); nil: wherever it lies.
    /// - Returns: the speech map, times in seconds from `samples[0]`.
    /// - Complexity: O(n) in the samples, plus O(f · l) for f frames and l lip stretches.
    public func map(_ samples: [Float], sampleRate: Int, voice: VoiceTrack?, lips: [Segment]?, visible: [Segment]? = nil,
                    openings: [String: LipSync.Track]? = nil) -> SpeechMap {
        var meter = LevelMeter(hop: Self.hop(voice: voice, sampleRate: sampleRate))
        meter.append(samples)
        return map(levels: meter.finished(), sampleRate: sampleRate, voice: voice, lips: lips, visible: visible, openings: openings)
    }

    /// The hop of the fusion's frames: the voice track's, or 1/32 s without one.
    public static func hop(voice: VoiceTrack?, sampleRate: Int) -> Int {
        voice?.hop ?? max(1, sampleRate / 32)
    }

    /// Fuses one recording from its per-frame levels (`LevelMeter`), so the samples themselves need not be
    /// kept: 8 bytes a frame (0.9 MB an hour with Silero's 32 ms hop) instead of 64 KB a second.
    /// - Parameters:
    ///   - levels: the recording's mean-square power per `hop(voice:sampleRate:)` samples, with its sample count.
    /// - Returns: the same map as `map(_:sampleRate:voice:lips:visible:)` on the samples the levels came from.
    public func map(levels: LevelMeter.Levels, sampleRate: Int, voice: VoiceTrack?, lips: [Segment]?, visible: [Segment]? = nil,
                    openings: [String: LipSync.Track]? = nil) -> SpeechMap {
        let c = configuration
        var notes: [String] = []
        let hop = Self.hop(voice: voice, sampleRate: sampleRate)
        precondition(levels.hop == hop, "levels measured every \(levels.hop) samples, the fusion's frames are \(hop)")
        let hopSeconds = Double(hop) / Double(sampleRate)
        let power = levels.power
        let frameCount = power.count
        guard frameCount > 0 else {
            return SpeechMap(speech: [], quiet: [], noiseFloor: nil, notes: ["no audio samples: nothing to transcribe"])
        }
        // Level per frame (dBFS of the mean square), and smoothed over ±levelSmoothing in the power domain.
        let level = power.map { 10 * log10($0 + 1e-12) }
        let radius = max(0, Int((c.levelSmoothing / hopSeconds).rounded()))
        let smoothed = LevelMeter.smoothedDecibels(power, radius: radius)
        let loudest = level.max() ?? -120
        if loudest < c.silenceLevel {
            notes.append(String(format: "the audio is silent (loudest %.0f dBFS): nothing to transcribe", loudest))
            return SpeechMap(speech: [], quiet: [Segment(start: 0, end: Double(levels.sampleCount) / Double(sampleRate), label: "quiet")],
                             noiseFloor: loudest, notes: notes)
        }

        // Lip activity per frame: which faces' lips move around the frame's time.
        let lipStretches = (lips ?? []).filter { $0.end > $0.start && $0.label != SpeechMap.offScreen }
        var moving = [Bool](repeating: false, count: frameCount)
        for s in lipStretches {
            let a = max(0, Int(floor(s.start / hopSeconds))), b = min(frameCount, Int(ceil(s.end / hopSeconds)))
            if b > a { for f in a..<b { moving[f] = true } }
        }

        // The voice probability: the detector's, or (without one) a logistic of the level above a
        // low-percentile floor — enough for the bad-input paths, not a detector to rely on.
        var probability: [Float]
        if let voice {
            probability = (0..<frameCount).map { voice.probability(atSample: $0 * hop) }
        } else {
            notes.append("no audio voice activity input: speech judged by its level above the noise floor alone")
            let floor = Self.percentile(level, 0.1)
            probability = smoothed.map { Float(1 / (1 + exp(-($0 - floor - 6) / 1.5))) }
        }

        // The noise floor: where both picture and sound are silent; else where the picture is (a face
        // on screen whose lips are still: background babble or music the voice detector takes for
        // speech); else where the sound is; else the quietest tenth. Its spread (90th percentile −
        // median) says how much the background itself moves: foreground speech must rise above that too.
        let minimumFrames = Int((0.5 / hopSeconds).rounded())
        var seen = [Bool](repeating: lips != nil, count: frameCount)
        if let visible, lips != nil {
            seen = [Bool](repeating: false, count: frameCount)
            for s in visible {
                let a = max(0, Int(floor(s.start / hopSeconds))), b = min(frameCount, Int(ceil(s.end / hopSeconds)))
                if b > a { for f in a..<b { seen[f] = true } }
            }
        }
        let candidates: [(frames: [Int], note: String?)] = [
            ((0..<frameCount).filter { probability[$0] < c.quietThreshold && !moving[$0] }, nil),
            // Still lips only say "background" where some face's lips do move elsewhere: a face that
            // never speaks says nothing about an off-screen voice that talks throughout.
            ((0..<frameCount).filter { seen[$0] && !moving[$0] && moving.contains(true) }, "the audio is never quiet (background the voice detector takes for speech?): "
                + "the noise floor is measured where the lips on screen are still"),
            ((0..<frameCount).filter { probability[$0] < c.quietThreshold }, "no stretch silent in both picture and sound: the noise floor is measured where the audio alone is"),
        ]
        var floorFrames = Array(0..<frameCount)
        var floorNote: String? = "no silent stretch: the noise floor is the level of the quietest tenth of the recording"
        for candidate in candidates {
            // Only frames whose whole smoothing window is in the stretch: the smoothed level next to
            // speech still carries the speech, and would inflate the floor's spread (clip1: 24 dB).
            var member = [Bool](repeating: false, count: frameCount)
            for f in candidate.frames { member[f] = true }
            let core = candidate.frames.filter { f in
                (max(0, f - radius)..<min(frameCount, f + radius + 1)).allSatisfy { member[$0] }
            }
            if core.count >= minimumFrames {
                floorFrames = core
                floorNote = candidate.note
                break
            }
        }
        let floorLevels = floorFrames.map { smoothed[$0] }
        let floor = floorNote?.hasPrefix("no silent stretch") == true ? Self.percentile(floorLevels, 0.1) : Self.percentile(floorLevels, 0.5)
        let spread = floorNote?.hasPrefix("no silent stretch") == true ? 0 : max(0, Self.percentile(floorLevels, 0.9) - floor)
        if let floorNote { notes.append(floorNote) }
        let speechMargin = max(c.levelAboveFloor, c.spreadFactor * spread)

        var speech = [Bool](repeating: false, count: frameCount)
        for f in 0..<frameCount {
            speech[f] = probability[f] >= c.speechThreshold && smoothed[f] - floor >= speechMargin && level[f] >= c.silenceLevel
        }
        // The lift's margin follows this clip's sure speech: its median power above the floor, less liftBelowSpeech.
        let sureAbove = Self.median((0..<frameCount).filter { speech[$0] }.map { pow(10, (smoothed[$0] - floor) / 10) - 1 })
        let liftMargin = max(c.liftLevelAboveFloor, 0.5 * c.spreadFactor * spread,
                             sureAbove.map { 10 * log10(1 + $0 * pow(10, -c.liftBelowSpeech / 10)) } ?? 0)
        var lifted = [Bool](repeating: false, count: frameCount)
        for f in 0..<frameCount where c.lift && !speech[f] && moving[f] && probability[f] >= c.liftThreshold && smoothed[f] - floor >= liftMargin {
            speech[f] = true
            lifted[f] = true
        }
        let duration = Double(levels.sampleCount) / Double(sampleRate)
        let padded = stretches(speech, hopSeconds: hopSeconds, duration: duration)
        // Where the detector alone says speech, whatever the level (only with a real detector: the stand-in
        // above is the level itself).
        var detected = [Bool](repeating: false, count: frameCount)
        var inVoice = false
        for f in 0..<frameCount {
            inVoice = probability[f] >= (inVoice ? c.speechThreshold - c.voicedHysteresis : c.speechThreshold)
            detected[f] = inVoice && level[f] >= c.silenceLevel
        }
        let voiced = voice == nil ? [] : stretches(detected, hopSeconds: hopSeconds, duration: duration)
        var liftedSeconds = 0.0
        for f in 0..<frameCount where lifted[f] { liftedSeconds += hopSeconds }
        // Each lifted run, so a reader sees where the picture made speech the audio alone did not, and on what evidence.
        var runStart: Int?
        for f in 0...frameCount {
            if f < frameCount && lifted[f] {
                if runStart == nil { runStart = f }
            } else if let a = runStart {
                runStart = nil
                let frames = a..<f
                let above = frames.reduce(0) { $0 + smoothed[$1] - floor } / Double(frames.count)
                let voiceProbability = frames.reduce(Float(0)) { $0 + probability[$1] } / Float(frames.count)
                notes.append(String(format: "lips lifted unsure audio to speech at %.2f–%.2f s: level %.1f dB above the floor, voice probability %.2f",
                                    Double(a) * hopSeconds, Double(f) * hopSeconds, above, voiceProbability))
            }
        }

        // The lips that may name a speaker: with the mouths' openings, only where the mouth opens and closes
        // at syllable rate (a listener nodding during an off-camera question moves its lips, not its opening),
        // each piece scored by how well it follows the sound.
        var speakers = lipStretches
        if let openings, lips != nil {
            let envelope = LipSync.Envelope(power: power, hopSeconds: hopSeconds, floor: floor, smoothing: c.lipSync.envelopeSmoothing)
            let sync = LipSync(configuration: c.lipSync).confirmed(lipStretches, tracks: openings, envelope: envelope)
            speakers = sync.kept
            for (face, seconds) in sync.dropped.sorted(by: { $0.key < $1.key }) where seconds >= 0.05 {
                notes.append("\(face): " + String(format: "lips moved for %.1f s without opening and closing like speech (nodding?); ", seconds)
                             + "that motion names no speaker")
            }
        }

        // Name each stretch: split where the face whose lips move changes.
        var named: [Segment] = []
        let meanProbability = { (a: Double, b: Double) -> Double in
            let fa = max(0, Int(a / hopSeconds)), fb = min(frameCount, max(fa + 1, Int(ceil(b / hopSeconds))))
            guard fb > fa else { return 0 }
            return Double(probability[fa..<fb].reduce(0, +)) / Double(fb - fa)
        }
        for r in padded {
            named += name(start: r.start, end: r.end, lips: speakers, meanProbability: meanProbability)
        }

        // Silent in both: frames with low voice probability, no lips moving and not inside padded speech.
        var quiet: [Segment] = []
        var inSpeech = [Bool](repeating: false, count: frameCount)
        for s in padded {
            let a = max(0, Int(s.start / hopSeconds)), b = min(frameCount, Int(ceil(s.end / hopSeconds)))
            if b > a { for f in a..<b { inSpeech[f] = true } }
        }
        for f in 0..<frameCount where probability[f] < c.quietThreshold && !moving[f] && !inSpeech[f] {
            let start = Double(f) * hopSeconds, end = min(duration, start + hopSeconds)
            if let last = quiet.last, abs(last.end - start) < 1e-9 { quiet[quiet.count - 1].end = end } else {
                quiet.append(Segment(start: start, end: end, label: "quiet"))
            }
        }

        var map = SpeechMap(speech: named, quiet: quiet, noiseFloor: floor, liftedSeconds: liftedSeconds, notes: notes,
                            voiced: voiced.map { Segment(start: $0.start, end: $0.end, label: SpeechMap.voice, score: meanProbability($0.start, $0.end)) },
                            speakers: speakers)
        map.notes.append(String(format: "noise floor %.0f dBFS (spread %.1f dB): foreground speech must stand %.1f dB above it", floor, spread, speechMargin)
                         + (sureAbove.map { String(format: " (its median stands %.1f dB above it)", 10 * log10(1 + $0)) } ?? "")
                         + (c.lift && lips != nil ? String(format: ", unsure audio the lips lift %.1f dB", liftMargin) : ""))
        if lips == nil { map.notes.append("no readable face: any speech is attributed off-screen") }
        if let visible, lips != nil {
            let seen = visible.reduce(0) { $0 + max(0, min($1.end, duration) - max($1.start, 0)) }
            if seen < 0.5 * duration {
                map.notes.append(String(format: "a readable face was on screen for %.1f s of %.1f s; speech elsewhere is attributed off-screen",
                                        seen, duration))
            }
        }
        let total = map.speechSeconds
        if total > 0 {
            map.notes.append(String(format: "foreground speech %.1f s, of which %.1f s (%.0f%%) off-screen; lips lifted %.1f s of unsure audio",
                                    total, map.offScreenSeconds, 100 * map.offScreenSeconds / total, liftedSeconds))
        } else {
            map.notes.append("no foreground speech found")
        }
        return map
    }

    /// Runs of flagged frames as stretches: gaps under `bridge` joined, runs under `minimumSpeech` dropped,
    /// `padding` added on both sides (within the recording) and overlaps merged.
    func stretches(_ flagged: [Bool], hopSeconds: Double, duration: Double) -> [(start: Double, end: Double)] {
        let c = configuration
        var runs: [(start: Double, end: Double)] = []
        for f in flagged.indices where flagged[f] {
            let start = Double(f) * hopSeconds, end = start + hopSeconds
            if let last = runs.last, start - last.end <= c.bridge {
                runs[runs.count - 1].end = end
            } else {
                runs.append((start, end))
            }
        }
        runs = runs.filter { $0.end - $0.start >= c.minimumSpeech }
        var padded: [(start: Double, end: Double)] = []
        for r in runs {
            let start = max(0, r.start - c.padding), end = min(duration, r.end + c.padding)
            if let last = padded.last, start <= last.end { padded[padded.count - 1].end = end } else { padded.append((start, end)) }
        }
        return padded
    }

    /// `[start, end)` cut into pieces labelled with the face whose lips move most in each (with the
    /// lips' lead and lag allowed for), `offScreen` where none moves; neighbours with one label merged.
    func name(start: Double, end: Double, lips: [Segment], meanProbability: (Double, Double) -> Double) -> [Segment] {
        let c = configuration
        // Lip-activity's stretches already span the motion (lead included); lipLag of slack on each
        // side absorbs onsets measured a frame or two off.
        let relevant = lips.filter { $0.end + c.lipLag > start && $0.start - c.lipLag < end }
        guard !relevant.isEmpty else {
            return [Segment(start: start, end: end, label: SpeechMap.offScreen, score: meanProbability(start, end))]
        }
        // Boundaries where any relevant lip stretch (shifted by lead/lag) starts or ends.
        var cuts = Set([start, end])
        for s in relevant {
            for t in [s.start - c.lipLag, s.end + c.lipLag] where t > start && t < end { cuts.insert(t) }
        }
        let points = cuts.sorted()
        var pieces: [Segment] = []
        for (a, b) in zip(points, points.dropFirst()) where b > a {
            let middle = (a + b) / 2
            // A face whose lip stretch (with the slack) contains the piece's middle speaks it; with two
            // or more, the longest, most confident stretch wins.
            let speaking = relevant.filter { $0.start - c.lipLag <= middle && $0.end + c.lipLag >= middle }
                .max { ($0.end - $0.start) * $0.score < ($1.end - $1.start) * $1.score }
            let label = speaking?.label ?? SpeechMap.offScreen
            if let last = pieces.last, last.label == label {
                pieces[pieces.count - 1].end = b
            } else {
                pieces.append(Segment(start: a, end: b, label: label))
            }
        }
        // Slivers under 0.2 s take their neighbour's label (lip onsets are a frame or two off).
        var merged: [Segment] = []
        for piece in pieces {
            if let last = merged.last, piece.end - piece.start < 0.2 || last.label == piece.label {
                merged[merged.count - 1].end = piece.end
            } else if let last = merged.last, last.end - last.start < 0.2 {
                merged[merged.count - 1] = Segment(start: last.start, end: piece.end, label: piece.label)
            } else {
                merged.append(piece)
            }
        }
        return merged.map { Segment(start: $0.start, end: $0.end, label: $0.label, score: meanProbability($0.start, $0.end)) }
    }

    /// The middle of `values` (nearest rank); nil for none.
    static func median(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : percentile(values, 0.5)
    }

    /// The `q`-quantile (0…1) of `values` (nearest rank); −120 for none.
    static func percentile(_ values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return -120 }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, max(0, Int(q * Double(sorted.count))))]
    }
}
