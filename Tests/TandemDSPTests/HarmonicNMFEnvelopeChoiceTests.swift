import Foundation
import Testing
import TandemCore
@testable import TandemDSP

@Suite struct HarmonicNMFEnvelopeChoiceTests {
    /// The envelope's factorisation is kept unless its smallest source shrank below the share of the profile-only one's
    /// smallest: b72 duet #78 (horn + trombone), 0.13 → 0.03, is dropped; a balance that moves a little is kept.
    @Test func keepsTheEnvelopeUnlessASourceShrinks() {
        #expect(!HarmonicNMF.keepsEnvelope(shaped: [0.966, 0.034], plain: [0.865, 0.135], smallestShare: 0.6))
        #expect(HarmonicNMF.keepsEnvelope(shaped: [0.55, 0.45], plain: [0.4, 0.6], smallestShare: 0.6))
        #expect(HarmonicNMF.keepsEnvelope(shaped: [0.5, 0.25, 0.25], plain: [0.3, 0.3, 0.4], smallestShare: 0.6))
        #expect(!HarmonicNMF.keepsEnvelope(shaped: [0.5, 0.45, 0.05], plain: [0.3, 0.3, 0.4], smallestShare: 0.6))
        // At exactly the share the envelope stays; a lone source always keeps it.
        #expect(HarmonicNMF.keepsEnvelope(shaped: [0.875, 0.125], plain: [0.75, 0.25], smallestShare: 0.5))
        #expect(HarmonicNMF.keepsEnvelope(shaped: [1], plain: [1], smallestShare: 0.6))
    }

    /// A source's share is what its pitches and its noise components add to the model, over the model's total.
    @Test func sourceSharesAreEachSourcesPartOfTheModel() {
        // 2 sources × 2 pitches and one noise component (source 1's), 3 frames × 4 bins.
        let activations: [Float] = [1, 0, 2, 0, 1,
                                     0, 1, 0, 0, 1,
                                     1, 1, 1, 3, 0]
        let templates: [Float] = [0.5, 0.5, 0, 0,
                                  0, 0.5, 0.5, 0,
                                  0, 0, 1, 0,
                                  0, 0, 0.25, 0.75,
                                  0.25, 0.25, 0.25, 0.25]
        let units = NMF.Factors(frames: 3, bins: 4, components: 5, activations: activations, templates: templates)
        let factors = HarmonicNMF.Factors(units: units, sources: 2, pitches: [60, 61], profiles: [Float](repeating: 0.5, count: 4),
                                          partials: 2, noiseOwner: [1])
        let shares = factors.sourceShares()
        let parts = (0..<2).map { Double(units.reconstruction(of: factors.members(of: $0)).reduce(0, +)) }
        #expect(shares.count == 2)
        for k in 0..<2 { #expect(abs(Double(shares[k]) - parts[k] / (parts[0] + parts[1])) < 1e-6, "\(shares) against \(parts)") }
    }

    /// The choice returns one of the two factorisations bit for bit: the envelope's where the rule keeps it, the
    /// profile-only one's where it does not; 0 runs the envelope alone.
    @Test func returnsTheChosenFactorisation() throws {
        let frames = 40, bins = 129
        var rng = SplitMix64(seed: 11)
        let values = (0..<(frames * bins)).map { _ in rng.nextUnitFloat() + 0.01 }
        var configuration = HarmonicNMF.Configuration()
        configuration.iterations = 4
        configuration.initialIterations = 6
        configuration.envelopeBands = 8
        func run(_ c: HarmonicNMF.Configuration) throws -> HarmonicNMF.Factors {
            try HarmonicNMF(c).factorize(values, frames: frames, bins: bins, sampleRate: 22050, fftSize: 256, sources: 2)
        }
        var always = configuration; always.envelopeSmallestShare = 0
        var profileOnly = configuration; profileOnly.envelopeBands = 0
        let shaped = try run(always), plain = try run(profileOnly)
        #expect(shaped.envelopes.count == 2 * 8 && plain.envelopes.isEmpty)
        var never = configuration; never.envelopeSmallestShare = 1e6
        let dropped = try run(never)
        #expect(dropped.units.activations == plain.units.activations && dropped.profiles == plain.profiles && dropped.envelopes.isEmpty)
        let chosen = try run(configuration)
        let keeps = HarmonicNMF.keepsEnvelope(shaped: shaped.sourceShares(), plain: plain.sourceShares(), smallestShare: 0.6)
        #expect(chosen.units.activations == (keeps ? shaped : plain).units.activations)
        #expect(chosen.envelopes.isEmpty == !keeps)
    }
}
