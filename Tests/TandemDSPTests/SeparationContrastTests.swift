import Foundation
import Testing
import TandemCore
@testable import TandemDSP

/// Evidence against what distinguishes a region's motion, not against motion every region shares.
@Suite struct SeparationContrastTests {
    static func correlation(_ a: [Float], _ b: [Float]) -> Float { MotionInformedNMF.laggedCorrelation(a, b, maxLag: 0) }

    /// Two players' own motion plus a large shared swing (a pan, a stage light): the contrasted curves
    /// follow each player's own motion and no longer the shared one; a flat region stays flat, and a
    /// bystander's motion is not taken for the shared part.
    @Test func contrastTakesOutWhatTheRegionsShare() {
        var generator = SplitMix64(seed: 7)
        let n = 400
        func bursts() -> [Float] { (0..<n).map { _ in generator.nextUnitFloat() < 0.15 ? 1 : 0 } }
        let a = bursts(), b = bursts()
        let shared = (0..<n).map { Float(2 + 2 * sin(Double($0) / 9)) }
        let flat = [Float](repeating: 0.3, count: n)
        let motion = [zip(a, shared).map { $0 + 3 * $1 }, zip(b, shared).map { $0 + 3 * $1 }, flat]
        let out = MotionInformedNMF.contrasted(motion)
        #expect(Self.correlation(motion[0], a) < 0.4)
        #expect(Self.correlation(out[0], a) > 0.6)
        #expect(Self.correlation(out[1], b) > 0.6)
        #expect(abs(Self.correlation(out[0], shared)) < 0.2)
        #expect(out[2] == flat)
        // One moving region: nothing to compare with, the curves are unchanged.
        #expect(MotionInformedNMF.contrasted([motion[0], flat]) == [motion[0], flat])

        // A bystander beating time in a third region is no part of what the players share.
        let beat = (0..<n).map { Float(1 + sin(2 * Double.pi * Double($0) / 20)) }
        let scene = [a, b, beat]
        let withBeat = MotionInformedNMF.contrasted(scene)
        let without = MotionInformedNMF.contrasted(scene, excluding: [2])
        #expect(Self.correlation(withBeat[0], beat) < -0.3)
        #expect(abs(Self.correlation(without[0], beat)) < 0.15)
    }

    /// Both regions also move with the high player's notes (a light that follows the loud one, a shaking
    /// stage): raw, the low player's region follows the high notes too; contrasted, each region keeps its
    /// own player, and both players get their sound.
    @Test func sharedMotionDoesNotPullNotesToTheWrongPlayer() throws {
        let low = Duet.low, high = Duet.high
        let mix = zip(low, high).map { $0 + $1 }
        let lowTrack = Duet.motion(Duet.lowOnsets, label: "low"), highTrack = Duet.motion(Duet.highOnsets, label: "high")
        let shared = highTrack.energy.map { 0.6 * $0 }
        let tracks = [MotionTrack(label: "low", times: lowTrack.times, energy: zip(lowTrack.energy, shared).map { $0 + $1 }),
                      MotionTrack(label: "high", times: highTrack.times, energy: zip(highTrack.energy, shared).map { $0 + $1 })]
        var configuration = MotionInformedNMF.Configuration()
        configuration.contrastsMotion = true
        let result = try MotionInformedNMF(configuration).separate([mix], sampleRate: Duet.rate, motion: tracks, sources: 2)
        let l = try #require(result.sources.first { $0.label == "low" }), h = try #require(result.sources.first { $0.label == "high" })
        #expect(!l.silent && !h.silent)
        #expect(Duet.sdr(l.channels[0], low) - Duet.sdr(mix, low) > 5)
        #expect(Duet.sdr(h.channels[0], high) - Duet.sdr(mix, high) > 5)
    }
}
