import Foundation
import Testing
@testable import TandemDSP

/// The grouping search's lagged products, four windows at a time, must give the bits of the one-window
/// loop they replaced (kept here as the reference), so the speed-up changes no grouping.
@Suite struct LaggedReferenceTests {
    /// The correlation as it was computed one window at a time.
    static func reference(_ r: MotionInformedNMF.LaggedReference, _ a: [Float]) -> Float {
        var prefix = [Double](repeating: 0, count: a.count + 1), squares = prefix
        for t in a.indices {
            let x = Double(a[t])
            prefix[t + 1] = prefix[t] + x
            squares[t + 1] = squares[t] + x * x
        }
        var best: Float = -1
        for w in r.windows {
            let n = Double(w.end - w.start)
            let sa = prefix[w.end] - prefix[w.start]
            let ma = sa / n
            let va = squares[w.end] - squares[w.start] - sa * ma
            guard va > 1e-9 * max(squares[w.end] - squares[w.start], 1e-30) else { continue }
            var ab = 0.0
            for t in w.start..<w.end { ab += Double(a[t]) * Double(r.values[t + w.lag]) }
            let cov = ab - ma * n * w.mean
            best = max(best, Float(cov / (va.squareRoot() * w.norm)))
        }
        return best == -1 ? 0 : best
    }

    /// Lengths and lags that leave 0–7 windows over after the groups of eight and four, windows with no span
    /// in common (curves barely longer than the lags), and a reference shorter or longer than the curves.
    @Test(arguments: [(40, 0, 40), (200, 5, 200), (301, 21, 301), (9, 6, 9), (120, 7, 90), (5, 1, 5), (1000, 43, 1000),
                      (862, 26, 862), (500, 52, 470), (300, 11, 340)])
    func productsEqualTheOneWindowLoop(sizes: (Int, Int, Int)) {
        let (length, maxLag, referenceLength) = sizes
        var state: UInt64 = UInt64(length * 131 + maxLag)
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24)
        }
        let b = (0..<referenceLength).map { i in Float(sin(Double(i) / 5)) + 0.3 * next() }
        let prepared = MotionInformedNMF.LaggedReference(b, length: length, maxLag: maxLag)
        for _ in 0..<3 {
            let a = (0..<length).map { _ in next() }
            let products = prepared.laggedProducts(a.map { Double($0) })
            for (i, w) in prepared.windows.enumerated() {
                var ab = 0.0
                for t in w.start..<w.end { ab += Double(a[t]) * Double(b[t + w.lag]) }
                #expect(products[i] == ab, "window \(i) of \(prepared.windows.count), lag \(w.lag)")
            }
            #expect(prepared.correlation(a) == Self.reference(prepared, a))
        }
    }
}
