import TandemCore

extension SpeechFusion {
    /// How recognised text is checked against the speech map.
    public struct TextRules: Sendable, Hashable {
        /// A word whose middle lies more than this (seconds) from foreground speech is dropped.
        public var wordTolerance = 0.2
        /// A segment Whisper rates at least this likely to hold no speech *and* below
        /// `logProbabilityThreshold` is dropped: Whisper's own 0.6 / −1 rule, applied per segment
        /// rather than per 30 s window, so invented text in babble or music goes while speech stays.
        public var noSpeechThreshold = 0.6
        public var logProbabilityThreshold = -1.0
        /// Text resting only on weak support (a voice probability under the speech threshold on average,
        /// and no lips moving) must be at least this probable (average log-probability). Speech the lips
        /// lifted is not weak: the lips and the level above the floor vouch for it (tune split, 0 dB:
        /// −0.7 here dropped a whole correctly heard clip at −0.98).
        public var weakSupportLogProbability = -1.0
        /// Text the level test rejects is still kept where the voice detector says speech (`SpeechMap.voiced`)
        /// and Whisper is sure of it: its segment's no-speech probability below `sureNoSpeechProbability` and
        /// average log-probability at least `sureLogProbability`. Under music the background's spread raises the
        /// level margin past what speech at 0 dB reaches, and a whole correctly heard clip was dropped; invented
        /// text in babble, music or a listener's silence is unsure by Whisper's own signals. Chosen on the tuning
        /// split (Tools/eval/results/lip_assist.md, talk10; `Tools/eval/lip_assist_sure.py`): no-speech below one
        /// half (Whisper rates speech the likelier), and a log-probability of −0.6, between the one window the rule
        /// should keep (−0.50, the music clip heard at WER 0.26) and the invented additions it must not (−0.73 and
        /// below). `sureNoSpeechProbability` 0 turns it off.
        public var sureNoSpeechProbability = 0.5
        public var sureLogProbability = -0.6
        /// A word whose middle lies outside speech is still kept when at least this many seconds of it lie
        /// inside a speech stretch (nil: the middle alone decides). Whisper's cross-attention timing stretches
        /// the last word before a long pause on into the silence (" dog." from 2.68 to 5.06 s where the voice
        /// ends at 3.4 s), so its middle can fall past the speech it belongs to; text invented in silence does
        /// not reach into speech. Off by default (the talking-head pipeline was tuned without it);
        /// `transcribe.yaml` uses it.
        public var minimumWordOverlap: Double?

        public init() {}

        /// Whether Whisper is sure enough of `segment` for it to stand on the voice detector alone.
        public func isSure(_ segment: TranscriptSegment) -> Bool {
            segment.noSpeechProbability < sureNoSpeechProbability && segment.averageLogProbability >= sureLogProbability
        }
    }

