import Foundation
import Testing
import TandemCore
@testable import TandemDSP

/// Matching whole sources to regions on more than one score, the matches' confidence, and the ensemble of
/// the free-components and harmonic models.
@Suite struct SeparationMatchingTests {
    /// The agreement summed pair by pair on the threads gives the bits of one Double sum per pair in bin order.
    @Test func agreementIsEachPairsSumInBinOrder() throws {
        var rng = SplitMix64(seed: 14)
        let cells = 1000
        let models = (0..<3).map { s in (0..<cells).map { _ in s == 2 ? 0 : rng.nextUnitFloat() } }  // the third: no energy
        let masks = (0..<4).map { _ in (0..<cells).map { _ in rng.nextUnitFloat() } }
        let expected = models.map { model -> [Float] in
            let total = model.reduce(Double(0)) { $0 + Double($1) }
            return masks.map { mask in
                guard total > 0 else { return 0 }
                var sum = 0.0
                for i in model.indices { sum += Double(model[i]) * Double(mask[i]) }
                return Float(sum / total)
            }
        }
        let context = ComputeContext(threads: 2)
        let agreement = context.run { MotionInformedNMF.agreement(models, with: masks) }
        #expect(agreement == expected)
        #expect(MotionInformedNMF.agreement(models, with: masks) == expected)
        #expect(MotionInformedNMF.agreement(models, with: []) == [[], [], []])
    }

    /// Two sources whose motion evidence is nearly tied, tipped the wrong way by a few hundredths (what a box a
    /// cell wider does): motion alone swaps them; with the components' grouping's agreement they stay.
    @Test func agreementKeepsTheMatchThatMotionAloneWouldSwap() {
        let motion: [[Float]] = [[0.50, 0.56], [0.57, 0.49]]
        let agreement: [[Float]] = [[0.85, 0.15], [0.20, 0.80]]
        let alone = MotionInformedNMF.matchSources(motion: motion, agreement: nil, bystanders: [false, false], agreementWeight: 1)
        #expect(alone.matching == [1, 0])
        #expect(alone.margins.allSatisfy { abs($0 - 0.14) < 1e-4 }, "margins \(alone.margins)")
        let combined = MotionInformedNMF.matchSources(motion: motion, agreement: agreement, bystanders: [false, false], agreementWeight: 1)
        #expect(combined.matching == [0, 1])
        #expect(combined.margins.allSatisfy { $0 > 1 }, "margins \(combined.margins)")
        // Weight 0 is motion alone.
        let off = MotionInformedNMF.matchSources(motion: motion, agreement: agreement, bystanders: [false, false], agreementWeight: 0)
        #expect(off.matching == [1, 0])
    }

    /// Beyond seven rows (eight found regions: pieces, a mover) the matching is still the one with the largest sum, as
    /// every permutation finds it; the greedy pairing it replaced took the largest pair first and lost the rest.
    @Test func beyondSevenRowsTheMatchingIsTheBest() {
        func total(_ m: [Int], _ x: [[Float]]) -> Float { m.indices.reduce(Float(0)) { $0 + x[$1][m[$1]] } }
        func exhaustive(_ x: [[Float]]) -> Float {
            var best = -Float.infinity, current = Array(x.indices)
            func permute(_ i: Int) {
                if i == x.count { best = max(best, total(current, x)); return }
                for j in i..<x.count { current.swapAt(i, j); permute(i + 1); current.swapAt(i, j) }
            }
            permute(0)
            return best
        }
        // Greedy takes (0, 0) = 1 and leaves row 1 only 0; the best pairs (0, 1) and (1, 0) for 1.8.
        var crafted = [[Float]](repeating: [Float](repeating: 0, count: 8), count: 8)
        crafted[0][0] = 1; crafted[0][1] = 0.9; crafted[1][0] = 0.9
        let matching = MotionInformedNMF.JointGrouping.bestMatching(crafted)
        #expect(Set(matching).count == 8 && matching[0] == 1 && matching[1] == 0, "\(matching)")
        var rng = SplitMix64(seed: 18)
        for n in [8, 9] {
            for _ in 0..<3 {
                let x = (0..<n).map { _ in (0..<n).map { _ in rng.nextUnitFloat() * 2 - 1 } }
                let m = MotionInformedNMF.JointGrouping.bestMatching(x)
                #expect(Set(m).count == n)
                #expect(abs(total(m, x) - exhaustive(x)) < 1e-4)
            }
        }
    }

