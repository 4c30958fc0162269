import Foundation
import Testing
import TandemCore
@testable import TandemDSP

/// Two synthetic instruments in overlapping ranges at 22.05 kHz, playing at once: a "reed" with odd partials
/// only, and a "string" with all partials falling as 1/h. Same pitches appear in both parts.
enum HarmonicDuet {
    static let rate = 22050
    static let seconds = 4.0
    // (onset s, MIDI pitch): both play in 57…69, often at the same time.
    static let reedNotes: [(Double, Float)] = [(0.0, 57), (0.5, 60), (1.0, 62), (1.5, 64), (2.0, 59), (2.5, 62), (3.0, 65), (3.5, 60)]
    static let stringNotes: [(Double, Float)] = [(0.25, 64), (0.75, 60), (1.25, 67), (1.75, 65), (2.25, 62), (2.75, 69), (3.25, 64)]

    static func part(_ notes: [(Double, Float)], partials: (Int) -> Double) -> [Float] {
        let n = Int(seconds * Double(rate))
        var out = [Float](repeating: 0, count: n)
        for (onset, pitch) in notes {
            let f0 = 440 * pow(2, (Double(pitch) - 69) / 12)
            let start = Int(onset * Double(rate)), length = min(Int(0.45 * Double(rate)), n - start)
            for i in 0..<length {
                let t = Double(i) / Double(rate)
                var v = 0.0
                var h = 1
                while Double(h) * f0 < 8000 { v += partials(h) * sin(2 * .pi * f0 * Double(h) * t); h += 1 }
                // Soft attack and release, so no click spreads over the spectrum.
                let envelope = min(1, t / 0.02) * min(1, (Double(length - i) / Double(rate)) / 0.05)
                out[start + i] += Float(0.1 * v * envelope)
            }
        }
        return out
    }

    static var reed: [Float] { part(reedNotes) { $0 % 2 == 1 ? 1 / Double($0) : 0 } }
    static var string: [Float] { part(stringNotes) { pow(Double($0), -0.8) } }

    static func motion(_ notes: [(Double, Float)], label: String) -> MotionTrack {
        Duet.motion(notes.map(\.0), label: label)
    }
}

@Suite struct HarmonicNMFTests {
    @Test func partialLobesSitOnTheirPartials() {
        let grid = HarmonicNMF.PartialGrid(lowest: 57, highest: 69, partials: 10, toleranceCents: 20, sampleRate: 22050, fftSize: 1024)
        #expect(grid.pitches.count == 13)
        // A4 (pitch index 12), partial 3: 1320 Hz is bin 61.3 of a 1024-point STFT at 22.05 kHz.
        let lobe = grid.lobes[12 * 10 + 2]
        let peak = lobe.start + lobe.values.indices.max { lobe.values[$0] < lobe.values[$1] }!
        #expect(peak == 61)
        #expect(abs(lobe.values.reduce(0, +) - 1) < 1e-5)
    }

    /// Without video: the two instruments come back as two sources, each holding one instrument's notes
    /// whatever their pitch (the same source for the notes of the first half and the second).
    ///
    /// The bar is modest because this pair is hard for the model: the two share pitches, and a "string" note
    /// at pitch p is also the "reed" at p (its odd partials) plus the "string" an octave up (its even ones);
    /// the fitted profiles are right (the reed's even partials stay at 0) but some string notes are split that
    /// way. Measured: +5.5 and +3.8 dB; swapped or unseparated sources score below 0.
    @Test func separatesTwoTimbresInOverlappingRanges() throws {
        let reed = HarmonicDuet.reed, string = HarmonicDuet.string
        let mix = zip(reed, string).map { $0 + $1 }
        var configuration = MotionInformedNMF.Configuration()
        configuration.model = .harmonicSources
        let result = try MotionInformedNMF(configuration).separate([mix], sampleRate: HarmonicDuet.rate, motion: [], sources: 2)
        #expect(result.mode == .audioOnly)
        #expect(result.sources.count == 2)
        let a = result.sources[0].channels[0], b = result.sources[1].channels[0]
        let straight = Duet.sdr(a, reed) + Duet.sdr(b, string), crossed = Duet.sdr(a, string) + Duet.sdr(b, reed)
        let (reedOut, stringOut) = straight >= crossed ? (a, b) : (b, a)
        let reedGain = Duet.sdr(reedOut, reed) - Duet.sdr(mix, reed)
        let stringGain = Duet.sdr(stringOut, string) - Duet.sdr(mix, string)
        #expect(reedGain > 3 && stringGain > 2.5, "SDR gains \(reedGain) dB, \(stringGain) dB")
        // Not swapped halfway: in each half of the clip the reed's source holds the reed.
        let half = mix.count / 2
        for range in [0..<half, half..<mix.count] {
            let own = Duet.sdr(Array(reedOut[range]), Array(reed[range]))
            let other = Duet.sdr(Array(reedOut[range]), Array(string[range]))
            #expect(own > other + 3, "reed source in \(range): \(own) dB against the reed, \(other) dB against the string")
        }
    }

