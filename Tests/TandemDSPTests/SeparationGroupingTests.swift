import Foundation
import Testing
@testable import TandemDSP

/// The joint grouping (timbre and whole-source motion together) and the whole-source competition
/// between regions.
@Suite struct SeparationGroupingTests {
    @Test func preparedLaggedCorrelationEqualsTheDirectOne() {
        var generator = SystemRandomNumberGenerator()
        for (length, maxLag) in [(50, 0), (200, 5), (300, 21)] {
            let a = (0..<length).map { _ in Float.random(in: 0...1, using: &generator) }
            let b = (0..<length).map { i in Float(sin(Double(i) / 7)) + Float.random(in: 0...0.3, using: &generator) }
            let prepared = MotionInformedNMF.LaggedReference(b, length: length, maxLag: maxLag)
            #expect(abs(prepared.correlation(a) - MotionInformedNMF.laggedCorrelation(a, b, maxLag: maxLag)) < 1e-4)
            // Correlated with itself shifted by 3 frames: found at lag 3 when searched.
            let shifted = Array(b.dropFirst(3)) + [0, 0, 0]
            if maxLag >= 3 { #expect(prepared.correlation(shifted) > 0.9) }
            // Flat curves carry no evidence either way.
            #expect(prepared.correlation([Float](repeating: 0.5, count: length)) == 0)
            #expect(MotionInformedNMF.LaggedReference([Float](repeating: 1, count: length), length: length, maxLag: maxLag).correlation(a) == 0)
        }
    }

    /// A second piece of one player (its motion at the same notes, later and weaker): asked for two
    /// sources, the piece gives way, not the other player.
    @Test func aForcedDropTakesTheRegionWhoseLossCostsLeast() throws {
        let low = Duet.low, high = Duet.high
        let mix = zip(low, high).map { $0 + $1 }
        let times = (0..<Int(Duet.seconds * 25)).map { Double($0) / 25 }
        let piece = MotionTrack(label: "a-piece", times: times, energy: times.map { t in
            Duet.lowOnsets.contains { t >= $0 + 0.04 && t < $0 + 0.16 } ? Float(0.08) : Float(0.004)
        })
        let tracks = [Duet.motion(Duet.lowOnsets, label: "a"), piece, Duet.motion(Duet.highOnsets, label: "b")]
        var configuration = MotionInformedNMF.Configuration()
        configuration.componentsPerSource = 4
        let result = try MotionInformedNMF(configuration).separate([mix], sampleRate: Duet.rate, motion: tracks, sources: 2)
        let sounding = result.sources.filter { !$0.silent }
        #expect(sounding.count == 2)
        let b = try #require(sounding.first { $0.label == "b" }, "the other player was dropped: \(sounding.map(\.label))")
        let a = try #require(sounding.first { $0.label != "b" })
        #expect(Duet.sdr(b.channels[0], high) - Duet.sdr(mix, high) > 5)
        #expect(Duet.sdr(a.channels[0], low) - Duet.sdr(mix, low) > 5)
    }

    /// A conductor beating steady time makes no sound: with an automatic count it is dropped, and both
    /// players keep their sound.
    @Test func aSilentMoverIsDroppedAndNoPlayerIs() throws {
        let low = Duet.low, high = Duet.high
        let mix = zip(low, high).map { $0 + $1 }
        let times = (0..<Int(Duet.seconds * 25)).map { Double($0) / 25 }
        let conductor = MotionTrack(label: "conductor", times: times, energy: times.map { t in
            Float(0.1 + 0.09 * sin(2 * Double.pi * t / 0.55))
        })
        let tracks = [conductor, Duet.motion(Duet.lowOnsets, label: "a"), Duet.motion(Duet.highOnsets, label: "b")]
        let result = try MotionInformedNMF().separate([mix], sampleRate: Duet.rate, motion: tracks)
        #expect(result.sources.filter(\.silent).map(\.label) == ["conductor"])
        let a = try #require(result.sources.first { $0.label == "a" }), b = try #require(result.sources.first { $0.label == "b" })
        #expect(Duet.sdr(a.channels[0], low) - Duet.sdr(mix, low) > 5)
        #expect(Duet.sdr(b.channels[0], high) - Duet.sdr(mix, high) > 5)
    }

    /// Both players move alike for the second half (a shared gesture, a stage light), so motion cannot
    /// tell those notes apart; timbre keeps each instrument's notes with the rest of its source.
    @Test func timbreHoldsNotesTogetherWhereMotionCannotTell() throws {
        let lowPhrases = [(0.0, 1.6), (2.6, 3.8), (4.0, 8.0)], highPhrases = [(1.2, 2.8), (3.0, 3.9), (4.0, 8.0)]
        let low = SeparationRefinementTests.melody(pitches: [196, 220, 247, 262, 294], harmonics: 6, phrases: lowPhrases)
        let high = SeparationRefinementTests.melody(pitches: [1175, 1319, 988, 1047], harmonics: 2, phrases: highPhrases)
        let mix = zip(low, high).map { $0 + $1 }
        let times = (0..<Int(SeparationRefinementTests.seconds * 25)).map { Double($0) / 25 }
        func track(_ phrases: [(Double, Double)], _ label: String, _ seed: Int) -> MotionTrack {
            MotionTrack(label: label, times: times, energy: times.enumerated().map { i, t -> Float in
                if t >= 4 { return Float(0.1 + 0.05 * sin(Double(i) * 0.7)) }   // the same for both
                return phrases.contains { t >= $0.0 && t < $0.1 } ? Float(0.1 + 0.05 * sin(Double(i * (seed + 3)))) : 0.002
            })
        }
        let tracks = [track(lowPhrases, "low", 1), track(highPhrases, "high", 2)]
        func gains(timbreWeight: Float) throws -> (Double, Double) {
            var configuration = MotionInformedNMF.Configuration()
            configuration.duetTimbreWeight = timbreWeight   // two sources
            let result = try MotionInformedNMF(configuration).separate([mix], sampleRate: SeparationRefinementTests.rate, motion: tracks, sources: 2)
            #expect(result.sources.allSatisfy { !$0.silent })
            return (Duet.sdr(result.sources[0].channels[0], low) - Duet.sdr(mix, low),
                    Duet.sdr(result.sources[1].channels[0], high) - Duet.sdr(mix, high))
        }
        let joint = try gains(timbreWeight: MotionInformedNMF.Configuration().duetTimbreWeight), motionOnly = try gains(timbreWeight: 0)
        #expect(joint.0 > 5 && joint.1 > 5, "joint \(joint), motion only \(motionOnly)")
        #expect(joint.0 + joint.1 >= motionOnly.0 + motionOnly.1 - 0.5, "joint \(joint), motion only \(motionOnly)")
    }
}

/// The automatic count's two guards: a region with strong evidence of its own is kept, and a region is
/// dropped only when the objective rises by more than `dropMargin` without it.
@Suite struct SeparationCountTests {
    static func conductorScene() -> (mix: [Float], tracks: [MotionTrack]) {
        let mix = zip(Duet.low, Duet.high).map { $0 + $1 }
        let times = (0..<Int(Duet.seconds * 25)).map { Double($0) / 25 }
        let conductor = MotionTrack(label: "conductor", times: times, energy: times.map { t in
            Float(0.1 + 0.09 * sin(2 * Double.pi * t / 0.55))
        })
        return (mix, [conductor, Duet.motion(Duet.lowOnsets, label: "a"), Duet.motion(Duet.highOnsets, label: "b")])
    }

