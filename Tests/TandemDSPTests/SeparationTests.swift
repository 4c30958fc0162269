import Foundation
import Testing
@testable import TandemDSP

/// Two synthetic instruments at 8 kHz: a low tone with its harmonics and a bright one, each playing
/// short notes at its own onsets; a "video" whose two regions move at those onsets.
enum Duet {
    static let rate = 8000
    static let seconds = 4.0
    static let lowOnsets: [Double] = [0.1, 0.9, 1.4, 2.2, 2.9, 3.4]
    static let highOnsets: [Double] = [0.5, 1.15, 1.8, 2.55, 3.15, 3.7]

    static func notes(_ onsets: [Double], frequency: Double, harmonics: Int) -> [Float] {
        let n = Int(seconds * Double(rate))
        var out = [Float](repeating: 0, count: n)
        for onset in onsets {
            let start = Int(onset * Double(rate))
            for i in 0..<min(Int(0.3 * Double(rate)), n - start) {
                let t = Double(i) / Double(rate)
                var v = 0.0
                for h in 1...harmonics { v += sin(2 * .pi * frequency * Double(h) * t) / Double(h) }
                out[start + i] += Float(0.3 * v * exp(-6 * t))
            }
        }
        return out
    }

    static var low: [Float] { notes(lowOnsets, frequency: 220, harmonics: 4) }
    static var high: [Float] { notes(highOnsets, frequency: 1320, harmonics: 2) }

    /// Motion at 25 fps: a burst in the two frames after each onset.
    static func motion(_ onsets: [Double], label: String) -> MotionTrack {
        let times = (0..<Int(seconds * 25)).map { Double($0) / 25 }
        let energy = times.map { t in onsets.contains { t >= $0 && t < $0 + 0.08 } ? Float(0.2) : Float(0.002) }
        return MotionTrack(label: label, times: times, energy: energy)
    }

    /// Signal-to-distortion ratio of `estimate` against `reference`, dB.
    static func sdr(_ estimate: [Float], _ reference: [Float]) -> Double {
        var signal = 0.0, error = 0.0
        for i in reference.indices { signal += Double(reference[i] * reference[i]); let e = Double(estimate[i] - reference[i]); error += e * e }
        return 10 * log10(signal / max(error, 1e-20))
    }
}

@Suite struct SeparationTests {
    @Test func motionAttributesEachInstrumentToItsRegion() throws {
        let low = Duet.low, high = Duet.high
        let mix = zip(low, high).map { $0 + $1 }
        // Regions given right-to-left on purpose: attribution must follow the motion, not the order.
        let tracks = [Duet.motion(Duet.highOnsets, label: "right"), Duet.motion(Duet.lowOnsets, label: "left")]
        var configuration = MotionInformedNMF.Configuration()
        configuration.componentsPerSource = 4
        let result = try MotionInformedNMF(configuration).separate([mix], sampleRate: Duet.rate, motion: tracks)
        #expect(result.mode == .motion)
        #expect(result.sources.map(\.label) == ["right", "left"])
        let right = result.sources[0].channels[0], left = result.sources[1].channels[0]
        #expect(right.count == mix.count)
        let gainRight = Duet.sdr(right, high) - Duet.sdr(mix, high)
        let gainLeft = Duet.sdr(left, low) - Duet.sdr(mix, low)
        #expect(gainRight > 5 && gainLeft > 5, "SDR gains \(gainRight) dB, \(gainLeft) dB")
        #expect(result.sources.allSatisfy { $0.confidence > 0.2 })
    }

    @Test func sourceCountAutoFollowsTheRegions() throws {
        let mix = zip(Duet.low, Duet.high).map { $0 + $1 }
        let tracks = [Duet.motion(Duet.lowOnsets, label: "a"), Duet.motion(Duet.highOnsets, label: "b"),
                      MotionTrack(label: "still", times: [0, 4], energy: [0, 0])]
        var configuration = MotionInformedNMF.Configuration()
        configuration.iterations = 20
        let three = try MotionInformedNMF(configuration).separate([mix], sampleRate: Duet.rate, motion: tracks)
        #expect(three.sources.count == 3)
        // Automatic count: a region that never moves explains nothing and is silent, never the mixture.
        #expect(three.sources.filter(\.silent).map(\.label) == ["still"])
        // Asking for two keeps the two regions whose motion explains the sound; the still one is silent.
        let two = try MotionInformedNMF(configuration).separate([mix], sampleRate: Duet.rate, motion: tracks, sources: 2)
        #expect(two.sources.filter { !$0.silent }.map(\.label) == ["a", "b"])
        let still = try #require(two.sources.first { $0.label == "still" })
        #expect(still.silent && still.channels[0].allSatisfy { $0 == 0 })
    }

