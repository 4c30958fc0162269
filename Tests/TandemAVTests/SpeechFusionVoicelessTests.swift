import Testing
import TandemCore
@testable import TandemAV

/// `SpeechFusion.VoicelessStretches`: where recognition need not read, because no text the gate keeps can come from there.
struct SpeechFusionVoicelessTests {
    /// 10 ms frames, so whole seconds fall on frame edges.
    static let rate = 16_000, hop = 160

    /// `seconds` of probabilities: 0.05 (noise, music) except the given value inside each stretch.
    static func probabilities(seconds: Int, _ stretches: [(Range<Int>, Float)]) -> [Float] {
        (0..<(seconds * 100)).map { f in stretches.first { $0.0.contains(f / 100) }?.1 ?? 0.05 }
    }

    static func tracker(lifting: Bool = true) -> SpeechFusion.VoicelessStretches {
        SpeechFusion.VoicelessStretches(hop: hop, sampleRate: rate, voiceFloor: SpeechFusion.Configuration().lowestKeptProbability(lifting: lifting))
    }

    static func spans(_ segments: [Segment]) -> [[Double]] {
        segments.map { [($0.start * 100).rounded() / 100, ($0.end * 100).rounded() / 100] }
    }

    /// 60 s of noise with a sure voice at 20–25 s and an unsure one (0.3, which moving lips lift) at 45–46 s: recognition
    /// reads each with a second on either side, and nothing of the noise 10 s or more away from them.
    @Test func longNoiseIsLeftOutAndUnsureVoiceTheLipsCouldLiftIsKept() {
        var voiceless = Self.tracker()
        voiceless.append(Self.probabilities(seconds: 60, [(20..<25, 0.9), (45..<46, 0.3)]))
        voiceless.finish(sampleCount: 60 * Self.rate)
        let windows = [Segment(start: 0, end: 30, label: "window"), Segment(start: 30, end: 60, label: "window")]
        #expect(Self.spans(windows.flatMap { voiceless.pieces(of: $0) }) == [[19, 26], [44, 47]])
        #expect(abs(voiceless.skippedSeconds - (19 + 18 + 13)) < 1e-6, "\(voiceless.skippedSeconds)")

        // Without the lips' lift (no picture, or lift off) 0.3 is under the detector's own voice: that second goes too.
        var unlifted = Self.tracker(lifting: false)
        unlifted.append(Self.probabilities(seconds: 60, [(20..<25, 0.9), (45..<46, 0.3)]))
        unlifted.finish(sampleCount: 60 * Self.rate)
        #expect(Self.spans(windows.flatMap { unlifted.pieces(of: $0) }) == [[19, 26]])
    }

    /// Pauses and edges that leave under 10 s once the margins are taken stay in the windows: they share a Whisper window with the speech.
    @Test func shortVoicelessStretchesStay() {
        var voiceless = Self.tracker()
        voiceless.append(Self.probabilities(seconds: 25, [(8..<10, 0.9), (20..<21, 0.6)]))
        voiceless.finish(sampleCount: 25 * Self.rate)
        let window = Segment(start: 0, end: 25, label: "window")
        #expect(Self.spans(voiceless.pieces(of: window)) == [[0, 25]])
        #expect(voiceless.skippedSeconds == 0)
    }

    /// A recording with no voice anywhere is not recognised at all, however short.
    @Test func aRecordingWithoutVoiceHasNothingToRecognise() {
        var voiceless = Self.tracker()
        voiceless.append(Self.probabilities(seconds: 2, []))
        #expect(voiceless.settled == 0)
        voiceless.finish(sampleCount: 2 * Self.rate)
        #expect(voiceless.pieces(of: Segment(start: 0, end: 2, label: "window")).isEmpty)
        #expect(voiceless.skippedSeconds == 2)
    }

    /// Fed as the audio arrives, a window is taken apart only once its fate is known, and the pieces are the whole recording's.
    @Test func streamedPiecesEqualTheWholeRecordings() {
        let probabilities = Self.probabilities(seconds: 90, [(3..<4, 0.9), (20..<22, 0.25), (40..<41, 0.9), (70..<71, 0.5)])
        let windows = [0.0, 21.5, 40.5, 70.5, 90].adjacentPairs().map { Segment(start: $0, end: $1, label: "window") }
        var whole = Self.tracker()
        whole.append(probabilities)
        whole.finish(sampleCount: 90 * Self.rate)
        let expected = windows.flatMap { whole.pieces(of: $0) }
        // The first 3 s of noise stay (2 s once the margin is taken): too short to leave out.
        #expect(Self.spans(expected) == [[0, 5], [19, 21.5], [21.5, 23], [39, 40.5], [40.5, 42], [69, 70.5], [70.5, 72]])

        var streamed = Self.tracker()
        var pending = windows[...]
        var pieces: [Segment] = []
        var fed = 0
        while fed < probabilities.count {
            let next = min(probabilities.count, fed + 37 + fed % 113)
            streamed.append(probabilities[fed..<next])
            fed = next
            // A voiceless run whose length is not yet known holds back the windows that reach into it.
            if (1300..<1500).contains(fed) { #expect(abs(streamed.settled - 4) < 1e-9, "\(streamed.settled)") }
            while let window = pending.first, window.end <= streamed.settled {
                pieces += streamed.pieces(of: window)
                pending.removeFirst()
            }
        }
        streamed.finish(sampleCount: 90 * Self.rate)
        for window in pending { pieces += streamed.pieces(of: window) }
        #expect(pieces == expected)
    }
}

extension Array {
    /// Each element with the next.
    fileprivate func adjacentPairs() -> [(Element, Element)] { Array<(Element, Element)>(zip(self, dropFirst())) }
}