    /// With the bar for "strong evidence" at the bottom of its range every region is kept on an automatic
    /// count (the conductor too); a count asked for still overrules it.
    @Test func strongOwnEvidenceKeepsARegionUnlessFewerAreAskedFor() throws {
        let (mix, tracks) = Self.conductorScene()
        var configuration = MotionInformedNMF.Configuration()
        configuration.model = .components   // the free components' keep rule (harmonic sources match one to one)
        configuration.moverPeriodicity = 2   // this guard alone: the periodic-bystander rule would drop the conductor first
        configuration.keepEvidence = -1
        let auto = try MotionInformedNMF(configuration).separate([mix], sampleRate: Duet.rate, motion: tracks)
        #expect(auto.sources.filter(\.silent).isEmpty)
        let two = try MotionInformedNMF(configuration).separate([mix], sampleRate: Duet.rate, motion: tracks, sources: 2)
        #expect(two.sources.filter(\.silent).map(\.label) == ["conductor"])
        // The players' own sources follow their motion better than the conductor's would: a bar between
        // them keeps both players and still lets the conductor go.
        configuration.keepEvidence = 0.5
        let between = try MotionInformedNMF(configuration).separate([mix], sampleRate: Duet.rate, motion: tracks)
        #expect(between.sources.filter(\.silent).map(\.label) == ["conductor"])
    }

    /// A drop must raise the objective by more than the margin: with a margin larger than any rise the
    /// objective can take (its motion part lies in −1…1, its timbre part in 0…λ), nothing is dropped on an
    /// automatic count.
    @Test func aDropMustClearTheMargin() throws {
        let (mix, tracks) = Self.conductorScene()
        var configuration = MotionInformedNMF.Configuration()
        configuration.model = .components   // the free components' drop rule
        configuration.moverPeriodicity = 2   // the margin alone: the periodic-bystander rule would drop the conductor first
        configuration.keepEvidence = 2
        configuration.dropMargin = 0
        let plain = try MotionInformedNMF(configuration).separate([mix], sampleRate: Duet.rate, motion: tracks)
        #expect(plain.sources.filter(\.silent).map(\.label) == ["conductor"])
        configuration.dropMargin = 2 + configuration.timbreWeight
        let wide = try MotionInformedNMF(configuration).separate([mix], sampleRate: Duet.rate, motion: tracks)
        #expect(wide.sources.filter(\.silent).isEmpty)
    }

    /// A bystander beating time is dropped first, whatever the margin or its own evidence: the conductor
    /// goes even where the objective alone would keep every region, and both players keep their sound.
    @Test func aPeriodicBystanderGoesWhateverTheMargin() throws {
        let (mix, tracks) = Self.conductorScene()
        var configuration = MotionInformedNMF.Configuration()
        configuration.keepEvidence = -1
        configuration.dropMargin = 2 + configuration.timbreWeight
        let result = try MotionInformedNMF(configuration).separate([mix], sampleRate: Duet.rate, motion: tracks)
        #expect(result.sources.filter(\.silent).map(\.label) == ["conductor"])
        let a = try #require(result.sources.first { $0.label == "a" }), b = try #require(result.sources.first { $0.label == "b" })
        #expect(Duet.sdr(a.channels[0], Duet.low) - Duet.sdr(mix, Duet.low) > 5)
        #expect(Duet.sdr(b.channels[0], Duet.high) - Duet.sdr(mix, Duet.high) > 5)
    }
}