    @Test func withoutVideoFallsBackToAudioOnlyAndSaysSo() throws {
        let mix = zip(Duet.low, Duet.high).map { $0 + $1 }
        let result = try MotionInformedNMF().separate([mix, mix], sampleRate: Duet.rate, motion: [])
        #expect(result.mode == .audioOnly)
        #expect(result.note.contains("audio-only"))
        #expect(result.sources.count == 2 && result.sources.allSatisfy { $0.channels.count == 2 && !$0.components.isEmpty })
        // The masks are a partition of unity where there is signal: the sources add up to the mixture.
        let sum = zip(result.sources[0].channels[0], result.sources[1].channels[0]).map { $0 + $1 }
        #expect(Duet.sdr(sum, mix) > 30)
    }

    @Test func silenceGivesSilentSources() throws {
        let silence = [Float](repeating: 0, count: 8000)
        let result = try MotionInformedNMF().separate([silence], sampleRate: Duet.rate, motion: [Duet.motion([0.1], label: "x"), Duet.motion([0.5], label: "y")])
        #expect(result.sources.count == 2)
        #expect(result.sources.allSatisfy { $0.channels[0].allSatisfy { $0 == 0 } })
    }

    /// The duet played `times` times in a row, with its motion tracks.
    static func longDuet(times: Int) -> (low: [Float], high: [Float], tracks: [MotionTrack]) {
        let low = Array([[Float]](repeating: Duet.low, count: times).joined())
        let high = Array([[Float]](repeating: Duet.high, count: times).joined())
        func repeated(_ track: MotionTrack) -> MotionTrack {
            let times = (0..<times).flatMap { k in track.times.map { $0 + Double(k) * Duet.seconds } }
            return MotionTrack(label: track.label, times: times, energy: Array([[Float]](repeating: track.energy, count: times.count / track.times.count).joined()))
        }
        return (low, high, [repeated(Duet.motion(Duet.highOnsets, label: "right")), repeated(Duet.motion(Duet.lowOnsets, label: "left"))])
    }

    @Test func longRecordingsAreSeparatedChunkByChunkWithTheSameRegions() throws {
        let duet = Self.longDuet(times: 3)
        let mix = zip(duet.low, duet.high).map { $0 + $1 }
        var configuration = MotionInformedNMF.Configuration()
        configuration.componentsPerSource = 4
        let chunking = MotionInformedNMF.Chunking(seconds: 4, overlapSeconds: 0.5, maskFrames: 100)
        let result = try MotionInformedNMF(configuration).separate([mix], sampleRate: Duet.rate, motion: duet.tracks, chunking: chunking)
        #expect(result.sources.map(\.label) == ["right", "left"])
        let right = result.sources[0].channels[0], left = result.sources[1].channels[0]
        #expect(right.count == mix.count && left.count == mix.count)
        let gainRight = Duet.sdr(right, duet.high) - Duet.sdr(mix, duet.high)
        let gainLeft = Duet.sdr(left, duet.low) - Duet.sdr(mix, duet.low)
        #expect(gainRight > 5 && gainLeft > 5, "SDR gains \(gainRight) dB, \(gainLeft) dB")
        // The cross-fades keep the sources a partition of the mixture.
        #expect(Duet.sdr(zip(right, left).map { $0 + $1 }, mix) > 30)
        // Masks are sampled on a coarser hop to stay within the frame budget.
        #expect(result.frames <= 100 && result.hop > 0 && result.sources.allSatisfy { $0.mask.count == result.frames * result.bins })
    }

    @Test func audioOnlyChunksKeepEachSourceInItsSlot() throws {
        let duet = Self.longDuet(times: 3)
        let mix = zip(duet.low, duet.high).map { $0 + $1 }
        let chunking = MotionInformedNMF.Chunking(seconds: 4, overlapSeconds: 0.5)
        let result = try MotionInformedNMF().separate([mix], sampleRate: Duet.rate, motion: [], chunking: chunking)
        #expect(result.mode == .audioOnly && result.sources.count == 2)
        // In every 4-second stretch, the same slot holds the low instrument.
        let n = Int(Duet.seconds) * Duet.rate
        let lowSlots = (0..<3).map { k -> Int in
            let range = (k * n)..<((k + 1) * n)
            let reference = Array(duet.low[range])
            return (0..<2).max { Duet.sdr(Array(result.sources[$0].channels[0][range]), reference) < Duet.sdr(Array(result.sources[$1].channels[0][range]), reference) }!
        }
        #expect(Set(lowSlots).count == 1, "low instrument in slots \(lowSlots)")
    }

    @Test func emptyAudioIsAnError() {
        #expect(throws: DSPError.self) { try MotionInformedNMF().separate([[]], sampleRate: 8000, motion: []) }
    }
}
