import TandemCore

extension DecodePlan {
    /// `audio` with everything outside the windows' audible stretches silenced — what the recogniser
    /// hears when the plan runs as graph nodes (`av-enhance` → `whisper` with its segments input).
    public func keptAudio(_ audio: [Float], sampleRate: Int) -> [Float] {
        var out = [Float](repeating: 0, count: audio.count)
        for window in windows {
            for keep in window.audible {
                let a = max(0, Int((max(keep.start, window.start) * Double(sampleRate)).rounded()))
                let b = min(audio.count, Int((min(keep.end, window.end) * Double(sampleRate)).rounded()))
                if b > a { for i in a..<b { out[i] = audio[i] } }
            }
        }
        return out
    }

    /// The windows as segments labelled `window` (times in seconds from the audio's start), for a
    /// recogniser that decodes given regions one by one.
    public var windowSegments: [Segment] {
        windows.map { Segment(start: $0.start, end: $0.end, label: "window") }
    }

    /// Every kept stretch of every window: where text may come from when the plan gates.
    public var keptSegments: [Segment] { windows.flatMap(\.keep) }
}
