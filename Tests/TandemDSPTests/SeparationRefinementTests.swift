import Foundation
import Testing
@testable import TandemDSP

/// Players whose motion marks their phrases rather than their notes (bowing, swaying): one note's
/// component hardly correlates with it, a whole source does.
@Suite struct SeparationRefinementTests {
    static let rate = 8000
    static let seconds = 8.0

    /// A melody of 0.25 s notes over `pitches` (cycled), played only inside `phrases`.
    static func melody(pitches: [Double], harmonics: Int, phrases: [(Double, Double)]) -> [Float] {
        let n = Int(seconds * Double(rate))
        var out = [Float](repeating: 0, count: n)
        var k = 0
        for (start, end) in phrases {
            var onset = start
            while onset + 0.25 <= end {
                let f = pitches[k % pitches.count]
                k += 1
                let first = Int(onset * Double(rate))
                for i in 0..<Int(0.22 * Double(rate)) where first + i < n {
                    let t = Double(i) / Double(rate)
                    var v = 0.0
                    for h in 1...harmonics { v += sin(2 * .pi * f * Double(h) * t) / Double(h) }
                    out[first + i] += Float(0.3 * v * min(1, 40 * t) * exp(-3 * t))
                }
                onset += 0.3
            }
        }
        return out
    }

    /// Motion at 25 fps: steady, slightly uneven movement all through each phrase, still otherwise.
    static func motion(_ phrases: [(Double, Double)], label: String, seed: Int) -> MotionTrack {
        let times = (0..<Int(seconds * 25)).map { Double($0) / 25 }
        let energy = times.enumerated().map { i, t -> Float in
            phrases.contains { t >= $0.0 && t < $0.1 } ? Float(0.1 + 0.05 * sin(Double(i * (seed + 3)))) : 0.002
        }
        return MotionTrack(label: label, times: times, energy: energy)
    }

    @Test func wholeSourcesFollowPhraseMotion() throws {
        let lowPhrases = [(0.0, 3.0), (4.5, 7.5)], highPhrases = [(1.5, 5.0), (6.0, 8.0)]
        let low = Self.melody(pitches: [196, 220, 247, 262, 294], harmonics: 5, phrases: lowPhrases)
        let high = Self.melody(pitches: [988, 1047, 1175, 1319], harmonics: 2, phrases: highPhrases)
        let mix = zip(low, high).map { $0 + $1 }
        let tracks = [Self.motion(highPhrases, label: "high", seed: 1), Self.motion(lowPhrases, label: "low", seed: 2)]
        func gains(refining: Bool) throws -> (Double, Double) {
            var configuration = MotionInformedNMF.Configuration()
            configuration.refinesAssignment = refining
            let result = try MotionInformedNMF(configuration).separate([mix], sampleRate: Self.rate, motion: tracks, sources: 2)
            #expect(result.sources.map(\.label) == ["high", "low"])
            #expect(result.sources.allSatisfy { !$0.silent && !$0.components.isEmpty })
            return (Duet.sdr(result.sources[0].channels[0], high) - Duet.sdr(mix, high),
                    Duet.sdr(result.sources[1].channels[0], low) - Duet.sdr(mix, low))
        }
        let refined = try gains(refining: true), plain = try gains(refining: false)
        #expect(refined.0 > 5 && refined.1 > 5, "refined \(refined), per component \(plain)")
        #expect(refined.0 + refined.1 >= plain.0 + plain.1 - 0.5, "refined \(refined), per component \(plain)")
    }
}
