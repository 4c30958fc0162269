import Foundation
import Testing
import TandemCore
@testable import TandemDSP

/// A duet whose two models share the mixture differently has its components factorised again (`flatDuetRedo`).
@Suite struct SeparationFlatDuetTests {
    /// Masks that share every cell alike agree fully; two regions swapped, or one mask given the whole cell the other
    /// split evenly, agree by the cells' energy; cells without energy and regions not listed do not count.
    @Test func agreementIsTheSharedPartWeightedByEnergy() {
        let magnitude: [Float] = [1, 1, 0, 2]
        let low: [Float] = [1, 1, 0.3, 0], high: [Float] = [0, 0, 0.7, 1]
        #expect(MotionInformedNMF.maskAgreement([low, high], [low, high], magnitude: magnitude, regions: [0, 1]) == 1)
        #expect(MotionInformedNMF.maskAgreement([low, high], [high, low], magnitude: magnitude, regions: [0, 1]) == 0)
        let even = [Float](repeating: 0.5, count: 4)
        #expect(MotionInformedNMF.maskAgreement([low, high], [even, even], magnitude: magnitude, regions: [0, 1]) == 0.5)
        // Only the first cell differs (energy 1 of 6): 1 − 1/6 of full agreement.
        let other: [Float] = [0, 1, 0.9, 0], otherHigh: [Float] = [1, 0, 0.1, 1]
        let third = [Float](repeating: 1, count: 4)
        let agreement = MotionInformedNMF.maskAgreement([low, high, third], [other, otherHigh, even], magnitude: magnitude, regions: [0, 1])
        #expect(abs(agreement - (1 - 1.0 / 6)) < 1e-6)
        #expect(MotionInformedNMF.maskAgreement([low], [high], magnitude: [0, 0, 0, 0], regions: [0]) == 1)
    }

    /// Two instruments in separate bins, playing in turns. Components grouped into an even split (a duet left unseparated)
    /// disagree with the harmonic model's split by instrument: the components are factorised again and, grouped by where
    /// their templates lie, kept. Grouped that way the first time, they are not redone; nor is a trio, nor a duet whose
    /// redo does not agree better.
    @Test func anUnseparatedDuetIsRedoneAndKeptWhenTheRedoAgrees() throws {
        let (frames, bins) = (48, 24)
        var rng = SplitMix64(seed: 27)
        var magnitude = [Float](repeating: 0, count: frames * bins)
        var lowShare = magnitude
        for f in 0..<frames {
            let (a, b) = ((f / 6) % 2 == 0 ? Float(1) : 0.05, (f / 4) % 2 == 0 ? Float(1) : 0.05)
            for k in 0..<bins {
                let low = k < 10 ? a * (1 + 0.2 * Float(rng.nextUnitFloat())) : 0.001
                let high = k >= 12 ? b * (1 + 0.2 * Float(rng.nextUnitFloat())) : 0.001
                magnitude[f * bins + k] = low + high
                lowShare[f * bins + k] = low / (low + high)
            }
        }
        let split = [lowShare, lowShare.map { 1 - $0 }]
        let even = [[Float](repeating: 0.5, count: frames * bins), [Float](repeating: 0.5, count: frames * bins)]
        var configuration = MotionInformedNMF.Configuration()
        configuration.componentsPerSource = 2
        configuration.flatRedoComponentsPerSource = 4
        let separator = MotionInformedNMF(configuration)
        var redone = 0
        // Each component to the region whose bins hold most of its template.
        let byBins = { (factors: NMF.Factors) -> MotionInformedNMF.Attribution in
            redone += 1
            var groups: [[Int]] = [[], []]
            for c in 0..<factors.components {
                let template = factors.templates[(c * bins)..<((c + 1) * bins)]
                let low = template.prefix(11).reduce(0, +)
                groups[low > 0.5 ? 0 : 1].append(c)
            }
            return MotionInformedNMF.Attribution(groups: groups, confidence: [1, 1], sounding: [true, true])
        }
        func redo(_ components: [[Float]], sourceCount: Int = 2, regroup: ((NMF.Factors) -> MotionInformedNMF.Attribution)? = nil) throws
            -> (factors: NMF.Factors, attribution: MotionInformedNMF.Attribution, masks: [[Float]])? {
            try separator.flatDuetRedo(magnitude, frames: frames, bins: bins, sourceCount: sourceCount, harmonicMasks: split,
                                       harmonicSounding: [true, true], componentMasks: components, sounding: [true, true],
                                       regroup: regroup ?? byBins)
        }
        let kept = try #require(try redo(even))
        #expect(redone == 1 && kept.attribution.groups.allSatisfy { !$0.isEmpty })
        // The redo's own factors come back with its grouping: the blend's note timing reads them, not the first's.
        #expect(kept.factors.components == 8 && kept.attribution.groups.joined().allSatisfy { $0 < 8 })
        #expect(MotionInformedNMF.maskAgreement(split, kept.masks, magnitude: magnitude, regions: [0, 1]) > 0.9)
        #expect(try redo(split) == nil && redone == 1)
        #expect(try redo(even, sourceCount: 3) == nil && redone == 1)
        // A redo grouped no better (everything on one region) is left.
        let oneRegion = { (factors: NMF.Factors) in
            MotionInformedNMF.Attribution(groups: [Array(0..<factors.components), []], confidence: [1, 0], sounding: [true, false])
        }
        #expect(try redo(even, regroup: oneRegion) == nil)
    }

    /// Through `separate`: a kept redo is what the ensemble blends. With the harmonic side weighed out (share 0, no
    /// contrast or confidence weighting) and note timing off, the outputs are the mixture under the components' masks
    /// alone, so a duet whose redo is forced (any agreement redoes, any redo is kept) comes out other than without it.
    /// After `septime` was merged the blend read the first factorisation's timed masks whatever the redo gave (session 27).
    @Test func aKeptRedoIsWhatTheEnsembleBlends() throws {
        let mix = zip(Duet.low, Duet.high).map { $0 + $1 }
        let tracks = [Duet.motion(Duet.highOnsets, label: "right"), Duet.motion(Duet.lowOnsets, label: "left")]
        var configuration = MotionInformedNMF.Configuration()
        configuration.componentsPerSource = 2
        configuration.timesNotes = false
        configuration.harmonicShare = 0
        configuration.confidenceWeighting = false
        configuration.timbreContrastExponent = 0
        configuration.flatAgreement = 0
        let first = try MotionInformedNMF(configuration).separate([mix], sampleRate: Duet.rate, motion: tracks, sources: 2)
        (configuration.flatAgreement, configuration.flatRedoMargin, configuration.flatRedoComponentsPerSource) = (2, -2, 5)
        let redone = try MotionInformedNMF(configuration).separate([mix], sampleRate: Duet.rate, motion: tracks, sources: 2)
        #expect(first.sources.count == 2 && redone.sources.count == 2)
        let difference = zip(first.sources[0].channels[0], redone.sources[0].channels[0]).map { abs($0 - $1) }.max() ?? 0
        #expect(difference > 1e-3, "the redo's masks were not blended: largest difference \(difference)")
    }
}
