import Foundation
import Testing
@testable import TandemDSP

/// The activity evidence: a source's onsets spread over the next few tenths of a second, against a region's motion.
@Suite struct SeparationActivityTests {
    /// Long notes (frames: start, end) and rests, as a bowed line's.
    static let notes = [(20, 190), (300, 420), (520, 760), (880, 1000), (1100, 1330)]

    /// The source: loud through each note, near silence in the gaps.
    static func activation(frames: Int) -> [Float] {
        var a = [Float](repeating: 0.01, count: frames)
        for (start, end) in notes { for t in start..<min(frames, end) { a[t] = 1 } }
        return a
    }

    @Test func activitySumsTheRisesOfTheLastFrames() {
        #expect(MotionInformedNMF.activity([0, 1, 0, 0, 2, 0, 0, 0], spread: 3) == [0, 1, 1, 1, 2, 2, 2, 0])
        #expect(MotionInformedNMF.activity([], spread: 4).isEmpty)
    }

    /// The player's bow slides for 0.4 s from each note's start (120 ms late) and stops while the note goes on (it reached
    /// its end); a follow-spot on another region catches up 0.3 s after each note's start and stays on through the note. The
    /// energy over time follows the notes, so it rates the spot higher than the bow: the player would lose its own source.
    /// The activity after the onsets follows the bow.
    @Test func aBowThatStopsMidNoteBeatsALateFollowSpot() {
        let frames = 1450, step = 0.01
        var bow = [Float](repeating: 0.02, count: frames), spot = bow
        for (start, end) in Self.notes {
            for t in (start + 12)..<(start + 52) { bow[t] = 1 }
            for t in (start + 30)..<min(frames, end + 30) { spot[t] = 1 }
        }
        let a = Self.activation(frames: frames)
        let configuration = MotionInformedNMF.Configuration()
        let old = MotionInformedNMF.SourceEvidence(configuration, motion: [bow, spot], frames: frames, frameSeconds: step)
        #expect(old(a, region: 1) > old(a, region: 0), "the level alone takes the spot: \(old(a, region: 0)) / \(old(a, region: 1))")
        let evidence = MotionInformedNMF.SourceEvidence(configuration, motion: [bow, spot], frames: frames, frameSeconds: step,
                                                        activityWeight: configuration.pairActivityWeight)
        #expect(evidence(a, region: 0) > evidence(a, region: 1) + 0.2, "bow \(evidence(a, region: 0)), spot \(evidence(a, region: 1))")
    }
}
