import Foundation

extension MotionInformedNMF {
    /// Wiener-style masks `V_s^p / Σ_j V_j^p` from each output's model `V_s` (`frames × bins`); a bin no
    /// model holds is 0 in every mask (silence stays silence, never NaN).
    static func wienerMasks(_ models: [[Float]], exponent p: Float) -> [[Float]] {
        guard let cells = models.first?.count else { return [] }
        var masks = models
        var total = [Float](repeating: 0, count: cells)
        for s in masks.indices {
            for i in 0..<cells {
                let m = masks[s][i]
                let v = p == 2 ? m * m : pow(m, p)
                masks[s][i] = v
                total[i] += v
            }
        }
        for s in masks.indices {
            for i in 0..<cells { masks[s][i] = total[i] > 0 ? masks[s][i] / total[i] : 0 }
        }
        return masks
    }

    /// `agreement[s][r]`: the share of harmonic source `s`'s model energy that the free components' grouping
    /// gives to region `r` (its masks weighted by the source's model, bin by bin).
    ///
    /// The components model groups its own factorisation into regions by timbre and whole-source motion; where
    /// it puts a harmonic source's bins is a second opinion on that source's region, one that does not rest on
    /// the single onset and level correlation of the source's summed activation with a region's motion curve.
    static func agreement(_ sourceModels: [[Float]], with componentMasks: [[Float]]) -> [[Float]] {
        sourceModels.map { model in
            let total = model.reduce(Double(0)) { $0 + Double($1) }
            return componentMasks.map { mask in
                guard total > 0 else { return 0 }
                var s = 0.0
                for i in model.indices where i < mask.count { s += Double(model[i]) * Double(mask[i]) }
                return Float(s / total)
            }
        }
    }

    /// Per matched row, how much the matching's total would fall if that row could not keep its column: the
    /// best total minus the best total with that one pairing forbidden. A pair that a small change of the
    /// scores could swap has a margin near 0, whichever row it is read from.
    /// - Parameters:
    ///   - matrix: square score matrix (rows beyond `rows` are padding).
    ///   - matching: `JointGrouping.bestMatching(matrix)`.
    static func matchMargins(_ matrix: [[Float]], matching: [Int], rows: Int) -> [Float] {
        func total(_ m: [Int], _ x: [[Float]]) -> Float { m.indices.reduce(Float(0)) { $0 + x[$1][m[$1]] } }
        let best = total(matching, matrix)
        guard matrix.count > 1 else { return [Float](repeating: .infinity, count: rows) }
        return (0..<rows).map { s in
            var forbidden = matrix
            forbidden[s][matching[s]] = -1e6
            let other = JointGrouping.bestMatching(forbidden)
            return best - total(other, matrix)
        }
    }

    /// Per output, `w_a · a + (1 − w_a) · b`, then one Wiener normalisation across the outputs, so the masks
    /// still sum to 1 in every bin that either set covers (the outputs sum to the mixture).
    ///
    /// Averaging two models' masks keeps what both agree on and halves what only one of them got wrong: a
    /// whole source that one model put on the wrong region costs half a player instead of a whole one.
    /// - Parameter weights: per output, the weight of `a` (0…1).
    static func blended(_ a: [[Float]], _ b: [[Float]], weights: [Float]) -> [[Float]] {
        guard let cells = a.first?.count else { return b }
        var out = a.indices.map { r in (0..<cells).map { weights[r] * a[r][$0] + (1 - weights[r]) * b[r][$0] } }
        for i in 0..<cells {
            var total: Float = 0
            for r in out.indices { total += out[r][i] }
            for r in out.indices { out[r][i] = total > 0 ? out[r][i] / total : 0 }
        }
        return out
    }
}
