import Foundation
import Testing
@testable import TandemDSP

/// The rule that tells a bystander keeping time (a conductor, a dancer, a screen) from a player:
/// strongly repeating motion over a sound that does not repeat at that period.
struct PeriodicMoverTests {
    static let frameSeconds = 0.01
    static let frames = 1000  // 10 s

    /// Irregular notes: onsets at pseudo-random gaps of 0.3–0.9 s, each a short burst.
    static func irregular(seed: UInt64) -> [Float] {
        var curve = [Float](repeating: 0, count: frames)
        var state = seed, t = 20
        while t < frames {
            for i in t..<min(frames, t + 12) { curve[i] = 1 }
            state = state &* 6364136223846793005 &+ 1442695040888963407
            t += 30 + Int((state >> 33) % 60)
        }
        return curve
    }

    /// A gesture repeated every `period` frames.
    static func beating(period: Int) -> [Float] {
        (0..<frames).map { t in Float(0.5 + 0.5 * sin(2 * Double.pi * Double(t) / Double(period))) }
    }

    static let on = MotionInformedNMF.Configuration()

    @Test func beatingWithoutThatBeatInTheSoundIsAMover() {
        let sound = MotionInformedNMF.onsetCurve(Self.irregular(seed: 7).map { $0 + 0.01 })
        let motion = [Self.irregular(seed: 7), Self.beating(period: 55)]
        let movers = MotionInformedNMF.periodicMovers(motion: motion, onsets: [sound], frameSeconds: Self.frameSeconds,
                                                      configuration: Self.on)
        #expect(movers == [false, true])
    }

    @Test func aPlayerKeepingTheSoundsBeatIsNoMover() {
        // A drummer: the motion and the sound both repeat every 0.5 s.
        let beat = (0..<Self.frames).map { t -> Float in t % 50 < 8 ? 1 : 0.01 }
        let movers = MotionInformedNMF.periodicMovers(motion: [Self.beating(period: 50)], onsets: [MotionInformedNMF.onsetCurve(beat)],
                                                      frameSeconds: Self.frameSeconds, configuration: Self.on)
        #expect(movers == [false])
    }

