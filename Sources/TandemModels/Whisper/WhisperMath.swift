import Foundation

/// Float32 helpers shared by the search and the rules.
enum WhisperMath {
    static func logSoftmax(_ x: [Float]) -> [Float] {
        let m = x.max() ?? 0
        guard m.isFinite else { return x }
        var sum: Float = 0
        for v in x { sum += expf(v - m) }
        let shift = m + logf(sum)
        return x.map { $0 - shift }
    }

    static func logSumExp(_ x: ArraySlice<Float>) -> Float {
        let m = x.max() ?? -.infinity
        guard m.isFinite else { return m }
        var sum: Float = 0
        for v in x { sum += expf(v - m) }
        return m + logf(sum)
    }

    static func softmax(_ x: [Float]) -> [Float] {
        let m = x.max() ?? 0
        var e = x.map { expf($0 - m) }
        let sum = e.reduce(0, +)
        for i in e.indices { e[i] /= sum }
        return e
    }
}
