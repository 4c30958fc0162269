import Foundation
import Testing
@testable import TandemDSP

/// Motion that makes no sound takes no sound, even when the count asked for leaves a source over.
@Suite struct SeparationMoverTests {
    /// One player found, a conductor beating time, and two sources asked for: the harmonic model has a second
    /// source to place and only the conductor's region left for it. The conductor stays silent (no sound, not the
    /// mixture, confidence 0), the note says what was left out, and the player keeps its output.
    @Test func aBystanderTakesNoSoundWhenMoreSourcesAreAskedForThanPlayersFound() throws {
        let (mix, scene) = SeparationCountTests.conductorScene()
        let tracks = [scene[0], scene[1]]   // the conductor and player "a"; player "b" was never found
        let result = try MotionInformedNMF().separate([mix], sampleRate: Duet.rate, motion: tracks, sources: 2)
        let conductor = try #require(result.sources.first { $0.label == "conductor" })
        #expect(conductor.silent && conductor.confidence == 0 && conductor.channels[0].allSatisfy { $0 == 0 })
        #expect(result.note.contains("conductor"), "note: \(result.note)")
        let a = try #require(result.sources.first { $0.label == "a" })
        #expect(!a.silent)
        #expect(Duet.sdr(a.channels[0], Duet.low) - Duet.sdr(mix, Duet.low) > 1)
    }

    /// With every player found, nothing is left out: the outputs still sum to the mixture and no note is added.
    @Test func nothingIsLeftOutWhenEveryPlayerIsFound() throws {
        let (mix, tracks) = SeparationCountTests.conductorScene()
        let result = try MotionInformedNMF().separate([mix], sampleRate: Duet.rate, motion: tracks, sources: 2)
        #expect(result.sources.filter(\.silent).map(\.label) == ["conductor"])
        #expect(!result.note.contains("left out"), "note: \(result.note)")
        var sum = [Float](repeating: 0, count: mix.count)
        for source in result.sources { for i in sum.indices { sum[i] += source.channels[0][i] } }
        #expect(Duet.sdr(sum, mix) > 40)
    }
}