    @Test func aRegularPlayerWhoRestsIsNoMover() {
        // The same beat, but only in phrases with rests between them (2 s on, 1.5 s off): a player.
        let phrased = Self.beating(period: 55).enumerated().map { t, v in t % 350 < 200 ? v : 0 }
        let sound = MotionInformedNMF.onsetCurve(Self.irregular(seed: 5).map { $0 + 0.01 })
        #expect(MotionInformedNMF.periodicMovers(motion: [phrased], onsets: [sound], frameSeconds: Self.frameSeconds,
                                                 configuration: Self.on) == [false])
    }

    /// A stage light fading to near dark for 1.5 s of every 5: every region's motion falls with it.
    static func faded(_ curve: [Float]) -> [Float] {
        curve.enumerated().map { t, v in t % 500 >= 350 ? 0.05 * v : v }
    }

    @Test func aDancerUnderAFadingLightIsAMover() {
        // A dancer keeping time beside two players, all three under the fade: the dark stretches quiet the dancer as much as
        // the players, so they are the picture's, not a pause.
        let sound = MotionInformedNMF.onsetCurve(Self.irregular(seed: 7).map { $0 + 0.01 })
        let motion = [Self.irregular(seed: 3), Self.irregular(seed: 11), Self.beating(period: 55)].map(Self.faded)
        let movers = MotionInformedNMF.periodicMovers(motion: motion, onsets: [sound], frameSeconds: Self.frameSeconds,
                                                      configuration: Self.on)
        #expect(movers == [false, false, true])
        // Read on its own level alone, the dark stretches are rests.
        var alone = Self.on
        alone.moverStillnessInPicture = false
        #expect(MotionInformedNMF.periodicMovers(motion: motion, onsets: [sound], frameSeconds: Self.frameSeconds,
                                                 configuration: alone) == [false, false, false])
    }

    @Test func aRegularPlayerWhoRestsWhileOthersPlayIsNoMover() {
        // A player moving on a strict beat in phrases, resting 1.5 s of every 3.5 while the others go on, under the same fade.
        let phrased = Self.beating(period: 55).enumerated().map { t, v in t % 350 < 200 ? v : 0.02 }
        let sound = MotionInformedNMF.onsetCurve(Self.irregular(seed: 5).map { $0 + 0.01 })
        let motion = [phrased, Self.irregular(seed: 3), Self.irregular(seed: 11)].map(Self.faded)
        #expect(MotionInformedNMF.periodicMovers(motion: motion, onsets: [sound], frameSeconds: Self.frameSeconds,
                                                 configuration: Self.on) == [false, false, false])
    }

    @Test func stillShareReadsTheOtherRegions() {
        // Quiet for the last 3 of 10 s: alone, while the others go on, or with them.
        let level = (0..<1000).map { Float($0 < 700 ? 1 : 0.01) }
        #expect(abs(MotionInformedNMF.stillShare(level, others: nil) - 0.3) < 1e-6)
        #expect(abs(MotionInformedNMF.stillShare(level, others: [Float](repeating: 1, count: 1000)) - 0.3) < 1e-6)
        #expect(MotionInformedNMF.stillShare(level, others: level) == 0)
        #expect(MotionInformedNMF.stillShare([Float](repeating: 0, count: 10), others: nil) == 1)
        // The others' sum stops at the shortest curve: the frames past it have no reading and are not counted still.
        #expect(abs(MotionInformedNMF.stillShare(level, others: [Float](repeating: 1, count: 800)) - 0.1) < 1e-6)
    }

    @Test func slowDriftIsNoRepetition() {
        // Motion that only rises and falls over seconds (a swell, a sway) and never stops.
        let drift = (0..<Self.frames).map { t in Float(1.2 + sin(2 * Double.pi * Double(t) / 700)) }
        let sound = MotionInformedNMF.onsetCurve(Self.irregular(seed: 9).map { $0 + 0.01 })
        #expect(MotionInformedNMF.periodicMovers(motion: [drift], onsets: [sound], frameSeconds: Self.frameSeconds,
                                                 configuration: Self.on) == [false])
    }

    @Test func theRuleCanBeTurnedOff() {
        var configuration = MotionInformedNMF.Configuration()
        configuration.moverPeriodicity = 2
        let sound = MotionInformedNMF.onsetCurve(Self.irregular(seed: 3).map { $0 + 0.01 })
        #expect(MotionInformedNMF.periodicMovers(motion: [Self.beating(period: 55)], onsets: [sound], frameSeconds: Self.frameSeconds,
                                                 configuration: configuration) == [false])
    }

    /// Three gestures at once, every 0.47, 0.71 and 1.09 s (a dancer, an audience): one lag's autocorrelation stays
    /// under the bar, their power lies in three spectral lines.
    static let severalGestures = (0..<frames).map { t in
        [47.0, 71.0, 109.0].enumerated().reduce(Float(0)) { sum, g in sum + Float(0.5 + 0.5 * sin(2 * Double.pi * Double(t) / g.element + Double(g.offset))) }
    }

    @Test func severalGesturesAtOnceAreAMover() {
        let sound = MotionInformedNMF.onsetCurve(Self.irregular(seed: 7).map { $0 + 0.01 })
        let motion = [Self.irregular(seed: 7), Self.severalGestures]
        #expect(MotionInformedNMF.periodicity(Self.severalGestures, lags: 25...200).strength < Self.on.moverPeriodicity)
        #expect(MotionInformedNMF.periodicMovers(motion: motion, onsets: [sound], frameSeconds: Self.frameSeconds,
                                                 configuration: Self.on) == [false, true])
        var lineTestOff = Self.on
        lineTestOff.moverLineShare = 2
        #expect(MotionInformedNMF.periodicMovers(motion: motion, onsets: [sound], frameSeconds: Self.frameSeconds,
                                                 configuration: lineTestOff) == [false, false])
    }

    @Test func lineShareTellsGesturesFromNotes() {
        #expect(MotionInformedNMF.lineShare(Self.severalGestures, frameSeconds: Self.frameSeconds) > 0.9)
        for seed: UInt64 in [3, 5, 7, 9] {
            #expect(MotionInformedNMF.lineShare(Self.irregular(seed: seed), frameSeconds: Self.frameSeconds) < 0.6)
        }
        #expect(MotionInformedNMF.lineShare([Float](repeating: 1, count: Self.frames), frameSeconds: Self.frameSeconds) == 0)
    }

    @Test func periodicityFindsThePeriod() {
        let (strength, lag) = MotionInformedNMF.periodicity(Self.beating(period: 80), lags: 25...200)
        #expect(strength > 0.95 && abs(lag - 80) <= 1)
        #expect(MotionInformedNMF.periodicity(Self.irregular(seed: 11), lags: 25...200).strength < 0.65)
    }

    /// A second box on a mover, grouped with it as one player's pieces, is a bystander too when the mover's box is the
    /// group's busiest; a flagged piece that is not its player's busiest, or a spread that would leave no player, changes nothing.
    @Test func aMoversPiecesAreBystandersWithIt() {
        // Regions: a player, a conductor (busiest of its group), a second box on the conductor, not flagged alone.
        #expect(MotionInformedNMF.spreadingMovers([false, true, false], players: [0, 1, 1]) == [false, true, true])
        // The flagged piece is the lesser one: the player keeps its busiest piece.
        #expect(MotionInformedNMF.spreadingMovers([false, false, true], players: [0, 1, 1]) == [false, false, true])
        // Standing alone: as flagged.
        #expect(MotionInformedNMF.spreadingMovers([false, true, false], players: []) == [false, true, false])
        // Every region a bystander after the spread: left as flagged (the caller's "every region a bystander" rule then applies).
        #expect(MotionInformedNMF.spreadingMovers([true, false], players: [0, 0]) == [true, false])
    }

    /// End to end in the components' attribution: the conductor's second box, which alone moves irregularly enough to
    /// be no bystander, is dropped with the conductor when they are one group's pieces, and sounds when it stands alone.
    @Test func aConductorsSecondBoxTakesNoSound() {
        let components = 8
        let factors = noteFactors(components: components, seed: 5) { c in 10 + 12 * (c / 4) + 2 * (c % 4) }
        let activations = factors.activations
        let played = (0..<2).map { p in
            (0..<factors.frames).map { t in (4 * p..<4 * p + 4).reduce(Float(0)) { $0 + activations[t * components + $1] } }
        }
        let step = 0.032, beat = 17  // a 0.54 s gesture
        let conductor = (0..<factors.frames).map { t in Float(2 + 2 * sin(2 * Double.pi * Double(t) / Double(beat))) }
        // The second box: the conductor's elbow, faint, following the second player's notes by chance.
        let elbow = played[1].map { 0.3 * $0 }
        let motion = [played[0], played[1], conductor, elbow]
        let alone = MotionInformedNMF().attribute(factors, motion: motion, frameSeconds: step, sources: nil, players: [0, 1, 2, 3])
        let grouped = MotionInformedNMF().attribute(factors, motion: motion, frameSeconds: step, sources: nil, players: [0, 1, 2, 2])
        #expect(alone.bystanders == [2], "\(alone.bystanders)")
        #expect(grouped.bystanders == [2, 3], "\(grouped.bystanders)")
        #expect(grouped.sounding == [true, true, false, false], "\(grouped.sounding)")
    }

    /// The player's busiest piece — the most motion summed, the first of equals — is what the pieces point to.
    @Test func playersPointToTheirBusiestPiece() {
        let times = [0.0, 0.04]
        let tracks = [MotionTrack(label: "motion0", times: times, energy: [0, 1]),
                      MotionTrack(label: "motion1", times: times, energy: [1, 0], player: "a"),
                      MotionTrack(label: "motion2", times: times, energy: [2, 1], player: "a"),
                      MotionTrack(label: "motion3", times: times, energy: [1, 2], player: "a"),
                      MotionTrack(label: "motion4", times: times, energy: [0, 1], player: "b"),
                      MotionTrack(label: "motion5", times: times, energy: [1, 0], player: "b")]
        #expect(MotionInformedNMF.playerIndices(tracks) == [0, 2, 2, 2, 4, 4])
    }

    /// A region either model takes for a bystander is silenced: the harmonic sources' flags join the components'.
    @Test func eitherModelsBystandersAreSilenced() {
        #expect(MotionInformedNMF.bystanders([], harmonic: [false, false, true]) == [2])
        #expect(MotionInformedNMF.bystanders([1], harmonic: [false, false, true]) == [1, 2])
        #expect(MotionInformedNMF.bystanders([1], harmonic: []) == [1])
    }
}
