import Testing
@testable import TandemCore

@Suite struct RationalTests {
    @Test func rescaleRoundsToNearestLikeFFmpeg() {
        #expect(Rational.rescale(1, from: Rational(1, 30), to: Rational(1, 90000)) == 3000)
        #expect(Rational.rescale(3, from: Rational(1, 2), to: Rational(1, 1)) == 2)
        #expect(Rational.rescale(-3, from: Rational(1, 2), to: Rational(1, 1)) == -2)
    }

    @Test func sharedArrayCopiesOnWrite() {
        var a = SharedArray<Float>([1, 2, 3])
        let b = a
        a.withUnsafeMutableBufferPointer { $0[0] = 9 }
        #expect(a[0] == 9)
        #expect(b[0] == 1)
    }
}