    /// Two sources, three regions: a source whose second-best region is free has the margin of that move alone,
    /// and a bystander region is matched only when nothing else is left.
    @Test func marginsAndBystanders() {
        let motion: [[Float]] = [[0.8, 0.1, 0.7], [0.1, 0.9, 0.0]]
        let result = MotionInformedNMF.matchSources(motion: motion, agreement: nil, bystanders: [false, false, false], agreementWeight: 1)
        #expect(Array(result.matching.prefix(2)) == [0, 1])
        #expect(abs(result.margins[0] - 0.1) < 1e-5 && abs(result.margins[1] - 0.9) < 1e-5, "margins \(result.margins)")
        let withBystander = MotionInformedNMF.matchSources(motion: motion, agreement: nil, bystanders: [true, false, false], agreementWeight: 1)
        #expect(Array(withBystander.matching.prefix(2)) == [2, 1])
    }

    /// Two sources, three regions of which the last two are pieces of one player (the third its busiest): both sources
    /// follow the pieces best, but while there are as many players as sources each player takes one (on its best
    /// piece), so the player alone in its region keeps a source; with more sources than players a player may take two.
    @Test func aPlayerInPiecesTakesOneSourceWhilePlayersSuffice() {
        let motion: [[Float]] = [[0.3, 0.9, 0.6], [0.2, 0.5, 0.7]]
        let byPiece = MotionInformedNMF.matchSources(motion: motion, agreement: nil, bystanders: [false, false, false], agreementWeight: 1)
        #expect(Set(byPiece.matching.prefix(2)) == [1, 2])
        let byPlayer = MotionInformedNMF.matchSources(motion: motion, agreement: nil, bystanders: [false, false, false], agreementWeight: 1,
                                                      players: [0, 2, 2])
        #expect(Array(byPlayer.matching.prefix(2)) == [1, 0], "the first source follows piece 1 best and is placed there")
        #expect(abs(byPlayer.margins[0] - 0.1) < 1e-5, "a margin among players, not between two pieces of one: \(byPlayer.margins)")
        let three: [[Float]] = motion + [[0.1, 0.1, 0.1]]
        let morePlayersAsked = MotionInformedNMF.matchSources(motion: three, agreement: nil, bystanders: [false, false, false],
                                                              agreementWeight: 1, players: [0, 2, 2])
        #expect(Set(morePlayersAsked.matching.prefix(3)) == [0, 1, 2])
    }

    /// With the count automatic, the harmonic model gets one instrument per player that is not a bystander: two pieces
    /// of one player are one, a bystander none; a count asked for is kept (at most the regions), and at least one.
    @Test func theHarmonicModelCountsPlayersNotPieces() {
        let players = [0, 2, 2, 3]  // regions 1 and 2: one player (2 its busiest piece)
        #expect(MotionInformedNMF.harmonicSourceCount(asked: nil, bystanders: [false, false, false, false], players: players, maximum: 6) == 3)
        #expect(MotionInformedNMF.harmonicSourceCount(asked: nil, bystanders: [false, false, false, true], players: players, maximum: 6) == 2)
        #expect(MotionInformedNMF.harmonicSourceCount(asked: nil, bystanders: [false, false, false, false], players: [], maximum: 6) == 4)
        #expect(MotionInformedNMF.harmonicSourceCount(asked: nil, bystanders: [false, false, false, false], players: players, maximum: 2) == 2)
        #expect(MotionInformedNMF.harmonicSourceCount(asked: 3, bystanders: [false, false, false, false], players: players, maximum: 6) == 3)
        #expect(MotionInformedNMF.harmonicSourceCount(asked: 9, bystanders: [false, false], players: [], maximum: 6) == 2)
        #expect(MotionInformedNMF.harmonicSourceCount(asked: nil, bystanders: [], players: [], maximum: 6) == 1)
    }

