import Foundation

/// A source that starts under its notes, and the second start that moves its components to their tones.
///
/// A nearly sinusoidal instrument (a French horn, a vibraphone) leaves plain-NMF components that hold one or a
/// few of its tones and little else. The initialisation gives such a component the pitch whose first eight
/// partials hold most of it, and every sub-harmonic whose partial ≤ 8 lands on the tone ties, the lowest
/// winning: the component is placed 2–3 octaves under its tone, with its energy on partial 4, 7 or 8. Clustered
/// together, these components make a source whose profile has no first or second partial — no instrument's
/// note lacks both — and the updates keep it so (`Tools/eval/results/separation.md`, branches `sepfamily`,
/// `sepfamily2`, `sepfamily3`).
extension HarmonicNMF {
    /// A start of the updates: sources × partials profiles and frames × units activations.
    struct Start {
        var profiles: [Float]
        var activations: [Float]
    }

    /// Whether a partial profile sits under its notes: its first two partials both under a tenth of its largest.
    static func isUnderItsNotes(_ profile: [Float]) -> Bool {
        guard profile.count >= 2, let top = profile.max(), top > 0 else { return false }
        return profile[0] < 0.1 * top && profile[1] < 0.1 * top
    }

    /// The source that starts under its notes and holds at least `shareFloor` of the clustered energy (the
    /// largest share when several do), or `nil`. A collapsed source of one or two faint components is left alone:
    /// there a second start changes a good separation as often as a poor one.
    static func collapsedSource(profiles: [[Float]], shares: [Float], shareFloor: Float) -> Int? {
        let flagged = profiles.indices.filter { isUnderItsNotes(profiles[$0]) && shares[$0] >= shareFloor }
        return flagged.max { shares[$0] < shares[$1] }
    }

    /// The pitch index of a component's lowest tone: its lowest partial holding half of its largest, `h` partials
    /// over `pitch`, lies 12 log₂ h semitones higher; of the three grid pitches nearest there, the one whose first
    /// partial holds most of the component. `nil` when that is no higher than `pitch` or off the grid.
    static func lowestTone(of profile: [Float], at pitch: Int, pitchCount: Int, firstPartial: (Int) -> Float) -> Int? {
        guard let top = profile.max(), top > 0, let h = profile.firstIndex(where: { $0 >= 0.5 * top }), h > 0 else { return nil }
        let target = pitch + Int((12 * log2(Float(h + 1))).rounded())
        let candidates = ((target - 1)...(target + 1)).filter { $0 > pitch && $0 < pitchCount }
        return candidates.max { firstPartial($0) < firstPartial($1) }
    }
}
