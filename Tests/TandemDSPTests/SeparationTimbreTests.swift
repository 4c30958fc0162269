import Foundation
import Testing
@testable import TandemDSP

/// The timbre the joint grouping compares components by: the template itself and its spectral envelope.
@Suite struct SeparationTimbreTests {
    static let bins = 513, rate: Float = 22050

    /// A harmonic template at `f0` (Hz), one bin per partial, each partial as loud as the instrument's body
    /// `envelope` (a source-filter instrument: the body's resonances stay where they are whatever the note).
    static func template(f0: Float, envelope: (Float) -> Float) -> [Float] {
        var t = [Float](repeating: 0, count: bins)
        var h: Float = 1
        while f0 * h < rate / 2 {
            let bin = Int((f0 * h / (rate / 2) * Float(bins - 1)).rounded())
            t[bin] += envelope(f0 * h)
            h += 1
        }
        return t
    }

    /// A dark body (partials fading above a few hundred hertz) and a bright one (a resonance near 2.5 kHz).
    static func dark(_ f: Float) -> Float { exp(-f / 800) }
    static func bright(_ f: Float) -> Float { 0.05 + exp(-pow((f - 2500) / 600, 2)) }

    static func factors(_ templates: [[Float]]) -> NMF.Factors {
        NMF.Factors(frames: 1, bins: bins, components: templates.count, activations: [Float](repeating: 1, count: templates.count),
                    templates: templates.flatMap { $0 })
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    /// Two notes of one instrument a tone apart share none of their partials; a note of another instrument at
    /// the same pitch shares them all. The envelope says which two are one instrument; the template does not.
    @Test func theEnvelopeTellsAnInstrumentAcrossPitchesWhereTheTemplateCannot() {
        let dark = Self.template(f0: 220, envelope: Self.dark), darkTone = Self.template(f0: 247, envelope: Self.dark)
        let bright = Self.template(f0: 220, envelope: Self.bright)
        let f = Self.factors([dark, darkTone, bright])
        let templates = MotionInformedNMF.timbreFeatures(f), envelopes = MotionInformedNMF.envelopeFeatures(f)
        #expect(Self.cosine(templates[0], templates[2]) > Self.cosine(templates[0], templates[1]))
        #expect(Self.cosine(envelopes[0], envelopes[1]) > Self.cosine(envelopes[0], envelopes[2]))
    }

    /// The grouping's features: the templates' own at weight 0; at weight w each cosine is (1 − w) times the
    /// templates' plus w times the envelopes', and every feature has unit length.
    @Test func groupingFeaturesMixTheTwoCosinesByTheEnvelopeWeight() {
        let f = Self.factors([Self.template(f0: 220, envelope: Self.dark), Self.template(f0: 330, envelope: Self.bright),
                              Self.template(f0: 147, envelope: Self.dark)])
        let templates = MotionInformedNMF.timbreFeatures(f), envelopes = MotionInformedNMF.envelopeFeatures(f)
        #expect(MotionInformedNMF.groupingFeatures(f, envelopeWeight: 0) == templates)
        let w: Float = 0.3
        let mixed = MotionInformedNMF.groupingFeatures(f, envelopeWeight: w)
        for a in 0..<3 {
            #expect(abs(Self.cosine(mixed[a], mixed[a]) - 1) < 1e-4)
            for b in 0..<3 {
                let expected = (1 - w) * Self.cosine(templates[a], templates[b]) + w * Self.cosine(envelopes[a], envelopes[b])
                #expect(abs(Self.cosine(mixed[a], mixed[b]) - expected) < 1e-4)
            }
        }
    }
}
