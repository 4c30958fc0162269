import Foundation
import TandemNN

/// Float32 helpers shared by the search and the rules.
enum WhisperMath {
    static func logSoftmax(_ x: [Float]) -> [Float] {
        let shift = VectorReductions.logSumExp(x)
        guard shift.isFinite else { return x }
        return x.map { $0 - shift }
    }

    static func logSumExp(_ x: ArraySlice<Float>) -> Float {
        VectorReductions.logSumExp(x)
    }

    static func softmax(_ x: [Float]) -> [Float] {
        let m = x.max() ?? 0
        var e = x.map { expf($0 - m) }
        let sum = e.reduce(0, +)
        for i in e.indices { e[i] /= sum }
        return e
    }
}
