import Foundation
import Testing
import TandemCore
@testable import TandemDSP

/// The second start for a harmonic source that starts under its notes (`HarmonicNMF+Collapse.swift`).
@Suite struct HarmonicNMFCollapseTests {
    /// Starting profiles seen on held-out duets (session 25): #84's collapsed horn source, its trombone source,
    /// and #82's two sources, which keep a first partial over a tenth of their largest.
    @Test func aProfileWithoutItsFirstTwoPartialsSitsUnderItsNotes() {
        #expect(HarmonicNMF.isUnderItsNotes([0.01, 0, 0.17, 0.59, 0.06, 0, 0.52, 1]))
        #expect(HarmonicNMF.isUnderItsNotes([0, 0, 0, 0, 0, 0.02, 0.79, 1]))
        #expect(!HarmonicNMF.isUnderItsNotes([0.47, 1, 0.46, 0.24]))
        #expect(!HarmonicNMF.isUnderItsNotes([0.14, 0.15, 0.68, 0.69, 1]))
        #expect(!HarmonicNMF.isUnderItsNotes([0.05, 0.5, 1]))  // its second partial is there
        #expect(!HarmonicNMF.isUnderItsNotes([0, 0, 0]))
        #expect(!HarmonicNMF.isUnderItsNotes([1]))
    }

    /// Only a collapsed source with a real share of the energy is flagged; of two, the larger.
    @Test func aCollapsedSourceNeedsARealShare() {
        let collapsed: [Float] = [0, 0.01, 0.2, 1], whole: [Float] = [1, 0.5, 0.3, 0.2]
        #expect(HarmonicNMF.collapsedSource(profiles: [whole, collapsed], shares: [0.7, 0.3], shareFloor: 0.1) == 1)
        #expect(HarmonicNMF.collapsedSource(profiles: [whole, collapsed], shares: [0.95, 0.05], shareFloor: 0.1) == nil)
        #expect(HarmonicNMF.collapsedSource(profiles: [whole, whole], shares: [0.5, 0.5], shareFloor: 0.1) == nil)
        #expect(HarmonicNMF.collapsedSource(profiles: [collapsed, whole, collapsed], shares: [0.2, 0.5, 0.3], shareFloor: 0.1) == 2)
    }

    /// A component whose energy is on its 8th partial at pitch index 5 holds a tone 36 semitones higher; one on
    /// its 7th, 33.7 semitones higher, goes to whichever of 33, 34, 35 its first partial holds most at.
    @Test func aComponentMovesToItsLowestTone() {
        let eighth: [Float] = [0, 0, 0, 0.05, 0, 0, 0.1, 1]
        #expect(HarmonicNMF.lowestTone(of: eighth, at: 5, pitchCount: 69, firstPartial: { $0 == 41 ? 1 : 0.1 }) == 41)
        let seventh: [Float] = [0, 0.02, 0, 0, 0, 0, 1, 0.3]
        #expect(HarmonicNMF.lowestTone(of: seventh, at: 0, pitchCount: 69, firstPartial: { $0 == 33 ? 1 : 0.2 }) == 33)
        // Two tones (partials 4 and 8 at half or more of the largest): the lower one.
        let two: [Float] = [0, 0, 0, 0.6, 0, 0, 0.2, 1]
        #expect(HarmonicNMF.lowestTone(of: two, at: 0, pitchCount: 69, firstPartial: { $0 == 24 ? 1 : 0 }) == 24)
        // A component already at its tone, or whose tone would be off the grid, stays.
        #expect(HarmonicNMF.lowestTone(of: [1, 0.5, 0.2], at: 10, pitchCount: 69, firstPartial: { _ in 1 }) == nil)
        #expect(HarmonicNMF.lowestTone(of: eighth, at: 60, pitchCount: 69, firstPartial: { _ in 1 }) == nil)
    }