    /// The Wiener masks and the blend are the same bits whether each pass is cut in two halves of the cells on two
    /// threads (a spare thread serving, or the graph's two threads) or run whole on one, and are `V_s^p / Σ V_j^p`.
    @Test func masksAreTheSameBitsOnTwoThreads() {
        // 1001 cells (halves of different sizes), three outputs, every seventh cell held by no model.
        func value(_ s: Int, _ i: Int) -> Float {
            guard i % 7 != 0 else { return 0 }
            let step = Float((i * (s + 3)) % 17)
            return step * 0.37 + Float(s) * 0.01
        }
        let models: [[Float]] = (0..<3).map { s in (0..<1001).map { value(s, $0) } }
        let squares = MotionInformedNMF.wienerMasks(models, exponent: 2)
        let powers = MotionInformedNMF.wienerMasks(models, exponent: 1.5)
        let spare = SpareThread(), served = DispatchSemaphore(value: 0)
        let thread = Thread { spare.serve(); served.signal() }
        thread.start()
        let sharedSquares = MotionInformedNMF.wienerMasks(models, exponent: 2, spare: spare)
        let sharedPowers = MotionInformedNMF.wienerMasks(models, exponent: 1.5, spare: spare)
        spare.close()
        served.wait()
        #expect(sharedSquares == squares && sharedPowers == powers)
        for i in [1, 2, 500, 1000] {
            let total = models.reduce(Float(0)) { $0 + $1[i] * $1[i] }
            #expect(squares[1][i] == models[1][i] * models[1][i] / total)
        }
        #expect(squares.allSatisfy { $0[0] == 0 && $0[7] == 0 } && powers.allSatisfy { $0[994] == 0 })
        let weights: [Float] = [0.3, 0.5, 0.9]
        let blended = MotionInformedNMF.blended(squares, powers, weights: weights)
        let sharedBlend = ComputeContext(threads: 2).run { MotionInformedNMF.blended(squares, powers, weights: weights) }
        #expect(sharedBlend == blended)
        for i in [1, 2, 500, 1000] {
            let parts = (0..<3).map { weights[$0] * squares[$0][i] + (1 - weights[$0]) * powers[$0][i] }
            #expect(blended[2][i] == parts[2] / (parts[0] + parts[1] + parts[2]))
        }
    }

    @Test func blendedMasksSumToOne() {
        let a: [[Float]] = [[1, 0, 0.5, 0], [0, 1, 0.5, 0]]
        let b: [[Float]] = [[0.2, 0.9, 0.0, 0], [0.8, 0.1, 1.0, 0]]
        let out = MotionInformedNMF.blended(a, b, weights: [0.9, 0.2])
        for i in 0..<3 { #expect(abs(out[0][i] + out[1][i] - 1) < 1e-6) }
        #expect(out[0][3] == 0 && out[1][3] == 0)
        // Bin 0: 0.9·1 + 0.1·0.2 = 0.92 against 0.2·0 + 0.8·0.8 = 0.64.
        #expect(abs(out[0][0] - 0.92 / 1.56) < 1e-6)
    }

    /// The timbre bands are log-spaced from 60 Hz to 8 kHz, each at least one bin, inside the spectrum, in order.
    @Test func timbreBandsCoverTheSpectrumInOrder() {
        let bands = MotionInformedNMF.timbreBands(sampleRate: 16000, fftSize: 128, bins: 65)
        // ⌈60 / 125⌉ = 1; ⌈8000 / 125⌉ = 64, or 65 where the power rounds a hair above 8 kHz.
        #expect(bands.first?.lowerBound == 1)
        #expect(bands.last.map { (64...65).contains($0.upperBound) } == true)
        for (a, b) in zip(bands, bands.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
        #expect(bands.allSatisfy { !$0.isEmpty })
    }

    /// A duet model that followed each instrument scores a high timbre contrast, one whose two regions take the two
    /// instruments in turns (a patchwork) a low one, one that gave a region nothing 0 — and the contrast of the clean
    /// model is the same with one player 20 dB quieter.
    @Test func timbreContrastRewardsTheModelThatFollowsEachInstrument() {
        let (frames, bins) = (40, 65)
        let bands = MotionInformedNMF.timbreBands(sampleRate: 16000, fftSize: 128, bins: bins)
        var rng = SplitMix64(seed: 21)
        // A low instrument (bins 2-9, falling) and a high one (bins 20-44, rising), each at a level drawn per frame,
        // every bin varying a little from frame to frame.
        let levels = (0..<frames).map { _ in (0.2 + rng.nextUnitFloat(), 0.2 + rng.nextUnitFloat()) }
        let jitter = (0..<(frames * bins)).map { _ in 0.7 + 0.6 * rng.nextUnitFloat() }
        func spectra(quieter: Float) -> (low: [Float], high: [Float]) {
            var low = [Float](repeating: 0, count: frames * bins), high = low
            for f in 0..<frames {
                for b in 2..<10 { low[f * bins + b] = levels[f].0 / Float(b) * jitter[f * bins + b] }
                for b in 20..<45 { high[f * bins + b] = quieter * levels[f].1 * Float(b) / 45 * jitter[f * bins + b] }
            }
            return (low, high)
        }
        func contrasts(quieter: Float) -> (clean: Float, patchwork: Float, collapsed: Float) {
            let (low, high) = spectra(quieter: quieter)
            let magnitude = zip(low, high).map { $0 + $1 }
            let share = zip(low, magnitude).map { $1 > 0 ? $0 / $1 : 0 }
            let clean = [share, share.map { 1 - $0 }]
            // The patchwork: region 0 takes the low instrument on even frames and the high one on odd frames.
            let turns = share.indices.map { i in (i / bins) % 2 == 0 ? share[i] : 1 - share[i] }
            let patchwork = [turns, turns.map { 1 - $0 }]
            let collapsed = [magnitude.map { _ in Float(1) }, magnitude.map { _ in Float(0) }]
            func contrast(_ masks: [[Float]]) -> Float {
                MotionInformedNMF.timbreContrast(masks, magnitude: magnitude, frames: frames, bins: bins, regions: [0, 1], bands: bands)
            }
            return (contrast(clean), contrast(patchwork), contrast(collapsed))
        }
        let even = contrasts(quieter: 1), spread = contrasts(quieter: 0.1)
        #expect(even.clean > 5 * even.patchwork)
        #expect(spread.clean > 5 * spread.patchwork)
        #expect(even.collapsed == 0 && spread.collapsed == 0)
        #expect(abs(spread.clean - even.clean) < 1e-3 * even.clean)
        // Not a duet: not read.
        let magnitude = [Float](repeating: 1, count: frames * bins), third = [Float](repeating: 1.0 / 3, count: frames * bins)
        #expect(MotionInformedNMF.timbreContrast([third, third, third], magnitude: magnitude, frames: frames, bins: bins,
                                                 regions: [0, 1, 2], bands: bands) == 1)
    }