    /// With motion: each instrument goes to the region that moves with its notes (given right to left),
    /// and a region that never moves is silent, never the mixture. (Gains as above: +3.8 and +5.5 dB.)
    @Test func matchesWholeSourcesToRegions() throws {
        let reed = HarmonicDuet.reed, string = HarmonicDuet.string
        let mix = zip(reed, string).map { $0 + $1 }
        let tracks = [HarmonicDuet.motion(HarmonicDuet.stringNotes, label: "right"), HarmonicDuet.motion(HarmonicDuet.reedNotes, label: "left"),
                      MotionTrack(label: "still", times: [0, 4], energy: [0, 0])]
        var configuration = MotionInformedNMF.Configuration()
        configuration.model = .harmonicSources
        let result = try MotionInformedNMF(configuration).separate([mix], sampleRate: HarmonicDuet.rate, motion: tracks, sources: 2)
        #expect(result.sources.map(\.label) == ["right", "left", "still"])
        #expect(result.sources.map(\.silent) == [false, false, true])
        #expect(result.sources[2].channels[0].allSatisfy { $0 == 0 })
        let right = result.sources[0].channels[0], left = result.sources[1].channels[0]
        let rightGain = Duet.sdr(right, string) - Duet.sdr(mix, string)
        let leftGain = Duet.sdr(left, reed) - Duet.sdr(mix, reed)
        #expect(rightGain > 2.5 && leftGain > 3, "SDR gains \(rightGain) dB, \(leftGain) dB")
        #expect(result.sources[0].confidence > 0.2 && result.sources[1].confidence > 0.2)
    }

    /// The plain NMF the ensemble's components model already ran is the initialisation's own: handed in, it
    /// gives exactly the factors of running it again; one of another shape is ignored.
    @Test func aGivenInitialNMFIsTheOneItWouldRun() throws {
        let frames = 40, bins = 129
        var rng = SplitMix64(seed: 7)
        let values = (0..<(frames * bins)).map { _ in rng.nextUnitFloat() + 0.01 }
        var configuration = HarmonicNMF.Configuration()
        configuration.iterations = 4
        configuration.initialIterations = 6
        let model = HarmonicNMF(configuration)
        let own = try model.factorize(values, frames: frames, bins: bins, sampleRate: 22050, fftSize: 256, sources: 2)
        let plain = try NMF(components: configuration.initialComponentsPerSource * 2, divergence: .kullbackLeibler,
                            iterations: configuration.initialIterations, seed: configuration.seed).factorize(values, frames: frames, bins: bins)
        let given = try model.factorize(values, frames: frames, bins: bins, sampleRate: 22050, fftSize: 256, sources: 2, initialPlainNMF: plain)
        #expect(given.units.activations == own.units.activations && given.units.templates == own.units.templates && given.profiles == own.profiles)
        let otherShape = try NMF(components: 3, iterations: 2).factorize(values, frames: frames, bins: bins)
        let ignored = try model.factorize(values, frames: frames, bins: bins, sampleRate: 22050, fftSize: 256, sources: 2, initialPlainNMF: otherShape)
        #expect(ignored.units.activations == own.units.activations)
        // A different starting point gives different factors: the test would see a given NMF not being used.
        let shorter = try NMF(components: configuration.initialComponentsPerSource * 2, iterations: 1).factorize(values, frames: frames, bins: bins)
        let changed = try model.factorize(values, frames: frames, bins: bins, sampleRate: 22050, fftSize: 256, sources: 2, initialPlainNMF: shorter)
        #expect(changed.units.activations != own.units.activations)
    }

    /// The duet's magnitude spectrogram (frames × bins, n_fft 1024 at 22.05 kHz), as the separator factorises it.
    static func duetMagnitude() throws -> (values: [Float], frames: Int, bins: Int) {
        let mix = zip(HarmonicDuet.reed, HarmonicDuet.string).map { $0 + $1 }
        let stft = try STFT(STFTConfiguration(fftSize: 1024, hop: 256, output: .complex, planning: .estimate))
        let complex = stft(mix)
        let bins = 513, frames = complex.count / (2 * bins)
        let values = (0..<(frames * bins)).map { (i: Int) -> Float in
            let re = complex[2 * i], im = complex[2 * i + 1]
            return (re * re + im * im).squareRoot()
        }
        return (values, frames, bins)
    }

