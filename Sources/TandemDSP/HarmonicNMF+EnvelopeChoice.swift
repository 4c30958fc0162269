import Foundation

extension HarmonicNMF {
    /// The envelope model's factorisation, or the profile-only one where the envelope let one source take another's
    /// instrument (`Configuration.envelopeSmallestShare`).
    ///
    /// Both are run from the same initial clustering (the plain NMF, when given, serves both). A source free to shape
    /// its partials by frequency can explain another instrument of its family — a French horn and a trombone, whose
    /// bells resonate alike in overlapping registers, as one brass source — and that shows in the sources' shares of the
    /// model: the other source shrinks to what is left. The envelope's factorisation is kept unless its smallest source
    /// holds less than `envelopeSmallestShare` times what the profile-only factorisation's smallest source holds.
    /// - Complexity: two harmonic factorisations (the initial plain NMF once).
    func factorizeChoosingEnvelope(_ values: [Float], frames: Int, bins: Int, sampleRate: Int, fftSize: Int, sources: Int,
                                   initialPlainNMF: NMF.Factors?, spare: SpareThread?) throws -> Factors {
        var profileOnly = self
        profileOnly.configuration.envelopeBands = 0
        // The initial plain NMF run once for both (as `initialise` would run it) unless the caller's is of this shape.
        let given = initialPlainNMF.flatMap { plain in
            plain.frames == frames && plain.bins == bins && plain.components == configuration.initialComponentsPerSource * sources ? plain : nil
        }
        let plainStart = try given ?? NMF(components: configuration.initialComponentsPerSource * sources, divergence: .kullbackLeibler,
                                                    iterations: configuration.initialIterations, seed: configuration.seed)
            .factorize(values, frames: frames, bins: bins)
        let plain = try profileOnly.factorizeOnce(values, frames: frames, bins: bins, sampleRate: sampleRate, fftSize: fftSize,
                                                  sources: sources, initialPlainNMF: plainStart, spare: spare)
        let shaped = try factorizeOnce(values, frames: frames, bins: bins, sampleRate: sampleRate, fftSize: fftSize,
                                       sources: sources, initialPlainNMF: plainStart, spare: spare)
        return Self.keepsEnvelope(shaped: shaped.sourceShares(), plain: plain.sourceShares(),
                                  smallestShare: configuration.envelopeSmallestShare) ? shaped : plain
    }

    /// Whether the envelope's factorisation keeps every instrument: its smallest source's share of the model is at least
    /// `smallestShare` times the profile-only factorisation's smallest source's share.
    /// - Parameters:
    ///   - shaped: each source's share of the envelope model (`Factors.sourceShares`).
    ///   - plain: each source's share of the profile-only model.
    static func keepsEnvelope(shaped: [Float], plain: [Float], smallestShare: Float) -> Bool {
        guard let shapedSmallest = shaped.min(), let plainSmallest = plain.min() else { return true }
        return shapedSmallest >= smallestShare * plainSmallest
    }
}

extension HarmonicNMF.Factors {
    /// Each source's share of the model's total (its pitches and its noise components), summing to 1: a unit's part of
    /// Σ Λ is its summed activation times its template's sum.
    public func sourceShares() -> [Float] {
        var unitMass = [Double](repeating: 0, count: units.components)
        units.activations.withUnsafeBufferPointer { x in
            for t in 0..<units.frames { for u in 0..<units.components { unitMass[u] += Double(x[t * units.components + u]) } }
        }
        units.templates.withUnsafeBufferPointer { w in
            for u in 0..<units.components {
                var s = 0.0
                for f in 0..<units.bins { s += Double(w[u * units.bins + f]) }
                unitMass[u] *= s
            }
        }
        let mass = (0..<sources).map { k in members(of: k).reduce(0.0) { $0 + unitMass[$1] } }
        let total = mass.reduce(0, +)
        return mass.map { Float(total > 0 ? $0 / total : 1 / Double(max(sources, 1))) }
    }
}