    /// A match's confidence is its evidence scaled by its margin: an exact tie (two sources that score alike on
    /// two regions) is no confidence, a near-tie little, a clear match its whole evidence.
    @Test func nearTiesAreLowConfidence() {
        let tied = MotionInformedNMF.matchSources(motion: [[0.6, 0.6], [0.6, 0.6]], agreement: nil, bystanders: [false, false],
                                                  agreementWeight: 1)
        #expect(tied.margins == [0, 0])
        let clear = MotionInformedNMF.matchSources(motion: [[0.8, 0.1, 0.7], [0.1, 0.9, 0.0]], agreement: nil,
                                                   bystanders: [false, false, false], agreementWeight: 1)
        func confidence(_ evidence: Float, _ margin: Float) -> Float {
            MotionInformedNMF.matchConfidence(evidence: evidence, margin: margin, confidentMargin: 0.1)
        }
        #expect(tied.margins.allSatisfy { confidence(0.6, $0) == 0 })
        // Source 0 holds region 0 by 0.1 over region 2 (trusted whole); a margin of 0.02 keeps a fifth.
        #expect(abs(confidence(0.8, clear.margins[0]) - 0.8) < 1e-5 && abs(confidence(0.9, clear.margins[1]) - 0.9) < 1e-5)
        #expect(abs(confidence(0.8, 0.02) - 0.16) < 1e-6)
        // Nothing else could take the region (one source, one region): trusted whole; evidence below 0 is no confidence.
        #expect(confidence(0.5, .infinity) == 0.5 && confidence(-0.3, 1) == 0)
    }

