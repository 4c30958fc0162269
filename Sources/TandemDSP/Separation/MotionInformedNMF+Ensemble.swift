import Foundation

extension MotionInformedNMF {
    /// Wiener-style masks `V_s^p / Σ_j V_j^p` from each output's model `V_s` (`frames × bins`); a bin no
    /// model holds is 0 in every mask (silence stays silence, never NaN).
    /// - Parameter spare: a thread lent by the other side (`SpareThread`): each pass is cut in two halves of the
    ///   cells, the second run there while it serves. Every cell's sum and quotient are the same either way.
    static func wienerMasks(_ models: [[Float]], exponent p: Float, spare: SpareThread? = nil) -> [[Float]] {
        guard let cells = models.first?.count else { return [] }
        // Over buffers (no copy of the models, no check per cell): this runs over every cell of every output
        // several times per separation. Each cell's total adds the outputs' powers in output order.
        var total = [Float](repeating: 0, count: cells)
        total.withUnsafeMutableBufferPointer { total in
            nonisolated(unsafe) let total = total
            inHalves(cells, spare: spare) { range in
                for model in models {
                    model.withUnsafeBufferPointer { m in
                        for i in range { total[i] += p == 2 ? m[i] * m[i] : pow(m[i], p) }
                    }
                }
            }
        }
        return models.map { model in
            [Float](unsafeUninitializedCapacity: cells) { mask, initialized in
                nonisolated(unsafe) let mask = mask
                inHalves(cells, spare: spare) { range in
                    model.withUnsafeBufferPointer { m in
                        total.withUnsafeBufferPointer { total in
                            for i in range {
                                let v = p == 2 ? m[i] * m[i] : pow(m[i], p)
                                mask[i] = total[i] > 0 ? v / total[i] : 0
                            }
                        }
                    }
                }
                initialized = cells
            }
        }
    }

    /// `body` over the two halves of `0..<count`: the second on `spare` while it serves, else here after the first.
    /// Without a spare thread, on the graph's threads when it has two (`concurrently`), else here.
    static func inHalves(_ count: Int, spare: SpareThread?, onGraphThreads: Bool = false, _ body: (Range<Int>) -> Void) {
        let middle = count / 2
        if let spare {
            spare.both({ body(0..<middle) }, { body(middle..<count) })
        } else if onGraphThreads {
            _ = try? concurrently(2) { half in body(half == 0 ? 0..<middle : middle..<count) }  // the body throws nothing
        } else {
            body(0..<count)
        }
    }

    /// `agreement[s][r]`: the share of harmonic source `s`'s model energy that the free components' grouping
    /// gives to region `r` (its masks weighted by the source's model, bin by bin).
    ///
    /// The components model groups its own factorisation into regions by timbre and whole-source motion; where
    /// it puts a harmonic source's bins is a second opinion on that source's region, one that does not rest on
    /// the single onset and level correlation of the source's summed activation with a region's motion curve.
    ///
    /// The pairs are summed on the graph's threads, each over buffers in bin order as before.
    static func agreement(_ sourceModels: [[Float]], with componentMasks: [[Float]]) -> [[Float]] {
        let totals = sourceModels.map { $0.reduce(Double(0)) { $0 + Double($1) } }
        let regions = componentMasks.count
        let shares = (try? concurrently(sourceModels.count * regions) { pair -> Float in
            let (s, r) = (pair / regions, pair % regions)
            guard totals[s] > 0 else { return 0 }
            var sum = 0.0
            sourceModels[s].withUnsafeBufferPointer { model in
                componentMasks[r].withUnsafeBufferPointer { mask in
                    for i in 0..<min(model.count, mask.count) { sum += Double(model[i]) * Double(mask[i]) }
                }
            }
            return Float(sum / totals[s])
        }) ?? [Float](repeating: 0, count: sourceModels.count * regions)  // the body throws nothing
        return sourceModels.indices.map { s in Array(shares[(s * regions)..<((s + 1) * regions)]) }
    }

    /// Per matched row, how much the matching's total would fall if that row could not keep its column: the
    /// best total minus the best total with that one pairing forbidden. A pair that a small change of the
    /// scores could swap has a margin near 0, whichever row it is read from.
    /// - Parameters:
    ///   - matrix: square score matrix (rows beyond `rows` are padding).
    ///   - matching: `JointGrouping.bestMatching(matrix)`.
    static func matchMargins(_ matrix: [[Float]], matching: [Int], rows: Int) -> [Float] {
        func total(_ m: [Int], _ x: [[Float]]) -> Float { m.indices.reduce(Float(0)) { $0 + x[$1][m[$1]] } }
        let best = total(matching, matrix)
        guard matrix.count > 1 else { return [Float](repeating: .infinity, count: rows) }
        return (0..<rows).map { s in
            var forbidden = matrix
            forbidden[s][matching[s]] = -1e6
            let other = JointGrouping.bestMatching(forbidden)
            return best - total(other, matrix)
        }
    }