    /// Where no source starts under its notes (the reed + string duet), there is no second start and the factors
    /// are those of running without the rescue.
    @Test func noCollapseNoSecondStart() throws {
        let (values, frames, bins) = try HarmonicNMFTests.duetMagnitude()
        var configuration = HarmonicNMF.Configuration()
        configuration.iterations = 6
        var grid = configuration
        grid.rescueCollapsedSources = false
        let on = try HarmonicNMF(configuration).factorize(values, frames: frames, bins: bins, sampleRate: HarmonicDuet.rate, fftSize: 1024, sources: 2)
        let off = try HarmonicNMF(grid).factorize(values, frames: frames, bins: bins, sampleRate: HarmonicDuet.rate, fftSize: 1024, sources: 2)
        #expect(on.units.activations == off.units.activations && on.profiles == off.profiles)
    }

    /// A plain NMF as a horn + trombone duet leaves it: ten "trombone" components (one note each, partials falling
    /// as 1/h, MIDI 48–57) and six "horn" components holding three tones each, at partials 4, 7 and 8 of MIDI
    /// 33–38 — the lowest pitch whose partials reach all three. The first start gives the horn a source under its
    /// notes; the second moves its components up two octaves, to their lowest tone, and keeps the trombone's source.
    @Test func aHornLikeSourceStartsAgainAtItsTones() throws {
        let grid = HarmonicNMF.PartialGrid(lowest: 28, highest: 96, partials: 30, toleranceCents: 20, sampleRate: 22050, fftSize: 1024)
        let bins = 513, frames = 24, pitchCount = grid.pitches.count
        func lobes(_ pitch: Int, _ partials: [(Int, Float)]) -> [Float] {
            var row = [Float](repeating: 0, count: bins)
            for (h, a) in partials where h < grid.partialCount[pitch - 28] {
                let lobe = grid.lobes[(pitch - 28) * 30 + h]
                for (i, g) in lobe.values.enumerated() { row[lobe.start + i] += a * g }
            }
            let sum = row.reduce(0, +)
            return row.map { $0 / sum }
        }
        let trombone = (48...57).map { lobes($0, (0..<30).map { ($0, 1 / Float($0 + 1)) }) }
        let horn = (33...38).map { lobes($0, [(3, 1), (6, 0.8), (7, 1)]) }
        let templates = trombone + horn
        var rng = SplitMix64(seed: 3)
        let activations = (0..<(frames * templates.count)).map { i in (i % templates.count < 10 ? 1 : 1.2) * (0.2 + rng.nextUnitFloat()) }
        let plain = NMF.Factors(frames: frames, bins: bins, components: templates.count, activations: activations, templates: templates.flatMap { $0 })
        var configuration = HarmonicNMF.Configuration()
        configuration.noiseComponentsPerSource = 0
        let model = HarmonicNMF(configuration)
        var seed = SplitMix64(seed: configuration.seed)
        let (first, rescue) = try model.initialise([Float](repeating: 0, count: frames * bins), frames: frames, bins: bins, sources: 2,
                                                   grid: grid, unitCount: 2 * pitchCount, plain: plain, rng: &seed)
        let profiles = { (start: HarmonicNMF.Start, k: Int) in Array(start.profiles[(k * 30)..<((k + 1) * 30)]) }
        let under = (0..<2).filter { HarmonicNMF.isUnderItsNotes(profiles(first, $0)) }
        #expect(under.count == 1, "first start's profiles: \(profiles(first, 0).prefix(8)), \(profiles(first, 1).prefix(8))")
        let second = try #require(rescue)
        #expect((0..<2).allSatisfy { !HarmonicNMF.isUnderItsNotes(profiles(second, $0)) })
        guard let k = under.first else { return }
        #expect(profiles(second, 1 - k) == profiles(first, 1 - k))
        // The horn's energy now sits at MIDI 57–62 (its 4th partials), none of it at 33–38.
        let held = { (start: HarmonicNMF.Start, pitch: Int) in (0..<frames).reduce(Float(0)) { $0 + start.activations[$1 * 2 * pitchCount + k * pitchCount + pitch - 28] } }
        #expect((33...38).allSatisfy { held(second, $0) < 0.1 * held(first, $0) })
        #expect((57...62).allSatisfy { held(second, $0) > held(first, $0) })
    }
}
