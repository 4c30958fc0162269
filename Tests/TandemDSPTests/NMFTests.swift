import Testing
@testable import TandemDSP

@Suite struct NMFTests {
    /// A rank-2 non-negative matrix: two templates switched on and off.
    static func lowRank(frames: Int = 40, bins: Int = 24) -> [Float] {
        (0..<frames).flatMap { t -> [Float] in
            let a: Float = t % 4 < 2 ? 1 : 0.05, b: Float = t % 10 < 5 ? 0.8 : 0.1
            return (0..<bins).map { f in a * Float(f % 6 == 0 ? 3 : 0.2) + b * Float(f < 8 ? 1 : 0.1) }
        }
    }

    @Test(arguments: [NMF.Divergence.kullbackLeibler, .itakuraSaito])
    func updatesReduceTheDivergence(_ divergence: NMF.Divergence) throws {
        let v = Self.lowRank()
        let few = try NMF(components: 2, divergence: divergence, iterations: 2).factorize(v, frames: 40, bins: 24)
        let many = try NMF(components: 2, divergence: divergence, iterations: 200).factorize(v, frames: 40, bins: 24)
        let dFew = NMF.divergence(v, few.reconstruction(of: [0, 1]), divergence)
        let dMany = NMF.divergence(v, many.reconstruction(of: [0, 1]), divergence)
        #expect(dMany < dFew)
        #expect(dMany < 0.01 * Double(v.reduce(0, +)))
        // Templates are normalised to unit sum.
        for c in 0..<2 { #expect(abs(many.templates[(c * 24)..<((c + 1) * 24)].reduce(0, +) - 1) < 1e-4) }
    }

    @Test func fixedSeedRepeatsExactly() throws {
        let v = Self.lowRank()
        let a = try NMF(components: 3, iterations: 20, seed: 7).factorize(v, frames: 40, bins: 24)
        let b = try NMF(components: 3, iterations: 20, seed: 7).factorize(v, frames: 40, bins: 24)
        let c = try NMF(components: 3, iterations: 20, seed: 8).factorize(v, frames: 40, bins: 24)
        #expect(a.activations == b.activations && a.templates == b.templates)
        #expect(a.activations != c.activations)
    }

    @Test(arguments: [NMF.Divergence.kullbackLeibler, .itakuraSaito])
    func silenceGivesZerosNotNaN(_ divergence: NMF.Divergence) throws {
        let f = try NMF(components: 4, divergence: divergence, iterations: 10).factorize([Float](repeating: 0, count: 300), frames: 20, bins: 15)
        #expect(f.activations.allSatisfy { $0 == 0 })
        #expect(f.templates.allSatisfy { $0.isFinite })
    }

    @Test func wrongShapeIsRejected() {
        #expect(throws: DSPError.self) { try NMF(components: 2).factorize([1, 2, 3], frames: 2, bins: 2) }
    }
}
