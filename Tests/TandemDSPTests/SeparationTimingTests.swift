import Foundation
import Testing
@testable import TandemDSP

/// Who started each note (`MotionInformedNMF.NoteTiming`): a unit's activation cut into note-long stretches, a stretch
/// given to the region whose motion starts with it while its owner's region is still, and the models' decision kept
/// wherever the timing is not clear.
@Suite struct SeparationTimingTests {
    /// A motion curve with a short burst 8 frames after each of `times`, over a low floor.
    static func motion(after times: [Int], frames: Int) -> [Float] {
        var m = [Float](repeating: 0.05, count: frames)
        for t in times.map({ $0 + 8 }) where t < frames { for i in max(0, t - 1)...min(frames - 1, t + 1) { m[i] = 1 } }
        return m
    }

    /// An activation holding a note of 20 frames at each of `times`.
    static func activation(_ times: [Int], frames: Int) -> [Float] {
        var a = [Float](repeating: 0, count: frames)
        for t in times { for i in t..<min(frames, t + 20) { a[i] = 1 } }
        return a
    }

    /// The other model backs no owner.
    static func unbacked(_ unit: Int, _ stretch: Range<Int>, _ owner: Int) -> Float { 0 }

    static let first = [20, 90, 170, 260, 330, 420, 500]
    static let second = [55, 130, 215, 295, 375, 460, 545]

    static func timing(_ motion: [[Float]], open: [Bool]? = nil) -> MotionInformedNMF.NoteTiming {
        MotionInformedNMF.NoteTiming(MotionInformedNMF.Configuration(), motion: motion, frames: motion[0].count, frameSeconds: 0.01,
                                     open: open ?? motion.map { _ in true })
    }

    @Test func stretchesAreRunsCutWhereANoteIsPlayedAgain() {
        // Two notes apart, then a note played again without falling to the floor (it dips to 0.3 and rises to 1).
        var a = [Float](repeating: 0, count: 60)
        for i in 5..<15 { a[i] = 1 }
        for i in 20..<30 { a[i] = 1 }
        for i in 30..<33 { a[i] = 0.3 }
        for i in 33..<45 { a[i] = 1 }
        let stretches = MotionInformedNMF.NoteTiming.stretches(a, floor: 0.1, dip: 0.5, reattack: 5)
        #expect(stretches == [5..<15, 20..<32, 32..<45])
        // A note that only fades is one stretch.
        let fade: [Float] = [0, 1, 0.9, 0.6, 0.4, 0.3, 0.2, 0]
        #expect(MotionInformedNMF.NoteTiming.stretches(fade, floor: 0.1, dip: 0.5, reattack: 5) == [1..<7])
    }

    @Test func ranksAreTheShareOfFramesBelow() {
        #expect(MotionInformedNMF.NoteTiming.ranks([0, 2, 1, 2]) == [0, 0.5, 0.25, 0.5])
        #expect(MotionInformedNMF.NoteTiming.ranks([1, 1, 1]) == [0, 0, 0])
        #expect(MotionInformedNMF.NoteTiming.windowMaximum([0, 3, 0, 0, 1], from: -1, to: 1) == [3, 3, 3, 1, 1])
    }

    /// One unit holds the first player's notes and, at the same pitch, one of the second's (a pitch both play): the
    /// second player's stretch moves to the second region, the first's stay.
    @Test func aStretchGoesToTheRegionThatStartsIt() {
        let frames = 3000
        let motion = [Self.motion(after: Self.first, frames: frames), Self.motion(after: Self.second, frames: frames)]
        let shared = Self.activation(Self.first + [Self.second[2]], frames: frames)
        let own = Self.activation(Self.second, frames: frames)
        let moves = Self.timing(motion).moves([shared, own], owners: [0, 1], support: Self.unbacked)
        #expect(moves[0] == [.init(frames: Self.second[2]..<(Self.second[2] + 20), region: 1)])
        #expect(moves[1].isEmpty)
        // The other model gives that stretch's energy to its owner: it stays.
        let backed = Self.timing(motion).moves([shared, own], owners: [0, 1]) { _, _, owner in owner == 0 ? 0.9 : 0 }
        #expect(backed.allSatisfy { $0.isEmpty })
    }

    /// The other model's backing: the share of a unit's model over a stretch that a mask holds.
    @Test func supportIsTheMaskedShareOfTheUnitsModel() {
        // Two frames, two bins; unit 0's template (0.75, 0.25), activations 1 and 3.
        let factors = NMF.Factors(frames: 2, bins: 2, components: 1, activations: [1, 3], templates: [0.75, 0.25])
        let mask: [Float] = [1, 0, 0, 1]
        // Frame 0 holds 0.75 of its 1; frame 1 holds 0.25 of its 3: (0.75 + 0.75) / 4.
        #expect(MotionInformedNMF.support(factors, unit: 0, frames: 0..<2, mask: mask) == 0.375)
        #expect(MotionInformedNMF.support(factors, unit: 0, frames: 0..<1, mask: mask) == 0.75)
        #expect(MotionInformedNMF.support(factors, unit: 0, frames: 0..<0, mask: mask) == 0)
    }