    /// The transcript with text outside foreground speech dropped and every kept word and segment
    /// named: the face whose lips move during it, else `off-screen`. A segment whose words have
    /// different speakers is split at each change (each part's text rebuilt from its words).
    ///
    /// - Parameters:
    ///   - transcript: the recogniser's segments, times on the same clock as `map`.
    ///   - map: the fusion's speech map.
    ///   - lips: lip-activity's stretches labelled with their face (nil or empty: everyone is off-screen).
    public func keep(_ transcript: [TranscriptSegment], map: SpeechMap, lips: [Segment]?, rules: TextRules = TextRules()) -> [TranscriptSegment] {
        let faces = (lips ?? []).filter { $0.end > $0.start && $0.label != SpeechMap.offScreen }
        let foregroundVoice = voiceSpans(map.speech), detectedVoice = voiceSpans(map.voiced)
        var out: [TranscriptSegment] = []
        for segment in transcript {
            if segment.noSpeechProbability >= rules.noSpeechThreshold && segment.averageLogProbability < rules.logProbabilityThreshold { continue }
            let sure = rules.isSure(segment)
            // Foreground speech first; where the level test rejected the sound, the detector's voice if Whisper is sure.
            func supported(_ time: Double) -> Segment? {
                map.stretch(near: time, within: rules.wordTolerance) ?? (sure ? map.voicedStretch(near: time, within: rules.wordTolerance) : nil)
            }
            /// The stretch of `list` that `word` overlaps most, if by at least `minimumWordOverlap`.
            func mostOverlapped(_ list: [Segment], _ word: TranscriptWord) -> Segment? {
                guard let least = rules.minimumWordOverlap else { return nil }
                return list.map { ($0, min($0.end, word.end) - max($0.start, word.start)) }
                    .filter { $0.1 >= least && $0.1 > 0 }.max { $0.1 < $1.1 }?.0
            }
            /// The stretch a word belongs to: foreground speech near its middle or overlapped by it, and only then,
            /// when Whisper is sure, the detector's voice. Under steady noise the detector's voice can run through a
            /// pause (10 dB: one stretch over the whole clip), while the foreground speech ends and starts with the
            /// sentences; a word Whisper stretched back across the pause must be timed by the sentence it opens.
            func anchor(_ word: TranscriptWord) -> Segment? {
                let middle = (word.start + word.end) / 2
                if let speech = map.stretch(near: middle, within: rules.wordTolerance) ?? mostOverlapped(map.speech, word) { return speech }
                guard sure else { return nil }
                return map.voicedStretch(near: middle, within: rules.wordTolerance) ?? mostOverlapped(map.voiced, word)
            }
            func weak(_ s: Segment) -> Bool { Float(s.score) < configuration.speechThreshold && s.label == SpeechMap.offScreen }
            if let words = segment.words, !words.isEmpty {
                var kept: [TranscriptWord] = []
                var weakOnly = true
                for word in words {
                    guard let stretch = anchor(word) else { continue }
                    if !weak(stretch) { weakOnly = false }
                    var named = word
                    // Whisper's word timings (cross-attention alignment) stretch the first word after a
                    // pause back into the silence before it, and a last word on into the silence after:
                    // a misheard first word then sits where nobody speaks. A word neither starts before
                    // the voice it belongs to nor runs on after it.
                    let voice = stretch.label == SpeechMap.voice ? detectedVoice : foregroundVoice
                    if let span = voice.first(where: { $0.start <= stretch.end && $0.end >= stretch.start }) {
                        if named.start < span.start && named.end > span.start { named.start = span.start }
                        if named.end > span.end && named.start < span.end { named.end = span.end }
                    }
                    named.speaker = speaker(from: named.start, to: named.end, faces: faces)
                    kept.append(named)
                }
                guard !kept.isEmpty else { continue }
                if weakOnly && segment.averageLogProbability < rules.weakSupportLogProbability { continue }
                // Split where the speaker changes.
                var runs: [[TranscriptWord]] = []
                for word in kept {
                    if let last = runs.last?.last, last.speaker == word.speaker { runs[runs.count - 1].append(word) } else { runs.append([word]) }
                }
                for run in runs {
                    var part = segment
                    part.words = run
                    part.start = run[0].start
                    part.end = max(run[run.count - 1].end, run[0].start)
                    part.speaker = run[0].speaker
                    if run.count != words.count {
                        part.text = run.map(\.word).joined()
                        part.tokens = []
                    }
                    out.append(part)
                }
            } else {
                let middle = (segment.start + segment.end) / 2
                func covered(_ list: [Segment]) -> Bool {
                    list.reduce(0) { $0 + max(0, min($1.end, segment.end) - max($1.start, segment.start)) } >= 0.5 * (segment.end - segment.start)
                }
                guard let stretch = supported(middle) ?? (covered(map.speech) ? map.stretch(near: middle, within: .infinity) : nil)
                    ?? (sure && covered(map.voiced) ? map.voicedStretch(near: middle, within: .infinity) : nil)
                else { continue }
                if weak(stretch) && segment.averageLogProbability < rules.weakSupportLogProbability { continue }
                var named = segment
                named.speaker = speaker(from: segment.start, to: segment.end, faces: faces)
                out.append(named)
            }
        }
        return out
    }

    /// The audible voice of a map's stretches (`speech` or `voiced`): joined where they touch (a speaker change
    /// cuts a stretch but not the voice), without the `padding` the fusion added around each
    /// (none at the start of the recording, where the padding was cut off).
    func voiceSpans(_ stretches: [Segment]) -> [(start: Double, end: Double)] {
        var joined: [(start: Double, end: Double)] = []
        for s in stretches.sorted(by: { $0.start < $1.start }) {
            if let last = joined.last, s.start <= last.end + 1e-6 { joined[joined.count - 1].end = max(last.end, s.end) } else { joined.append((s.start, s.end)) }
        }
        let pad = configuration.padding
        return joined.map { span in
            let start = span.start > 0 ? span.start + pad : span.start
            return (start, max(start, span.end - pad))
        }
    }

    /// The face whose lips move most during `[start, end)` (allowing for the lips' lead and lag), else `off-screen`.
    func speaker(from start: Double, to end: Double, faces: [Segment]) -> String {
        // Lips start moving up to lipLead before the sound and stop up to lipLag after it.
        let a = start - configuration.lipLead, b = end + configuration.lipLag
        var best: (label: String, overlap: Double)?
        for face in faces {
            let overlap = min(face.end, b) - max(face.start, a)
            if overlap > 0, overlap > (best?.overlap ?? 0) { best = (face.label, overlap) }
        }
        return best?.label ?? SpeechMap.offScreen
    }
}
