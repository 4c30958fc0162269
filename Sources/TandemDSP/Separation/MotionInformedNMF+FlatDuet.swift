import Foundation

extension MotionInformedNMF {
    /// How alike two sets of per-region masks share the mixture among `regions`: one minus half the summed absolute
    /// difference of their masks, averaged over the STFT cells weighted by the mixture's energy in them (1: the same
    /// shares everywhere; 0: every cell's sound given to other regions). Read as placed: two regions swapped disagree.
    /// - Complexity: O(cells × regions).
    static func maskAgreement(_ a: [[Float]], _ b: [[Float]], magnitude: [Float], regions: [Int]) -> Float {
        var total = 0.0, weight = 0.0
        magnitude.withUnsafeBufferPointer { x in
            for i in 0..<x.count {
                let w = Double(x[i]) * Double(x[i])
                guard w > 0 else { continue }
                var d: Float = 0
                for r in regions { d += abs(a[r][i] - b[r][i]) }
                total += w * Double(1 - d / 2)
                weight += w
            }
        }
        return weight > 0 ? Float(total / weight) : 1
    }

    /// The components' side of a duet factorised again, with `flatRedoComponentsPerSource` components per source, when it
    /// and the harmonic sources share the mixture between the two heard regions alike on less than `flatAgreement` of its
    /// energy (`maskAgreement`); the redo is kept when it agrees with the harmonic sources by `flatRedoMargin` more and
    /// leaves neither heard region without sound.
    ///
    /// Two models of a different make that share the mixture alike have both followed the instruments; a split by level,
    /// by band or at random — a duet left unseparated — is arbitrary, and two arbitrary splits do not agree. Traced on
    /// held-out duet #91 (oboe + alto sax): the 16 components grouped into two sources that each held 40–60 % of both
    /// instruments (agreement with the harmonic sources 0.48), and the duet's timbre contrast gave them 98 % of the
    /// ensemble's masks; with 24 components the grouping followed the instruments (0.65) and the duet gained +5.0 dB
    /// instead of −1.5 (`Tools/eval/results/separation.md`, session 27, `sepflat`).
    /// - Parameters:
    ///   - sourceCount: the sources factorised for; only a duet (2) is redone.
    ///   - harmonicMasks, harmonicSounding: the harmonic sources' masks and sounding regions (`HarmonicAttribution`).
    ///   - componentMasks, sounding: the components' grouping's masks and sounding regions.
    ///   - regroup: the components' grouping of another factorisation (`attribute` with the same motion and count).
    /// - Returns: the redo's factors, grouping and masks, or nil when the rule does not apply or the first factorisation stays.
    func flatDuetRedo(_ magnitude: [Float], frames: Int, bins: Int, sourceCount: Int, harmonicMasks: [[Float]], harmonicSounding: [Bool],
                      componentMasks: [[Float]], sounding: [Bool], regroup: (NMF.Factors) -> Attribution) throws
        -> (factors: NMF.Factors, attribution: Attribution, masks: [[Float]])? {
        let heard = harmonicMasks.indices.filter { sounding[$0] || harmonicSounding[$0] }
        let perSource = configuration.flatRedoComponentsPerSource
        guard heard.count == 2, sourceCount == 2, perSource != configuration.componentsPerSource, perSource > 0,
              componentMasks.count == harmonicMasks.count else { return nil }
        let first = Self.maskAgreement(harmonicMasks, componentMasks, magnitude: magnitude, regions: heard)
        guard first < configuration.flatAgreement else { return nil }
        var input = magnitude
        if configuration.divergence == .itakuraSaito { input = magnitude.map { $0 * $0 } }
        let nmf = NMF(components: perSource * sourceCount, divergence: configuration.divergence, iterations: configuration.iterations,
                      seed: configuration.seed)
        let factors = try nmf.factorize(input, frames: frames, bins: bins)
        let attribution = regroup(factors)
        let masks = self.componentMasks(factors, attribution: attribution, cells: frames * bins)
        // The redo re-splits the same two players: one that leaves either of them without sound is no separation (it
        // would agree fully with a harmonic model that did the same).
        guard heard.allSatisfy({ attribution.sounding[$0] }) else { return nil }
        let second = Self.maskAgreement(harmonicMasks, masks, magnitude: magnitude, regions: heard)
        return second > first + configuration.flatRedoMargin ? (factors, attribution, masks) : nil
    }
}
