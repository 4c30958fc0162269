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

    @Test func periodicityFindsThePeriod() {
        let (strength, lag) = MotionInformedNMF.periodicity(Self.beating(period: 80), lags: 25...200)
        #expect(strength > 0.95 && abs(lag - 80) <= 1)
        #expect(MotionInformedNMF.periodicity(Self.irregular(seed: 11), lags: 25...200).strength < 0.65)
    }
}