    /// Bins of `count` log-spaced bands from 60 Hz to 8 kHz (bands under one bin wide left out): the timbre that
    /// `timbreContrast` reads.
    static func timbreBands(sampleRate: Int, fftSize: Int, bins: Int, count: Int = 16) -> [Range<Int>] {
        let (low, high) = (60.0, 8000.0), binHz = Double(sampleRate) / Double(fftSize)
        let edges = (0...count).map { i in min(bins, Int((low * pow(high / low, Double(i) / Double(count)) / binHz).rounded(.up))) }
        return (0..<count).map { edges[$0]..<edges[$0 + 1] }.filter { !$0.isEmpty }
    }

    /// How distinct the timbres of a model's two sounding regions are: the squared distance between their mean
    /// band spectra over the spread of each around its own mean (a Fisher ratio), 0 when either region has no
    /// energy; 1 unless there are exactly two regions.
    ///
    /// Each region's masked spectrum (mask · |X|)² is summed in `bands` frame by frame, floored at 1 % of the
    /// frame's mean band, taken as log and centred on the frame's mean, so the loudness of a frame and of a
    /// player never counts: only the spectral shape. The mean and the spread are over frames weighted by the
    /// region's energy in them. A model that followed each instrument gives two steady, different shapes; one
    /// that collapsed (a source that took both instruments, a grouping that put pieces of each on both regions)
    /// gives two patchworks whose shapes change with whichever instrument holds the frame and whose means draw
    /// together. Unlike the regions' energies (`sepduet2`'s balance), it does not ask the players to be equally loud.
    static func timbreContrast(_ masks: [[Float]], magnitude: [Float], frames: Int, bins: Int, regions: [Int],
                               bands: [Range<Int>]) -> Float {
        guard regions.count == 2, !bands.isEmpty else { return 1 }
        let k = bands.count
        let moments = regions.map { r -> (mean: [Double], spread: Double)? in
            var sum = [Double](repeating: 0, count: k), squares = 0.0, weight = 0.0
            var band = [Double](repeating: 0, count: k)
            masks[r].withUnsafeBufferPointer { m in
                magnitude.withUnsafeBufferPointer { x in
                    for f in 0..<frames {
                        let row = f * bins
                        var energy = 0.0
                        for b in 0..<bins { let v = Double(m[row + b] * x[row + b]); energy += v * v }
                        guard energy > 0 else { continue }
                        for (j, range) in bands.enumerated() {
                            var e = 0.0
                            for b in range { let v = Double(m[row + b] * x[row + b]); e += v * v }
                            band[j] = e
                        }
                        let floor = 0.01 * band.reduce(0, +) / Double(k) + .leastNormalMagnitude
                        for j in 0..<k { band[j] = log(band[j] + floor) }
                        let centre = band.reduce(0, +) / Double(k)
                        for j in 0..<k {
                            let t = band[j] - centre
                            sum[j] += energy * t
                            squares += energy * t * t
                        }
                        weight += energy
                    }
                }
            }
            guard weight > 0 else { return nil }
            let mean = sum.map { $0 / weight }
            return (mean, squares / weight - mean.reduce(0) { $0 + $1 * $1 })
        }
        guard let a = moments[0], let b = moments[1] else { return 0 }
        let distance = zip(a.mean, b.mean).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        return Float(distance / max(a.spread + b.spread, 1e-12))
    }

    /// Per output, `w_a · a + (1 − w_a) · b`, then one Wiener normalisation across the outputs, so the masks
    /// still sum to 1 in every bin that either set covers (the outputs sum to the mixture).
    ///
    /// Averaging two models' masks keeps what both agree on and halves what only one of them got wrong: a
    /// whole source that one model put on the wrong region costs half a player instead of a whole one.
    /// - Parameter weights: per output, the weight of `a` (0…1).
    static func blended(_ a: [[Float]], _ b: [[Float]], weights: [Float]) -> [[Float]] {
        guard let cells = a.first?.count else { return b }
        // Over buffers, the sum across outputs kept in one pass: the same sums, in the same order, as cell by cell;
        // each pass in two halves of the cells on the graph's threads (the other has nothing to do here).
        var out = a.indices.map { r in
            [Float](unsafeUninitializedCapacity: cells) { out, initialized in
                nonisolated(unsafe) let out = out
                let w = weights[r], v = 1 - weights[r]
                inHalves(cells, spare: nil, onGraphThreads: true) { range in
                    a[r].withUnsafeBufferPointer { a in
                        b[r].withUnsafeBufferPointer { b in for i in range { out[i] = w * a[i] + v * b[i] } }
                    }
                }
                initialized = cells
            }
        }
        var total = [Float](repeating: 0, count: cells)
        total.withUnsafeMutableBufferPointer { total in
            nonisolated(unsafe) let total = total
            inHalves(cells, spare: nil, onGraphThreads: true) { range in
                for o in out { o.withUnsafeBufferPointer { o in for i in range { total[i] += o[i] } } }
            }
            for r in out.indices {
                out[r].withUnsafeMutableBufferPointer { o in
                    nonisolated(unsafe) let o = o
                    inHalves(cells, spare: nil, onGraphThreads: true) { range in for i in range { o[i] = total[i] > 0 ? o[i] / total[i] : 0 } }
                }
            }
        }
        return out
    }
}