    /// With more open regions than `timingMostRegions`, every unit stays whole: the same stretch that moves between two
    /// regions stays when two more regions are open (still ones, which could not take it).
    @Test func manyRegionsKeepTheirUnitsWhole() {
        let frames = 3000
        let still = [Float](repeating: 0.05, count: frames)
        let motion = [Self.motion(after: Self.first, frames: frames), Self.motion(after: Self.second, frames: frames), still, still]
        let shared = Self.activation(Self.first + [Self.second[2]], frames: frames)
        let own = Self.activation(Self.second, frames: frames)
        #expect(Self.timing(motion).moves([shared, own], owners: [0, 1], support: Self.unbacked).allSatisfy { $0.isEmpty })
        #expect(Self.timing(motion, open: [true, true, true, false]).moves([shared, own], owners: [0, 1], support: Self.unbacked)[0]
            == [.init(frames: Self.second[2]..<(Self.second[2] + 20), region: 1)])
    }

    /// Both regions start together (a note of each at once), or the owner's region starts too: nothing moves. A
    /// region that is not open (silent, a bystander) takes nothing; a unit with no owner is not read.
    @Test func ambiguousTimingKeepsTheOwner() {
        let frames = 3000
        let together = Self.first[3]
        let motion = [Self.motion(after: Self.first, frames: frames), Self.motion(after: Self.second + [together], frames: frames)]
        let shared = Self.activation(Self.first, frames: frames)
        let own = Self.activation(Self.second, frames: frames)
        #expect(Self.timing(motion).moves([shared, own], owners: [0, 1], support: Self.unbacked).allSatisfy { $0.isEmpty })
        // The second player's note in the first's unit, but the second region closed: it stays.
        let mixed = Self.activation(Self.first + [Self.second[2]], frames: frames)
        let apart = [Self.motion(after: Self.first, frames: frames), Self.motion(after: Self.second, frames: frames)]
        #expect(Self.timing(apart, open: [true, false]).moves([mixed, own], owners: [0, nil], support: Self.unbacked).allSatisfy { $0.isEmpty })
        #expect(Self.timing(apart).moves([mixed, own], owners: [nil, 1], support: Self.unbacked).allSatisfy { $0.isEmpty })
    }

    /// The owner's region misses a start (a bow that goes on moving), and the other region's motion starts in the window
    /// after it, but with a note of its own that starts 13 frames later: that start is its own note's, and the stretch stays.
    @Test func aStartTheTargetsOwnNoteExplainsMovesNothing() {
        let frames = 3000
        let missed = Self.first[2]
        let later = Self.second.filter { abs($0 - missed) > 30 } + [missed + 13]
        let motion = [Self.motion(after: Self.first.filter { $0 != missed }, frames: frames), Self.motion(after: later, frames: frames)]
        let moves = Self.timing(motion).moves([Self.activation(Self.first, frames: frames), Self.activation(later, frames: frames)],
                                              owners: [0, 1], support: Self.unbacked)
        #expect(moves.allSatisfy { $0.isEmpty })
        // Without that note of its own the same motion takes the stretch.
        let alone = Self.timing(motion).moves([Self.activation(Self.first, frames: frames),
                                               Self.activation(later.filter { $0 != missed + 13 }, frames: frames)],
                                              owners: [0, 1], support: Self.unbacked)
        #expect(alone[0] == [.init(frames: missed..<(missed + 20), region: 1)])
    }

    /// Motion that does not follow the owners' own notes (every stretch's owner still at its start, as when blur
    /// smears the starts or the regions move at random): the clip's timing is not read at all.
    @Test func timingThatDisagreesWithTheOwnersIsNotRead() {
        let frames = 3000
        // The motion is swapped: each region starts with the other's notes.
        let swapped = [Self.motion(after: Self.second, frames: frames), Self.motion(after: Self.first, frames: frames)]
        let moves = Self.timing(swapped).moves([Self.activation(Self.first, frames: frames), Self.activation(Self.second, frames: frames)],
                                               owners: [0, 1], support: Self.unbacked)
        #expect(moves.allSatisfy { $0.isEmpty })
    }

    /// Moved stretches become units of their own with the same template; the model's sum is unchanged.
    @Test func timedFactorsMoveTheStretchesToUnitsOfTheirOwn() {
        let factors = NMF.Factors(frames: 4, bins: 2, components: 2, activations: [1, 2, 3, 4, 5, 6, 7, 8], templates: [0.5, 0.5, 1, 0])
        let moves: [[MotionInformedNMF.NoteTiming.Move]] = [[.init(frames: 1..<3, region: 1)], []]
        let (timed, added) = MotionInformedNMF.timed(factors, moves: moves, regions: 2)
        #expect(added == [[], [2]])
        #expect(timed.components == 3)
        #expect(timed.activation(0) == [1, 0, 0, 7])
        #expect(timed.activation(2) == [0, 3, 5, 0])
        #expect(timed.activation(1) == factors.activation(1))
        #expect(timed.reconstruction(of: [0, 1, 2]) == factors.reconstruction(of: [0, 1]))
        // Nothing moved: the same factors.
        #expect(MotionInformedNMF.timed(factors, moves: [[], []], regions: 2).factors.activations == factors.activations)
    }
}
