import Testing
import TandemCore

/// The one shared generator must give the reference SplitMix64 sequence: fixtures, sampled
/// Whisper fallbacks and Griffin-Lim phases depend on it staying the same.
@Suite struct SplitMix64Tests {
    @Test func matchesTheReferenceSequence() {
        // Vigna's splitmix64.c seeded with 1234567.
        var generator = SplitMix64(seed: 1_234_567)
        #expect(generator.next() == 0x599E_D017_FB08_FC85)
        #expect(generator.next() == 0x2C73_F084_5854_0FA5)
        #expect(generator.next() == 0x883E_BCE5_A3F2_7C77)
    }

    @Test func unitValuesStayInRange() {
        var generator = SplitMix64(seed: 7)
        for _ in 0..<1000 {
            let f = generator.nextUnitFloat(), d = generator.nextUnitDouble()
            #expect(f >= 0 && f < 1 && d >= 0 && d < 1)
        }
    }
}