    /// Early stop: a factorisation run long enough to settle stops before its last update, one whose
    /// divergence still falls between its checks runs every update, and tolerance 0 always runs them all. Where
    /// it stops, the factors are exactly those of running that many updates without the check.
    @Test func stopsOnceTheDivergenceSettles() throws {
        let (values, frames, bins) = try Self.duetMagnitude()
        var configuration = HarmonicNMF.Configuration()
        configuration.convergenceTolerance = 0.002
        configuration.iterations = 200
        func run(_ c: HarmonicNMF.Configuration) throws -> HarmonicNMF.Factors {
            try HarmonicNMF(c).factorize(values, frames: frames, bins: bins, sampleRate: HarmonicDuet.rate, fftSize: 1024, sources: 2)
        }
        let settled = try run(configuration)
        #expect(settled.updates < 200 && settled.updates >= configuration.rangeCompetitionIterations + configuration.convergenceInterval)
        #expect((settled.updates - configuration.rangeCompetitionIterations) % configuration.convergenceInterval == 0)
        // The first two checks of a fresh start (after 5 and 10 updates, no competition): the divergence still falls.
        var early = configuration
        early.rangeCompetitionIterations = 0
        early.iterations = 12
        #expect(try run(early).updates == 12)
        var off = configuration
        off.convergenceTolerance = 0
        off.iterations = 40
        #expect(try run(off).updates == 40)
        var exact = configuration
        exact.convergenceTolerance = 0
        exact.iterations = settled.updates
        let same = try run(exact)
        #expect(same.units.activations == settled.units.activations && same.profiles == settled.profiles)
    }

    /// With a spare thread serving, half of each product runs there; the factors are the same bits as alone, and a
    /// spare thread that never serves (or has closed) costs nothing but its lock.
    @Test func aSpareThreadGivesTheSameFactors() throws {
        let (values, frames, bins) = try Self.duetMagnitude()
        var configuration = HarmonicNMF.Configuration()
        configuration.iterations = 6
        let model = HarmonicNMF(configuration)
        func run(_ spare: SpareThread?) throws -> HarmonicNMF.Factors {
            try model.factorize(values, frames: frames, bins: bins, sampleRate: HarmonicDuet.rate, fftSize: 1024, sources: 2,
                                initialPlainNMF: nil, spare: spare)
        }
        let alone = try run(nil)
        let spare = SpareThread(), served = DispatchSemaphore(value: 0)
        let thread = Thread { spare.serve(); served.signal() }
        thread.start()
        let shared = try run(spare)
        spare.close()
        served.wait()
        #expect(shared.units.activations == alone.units.activations && shared.profiles == alone.profiles)
        // The sources' models and shares made with the spare thread's help are the same bits too.
        let helper = SpareThread(), helped = DispatchSemaphore(value: 0)
        Thread { helper.serve(); helped.signal() }.start()
        let models = MotionInformedNMF.HarmonicModels(alone, maskExponent: 2, spare: helper)
        helper.close()
        helped.wait()
        let single = MotionInformedNMF.HarmonicModels(alone, maskExponent: 2)
        #expect(models.activations == single.activations && models.sourceModels == single.sourceModels && models.shares == single.shares)
        let idle = SpareThread()
        let unserved = try run(idle)
        idle.close()
        idle.serve()  // returns at once: closed
        #expect(unserved.units.activations == alone.units.activations)
    }

    /// `SpareThread.both` runs both halves exactly once, on the serving thread or here.
    @Test func spareThreadRunsEachHalfOnce() {
        let spare = SpareThread(), served = DispatchSemaphore(value: 0)
        let thread = Thread { spare.serve(); served.signal() }
        thread.start()
        var counts = [Int](repeating: 0, count: 200)
        counts.withUnsafeMutableBufferPointer { c in
            nonisolated(unsafe) let c = c
            for i in 0..<100 { spare.both({ c[2 * i] += 1 }, { c[2 * i + 1] += 1 }) }
        }
        spare.close()
        served.wait()
        #expect(counts.allSatisfy { $0 == 1 })
    }

    @Test func badInputIsRefused() {
        let model = HarmonicNMF()
        #expect(throws: DSPError.self) { try model.factorize([1, 2, 3], frames: 2, bins: 2, sampleRate: 22050, fftSize: 2, sources: 1) }
        #expect(throws: DSPError.self) { try model.factorize([Float](repeating: 1, count: 513), frames: 1, bins: 513, sampleRate: 22050, fftSize: 1024, sources: 0) }
    }

    @Test func silenceFactorisesToSilence() throws {
        let factors = try HarmonicNMF().factorize([Float](repeating: 0, count: 20 * 513), frames: 20, bins: 513,
                                                   sampleRate: 22050, fftSize: 1024, sources: 2)
        #expect(factors.units.activations.allSatisfy { $0 == 0 })
        #expect(factors.units.templates.allSatisfy { $0.isFinite })
    }
}
