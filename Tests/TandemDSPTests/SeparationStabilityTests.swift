import Foundation
import Testing
import TandemCore
@testable import TandemDSP

/// An assignment of sources to regions that a small change of the regions cannot swing.
@Suite struct SeparationStabilityTests {
    /// Hand-made factors: two instruments of four components each (spectral shapes a few bins apart, as two
    /// instruments of one family; each component a few notes at its own times), and two regions whose
    /// motion follows each instrument's notes; region 0's box also took in `leak` times the other player's
    /// first component (a box a cell wider towards the neighbour, who glows on those notes).
    static func contaminated(leak: Float) -> (factors: NMF.Factors, motion: [[Float]]) {
        let components = 8
        let factors = noteFactors(components: components, seed: 7) { c in c < 4 ? 14 + 2 * c : 22 + 2 * (c - 4) }
        let activations = factors.activations
        func played(_ members: Range<Int>) -> [Float] {
            (0..<factors.frames).map { t in members.reduce(Float(0)) { $0 + activations[t * components + $1] } }
        }
        var first = played(0..<4)
        let neighbour = played(4..<5)
        for t in first.indices { first[t] += leak * neighbour[t] }
        return (factors, [first, played(4..<8)])
    }

    static func groups(leak: Float, timbreWeight: Float) -> [[Int]] {
        let (factors, motion) = contaminated(leak: leak)
        var configuration = MotionInformedNMF.Configuration()
        configuration.duetTimbreWeight = timbreWeight   // two sources
        return MotionInformedNMF(configuration).attribute(factors, motion: motion, frameSeconds: 0.032, sources: 2).groups
    }

    /// A region whose box took in a neighbour's glow on one of their notes: with the duets' weight on timbre
    /// the grouping keeps each instrument whole (the neighbour's note stays with its instrument); with the
    /// former weight (2) that note followed the leak to the wrong player.
    @Test func aLeakFromTheNeighbourDoesNotSplitAnInstrument() {
        let truth = [[0, 1, 2, 3], [4, 5, 6, 7]]
        let weight = MotionInformedNMF.Configuration().duetTimbreWeight
        for leak: Float in [0, 0.5, 1, 1.5, 2] {
            #expect(Self.groups(leak: leak, timbreWeight: weight) == truth, "leak \(leak)")
        }
        // The case is hard enough to matter: the former weight splits the instrument.
        #expect(Self.groups(leak: 1.5, timbreWeight: 2) != truth)
    }
}