    /// An exact tie is still matched: with both regions moving alike and the components' grouping giving no
    /// opinion (half of every bin to each region), each region's harmonic mask is one whole source — the two
    /// masks differ bin by bin, each holding one instrument — not the components' even share, and both matches
    /// have no confidence.
    @Test func aTiedMatchKeepsItsSourceWhole() throws {
        let reed = HarmonicDuet.reed, string = HarmonicDuet.string
        let mix = zip(reed, string).map { $0 + $1 }
        let fftSize = 1024, hop = 256
        let stft = try STFT(STFTConfiguration(fftSize: fftSize, hop: hop, output: .complex, planning: .estimate))
        func magnitude(_ x: [Float]) -> [Float] {
            let spectrum = stft(x)
            return (0..<(spectrum.count / 2)).map { i -> Float in
                let re = spectrum[2 * i], im = spectrum[2 * i + 1]
                return (re * re + im * im).squareRoot()
            }
        }
        let frames = stft.frameCount(forLength: mix.count), bins = fftSize / 2 + 1
        let both = HarmonicDuet.motion(HarmonicDuet.reedNotes, label: "a")
        let tracks = [both, MotionTrack(label: "b", times: both.times, energy: both.energy)]
        let even = [[Float]](repeating: [Float](repeating: 0.5, count: frames * bins), count: 2)
        var configuration = MotionInformedNMF.Configuration()
        configuration.model = .harmonicSources
        let attribution = try MotionInformedNMF(configuration).harmonicAttribution(
            magnitude(mix), frames: frames, bins: bins, sampleRate: HarmonicDuet.rate, fftSize: fftSize,
            frameSeconds: Double(hop) / Double(HarmonicDuet.rate), tracks: tracks, count: 2, asked: 2, componentMasks: even)
        #expect(attribution.confidence == [0, 0])
        #expect(Set(attribution.owner) == [0, 1])
        let apart = zip(attribution.masks[0], attribution.masks[1]).reduce(Float(0)) { $0 + abs($1.0 - $1.1) } / Float(frames * bins)
        #expect(apart > 0.3, "mean difference of the two regions' masks \(apart)")
        // Each mask holds one instrument: weighted by the reed's magnitudes, one region's mask is mostly reed.
        let reedMagnitude = magnitude(reed)
        let reedShares = attribution.masks.map { mask in
            zip(mask, reedMagnitude).reduce(Float(0)) { $0 + $1.0 * $1.1 } / reedMagnitude.reduce(0, +)
        }
        #expect(reedShares.max()! > 0.7, "reed's share per region \(reedShares)")
    }

    /// The ensemble's outputs sum to the mixture, a still region stays silent, and each player's output holds
    /// that player.
    @Test func ensembleOutputsSumToTheMixture() throws {
        let reed = HarmonicDuet.reed, string = HarmonicDuet.string
        let mix = zip(reed, string).map { $0 + $1 }
        let tracks = [HarmonicDuet.motion(HarmonicDuet.stringNotes, label: "right"), HarmonicDuet.motion(HarmonicDuet.reedNotes, label: "left"),
                      MotionTrack(label: "still", times: [0, 4], energy: [0, 0])]
        var configuration = MotionInformedNMF.Configuration()
        configuration.model = .ensemble
        let result = try MotionInformedNMF(configuration).separate([mix], sampleRate: HarmonicDuet.rate, motion: tracks, sources: 2)
        #expect(result.sources.map(\.silent) == [false, false, true])
        var sum = [Float](repeating: 0, count: mix.count)
        for source in result.sources { for i in sum.indices { sum[i] += source.channels[0][i] } }
        #expect(Duet.sdr(sum, mix) > 40, "outputs against the mixture \(Duet.sdr(sum, mix)) dB")
        let right = result.sources[0].channels[0], left = result.sources[1].channels[0]
        let rightGain = Duet.sdr(right, string) - Duet.sdr(mix, string)
        let leftGain = Duet.sdr(left, reed) - Duet.sdr(mix, reed)
        #expect(rightGain > 2.5 && leftGain > 2.5, "SDR gains \(rightGain) dB, \(leftGain) dB")
    }

    /// The ensemble's harmonic factorisation runs beside the components' grouping: both results come back,
    /// on two threads when the graph has two and one after the other otherwise, and an error is passed on.
    @Test func sideBySideGivesBothResults() throws {
        struct Failure: Error {}
        for threads in [1, 2] {
            let (a, b) = try ComputeContext(threads: threads).run {
                try MotionInformedNMF.side(by: { (0..<1000).reduce(0, +) }, { ComputeContext.current?.threads ?? 0 })
            }
            // The other thread sees the graph's width too.
            #expect(a == 499_500 && b == threads)
            #expect(throws: Failure.self) {
                try ComputeContext(threads: threads).run { _ = try MotionInformedNMF.side(by: { 1 }, { () throws -> Int in throw Failure() }) }
            }
        }
    }
}
