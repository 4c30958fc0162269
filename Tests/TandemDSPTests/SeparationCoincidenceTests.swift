import Foundation
import Testing
@testable import TandemDSP

/// The onset coincidence that helps match harmonic sources to regions: a source's onsets met by a region's motion
/// peaks shortly after them, each side counted against the other, chance taken out.
@Suite struct SeparationCoincidenceTests {
    /// Note onsets (frames) at irregular gaps, as a melody's.
    static let onsets = [20, 63, 97, 151, 190, 236, 262, 318, 351, 409, 446, 497, 540]

    /// A source's summed activation: each note loud for 15 frames, near silence between.
    static func activation(frames: Int) -> [Float] {
        var a = [Float](repeating: 0.01, count: frames)
        for t in onsets { for i in t..<min(frames, t + 15) { a[i] = 1 } }
        return a
    }

    /// A motion curve with a short burst at each of `times`, over a low floor.
    static func motion(_ times: [Int], frames: Int) -> [Float] {
        var m = [Float](repeating: 0.05, count: frames)
        for t in times where t >= 0 && t < frames { for i in max(0, t - 1)...min(frames - 1, t + 1) { m[i] = 1 } }
        return m
    }

    @Test func peaksAreLocalMaximaAboveHalfADeviation() {
        // A bump of 5, one of 1 (below mean + half a deviation, 2.72) and a flat top of 6 (its last frame counts).
        let curve: [Float] = [0, 0, 5, 0, 0, 1, 0, 0, 6, 6, 0, 0]
        #expect(MotionInformedNMF.OnsetCoincidence.peaks(curve) == [2, 9])
        #expect(MotionInformedNMF.OnsetCoincidence.peaks([1, 1, 1, 1]).isEmpty)
        #expect(MotionInformedNMF.OnsetCoincidence.cover([1, 8], frames: 10, from: -2, to: 1) == [true, true, true, false, false, false, true, true, true, true])
    }

    /// Motion 80 ms after each onset (a player) against the same motion 80 ms before it (no player moves before the note)
    /// and against motion at other times: the onset and level correlations of `SourceEvidence`, searched over lags both ways,
    /// rate the late and the early motion alike; the coincidence tells them apart. A region that moves every 100 ms meets every
    /// onset and gains nothing.
    @Test func lateMotionCoincidesAndEarlyMotionDoesNot() {
        let frames = 600, step = 0.01
        let late = Self.motion(Self.onsets.map { $0 + 8 }, frames: frames)
        let early = Self.motion(Self.onsets.map { $0 - 8 }, frames: frames)
        let elsewhere = Self.motion(Self.onsets.map { $0 + 31 }, frames: frames)
        let always = Self.motion(Array(stride(from: 5, to: frames, by: 10)), frames: frames)
        let configuration = MotionInformedNMF.Configuration()
        let curves = [late, early, elsewhere, always]
        let coincidence = MotionInformedNMF.OnsetCoincidence(configuration, motion: curves, frames: frames, frameSeconds: step)
        let a = Self.activation(frames: frames)
        let scores = coincidence.scores(a)
        #expect(scores[0] > 0.8, "late \(scores)")
        #expect(scores[1] < 0, "early \(scores)")
        #expect(scores[2] < 0.2, "elsewhere \(scores)")
        #expect(abs(scores[3]) < 0.15, "always \(scores)")
        let symmetric = MotionInformedNMF.SourceEvidence(configuration, motion: curves, frames: frames, frameSeconds: step)
        #expect(abs(symmetric(a, region: 0) - symmetric(a, region: 1)) < 0.05, "the onset and level correlations tie the late and the early motion")
        // The activity after the onsets (read where two players are left) searches the motion further late than early: the late motion gains.
        let evidence = MotionInformedNMF.SourceEvidence(configuration, motion: curves, frames: frames, frameSeconds: step, activityWeight: 1)
        #expect(evidence(a, region: 0) > evidence(a, region: 1) + 0.05, "late \(evidence(a, region: 0)), early \(evidence(a, region: 1))")
        // No onsets: nothing to say about any region.
        #expect(coincidence.scores([Float](repeating: 1, count: frames)) == [0, 0, 0, 0])
    }

    /// A bow moving at an even speed (its energy flat, no peaks) that turns 80 ms after each onset, against one that turns
    /// at other times: the turns are what tell them apart, and with `turnWeight` 0 they tie as before.
    @Test func aBowTurningAfterTheOnsetsCoincides() {
        let frames = 600, step = 0.01
        let flat = [Float](repeating: 0.3, count: frames)
        let curves = [flat, flat]
        let turns = [Self.motion(Self.onsets.map { $0 + 8 }, frames: frames), Self.motion(Self.onsets.map { $0 + 31 }, frames: frames)]
        var configuration = MotionInformedNMF.Configuration()
        let a = Self.activation(frames: frames)
        let scores = MotionInformedNMF.OnsetCoincidence(configuration, motion: curves, turns: turns, frames: frames, frameSeconds: step).scores(a)
        #expect(scores[0] > 0.8 && scores[1] < 0.2, "\(scores)")
        configuration.turnWeight = 0
        let without = MotionInformedNMF.OnsetCoincidence(configuration, motion: curves, turns: turns, frames: frames, frameSeconds: step).scores(a)
        #expect(without == [0, 0])
        // Turns beside motion peaks add to them: the late motion with late turns scores more than with none.
        let late = Self.motion(Self.onsets.map { $0 + 8 }, frames: frames)
        let both = MotionInformedNMF.OnsetCoincidence(MotionInformedNMF.Configuration(), motion: [late, late], turns: [turns[0], []],
                                                      frames: frames, frameSeconds: step).scores(a)
        #expect(both[0] > both[1] + 0.5, "\(both)")
    }
}
