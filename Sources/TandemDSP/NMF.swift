import TandemBLAS
import Foundation
import TandemCore

/// Non-negative matrix factorisation of a spectrogram with the β-divergence, by multiplicative updates.
///
/// A magnitude (or power) spectrogram `V` (frames × bins, frame-major as the STFT gives it) is
/// approximated by `Λ = H · W`: `W` holds `components` spectral templates (rows of `bins` values) and
/// `H` their activations over time (frames × components). The updates are those of Févotte & Idier,
/// "Algorithms for nonnegative matrix factorization with the β-divergence" (Neural Computation 2011):
///
///     H ← H ⊙ [ ((V ⊙ Λ^{β−2}) Wᵀ) ⊘ (Λ^{β−1} Wᵀ) ]^γ      W ← W ⊙ [ (Hᵀ (V ⊙ Λ^{β−2})) ⊘ (Hᵀ Λ^{β−1}) ]^γ
///
/// with γ = 1/(2 − β) for β < 1 (which makes Itakura–Saito monotone) and γ = 1 for KL (β = 1),
/// whose denominators reduce to row and column sums. Each product is one SGEMM. After each
/// iteration the templates are scaled to unit sum (the scale moves into `H`), which removes the
/// factorisation's scale ambiguity without changing `Λ`. Initialisation is uniform random from `seed`.
public struct NMF: Sendable {
    public enum Divergence: String, Sendable, Hashable, Codable {
        /// Generalised Kullback–Leibler (β = 1): the usual choice for magnitude spectrograms.
        case kullbackLeibler
        /// Itakura–Saito (β = 0): scale-invariant, for power spectrograms.
        case itakuraSaito

        var beta: Float { self == .kullbackLeibler ? 1 : 0 }
    }

    public var components: Int
    public var divergence: Divergence
    public var iterations: Int
    public var seed: UInt64

    public init(components: Int, divergence: Divergence = .kullbackLeibler, iterations: Int = 60, seed: UInt64 = 0x5EED) {
        self.components = components
        self.divergence = divergence
        self.iterations = iterations
        self.seed = seed
    }

    /// A factorisation: `Λ = activations · templates`.
    public struct Factors: Sendable {
        public var frames: Int
        public var bins: Int
        public var components: Int
        /// frames × components, row-major.
        public var activations: [Float]
        /// components × bins, row-major; each row sums to 1 (or is uniform when unused).
        public var templates: [Float]

        /// The part of the model due to `selected` components, frames × bins.
        public func reconstruction(of selected: [Int]) -> [Float] {
            var out = [Float](repeating: 0, count: frames * bins)
            guard !selected.isEmpty else { return out }
            // The selected columns and rows gathered into two dense operands (one allocation each: this runs per
            // source and per region on every separation).
            let k = selected.count
            let h = [Float](unsafeUninitializedCapacity: frames * k) { h, initialized in
                activations.withUnsafeBufferPointer { x in
                    for t in 0..<frames { for (j, c) in selected.enumerated() { h[t * k + j] = x[t * components + c] } }
                }
                initialized = frames * k
            }
            let w = [Float](unsafeUninitializedCapacity: k * bins) { w, initialized in
                templates.withUnsafeBufferPointer { source in
                    for (j, c) in selected.enumerated() {
                        _ = UnsafeMutableBufferPointer(rebasing: w[(j * bins)..<((j + 1) * bins)])
                            .initialize(fromContentsOf: source[(c * bins)..<((c + 1) * bins)])
                    }
                }
                initialized = k * bins
            }
            h.withUnsafeBufferPointer { hp in
                w.withUnsafeBufferPointer { wp in
                    out.withUnsafeMutableBufferPointer { op in
                        BLAS.sgemm(transposeA: false, transposeB: false, m: frames, n: bins, k: selected.count,
                                      a: hp.baseAddress!, lda: selected.count, b: wp.baseAddress!, ldb: bins, c: op.baseAddress!, ldc: bins)
                    }
                }
            }
            return out
        }

        /// The activation curve of one component.
        public func activation(_ k: Int) -> [Float] { (0..<frames).map { activations[$0 * components + k] } }
    }

    /// Factorises `V` (frames × bins, frame-major, non-negative).
    /// - Throws: `DSPError(.shapeMismatch)` when `values` is not `frames × bins`, `.invalidConfiguration` for no components.
    /// - Complexity: O(iterations · frames · bins · components), in four SGEMMs per iteration (six for IS).
    public func factorize(_ values: [Float], frames: Int, bins: Int) throws -> Factors {
        guard values.count == frames * bins, frames > 0, bins > 0 else {
            throw DSPError(.shapeMismatch, "\(values.count) values are not \(frames) frames × \(bins) bins")
        }
        guard components >= 1 else { throw DSPError(.invalidConfiguration, "NMF needs at least one component") }
        let k = components, n = frames * bins
        var peak: Float = 0
        var total: Double = 0
        for v in values { peak = max(peak, v); total += Double(v) }
        // Floors keep every quotient finite: silence factorises to zero activations, not NaN.
        let floor = max(peak * 1e-9, Float.leastNormalMagnitude * 1e6)
        let v = divergence == .itakuraSaito ? values.map { $0 + floor } : values
        var rng = SplitMix64(seed: seed)
        let scale = Float((total / Double(n) / Double(k)).squareRoot())
        var h = (0..<(frames * k)).map { _ in (0.5 + rng.nextUnitFloat()) * scale }
        var w = (0..<(k * bins)).map { _ in (0.5 + rng.nextUnitFloat()) * scale }
        if peak == 0 {
            return Factors(frames: frames, bins: bins, components: k, activations: [Float](repeating: 0, count: frames * k),
                           templates: [Float](repeating: 1 / Float(bins), count: k * bins))
        }
        var model = [Float](repeating: 0, count: n)
        var ratio = [Float](repeating: 0, count: n)
        var inverse = [Float](repeating: 0, count: n)
        var numerator = [Float](repeating: 0, count: max(frames, bins) * k)
        var denominator = [Float](repeating: 0, count: max(frames, bins) * k)
        let isIS = divergence == .itakuraSaito

        let halves = Self.halves(frames), binHalves = Self.halves(bins)
        let parallel = (ComputeContext.current?.threads ?? 1) >= 2

        /// Λ = H W, then ratio = V Λ^{β−2} and (IS) inverse = Λ^{−1}; in two blocks of frames.
        func refresh() {
            h.withUnsafeBufferPointer { hp in
                w.withUnsafeBufferPointer { wp in
                    model.withUnsafeMutableBufferPointer { mp in
                        v.withUnsafeBufferPointer { vp in
                            ratio.withUnsafeMutableBufferPointer { rp in
                                inverse.withUnsafeMutableBufferPointer { ip in
                                    nonisolated(unsafe) let (hp, wp, mp, vp, rp, ip) = (hp, wp, mp, vp, rp, ip)
                                    Self.both(halves, parallel: parallel) { rows in
                                        BLAS.sgemm(transposeA: false, transposeB: false, m: rows.count, n: bins, k: k,
                                                   a: hp.baseAddress! + rows.lowerBound * k, lda: k, b: wp.baseAddress!, ldb: bins,
                                                   c: mp.baseAddress! + rows.lowerBound * bins, ldc: bins)
                                        // Raw pointers: these loops run over every bin of every frame twice per iteration.
                                        let cells = (rows.lowerBound * bins)..<(rows.upperBound * bins)
                                        if isIS {
                                            for i in cells {
                                                let inv = 1 / (mp[i] + floor)
                                                ip[i] = inv
                                                rp[i] = vp[i] * inv * inv
                                            }
                                        } else {
                                            for i in cells { rp[i] = vp[i] / (mp[i] + floor) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        for _ in 0..<iterations {
            // Activations.
            refresh()
            ratio.withUnsafeBufferPointer { rp in
                w.withUnsafeBufferPointer { wp in
                    numerator.withUnsafeMutableBufferPointer { np in
                        nonisolated(unsafe) let (rp, wp, np) = (rp, wp, np)
                        Self.both(halves, parallel: parallel) { rows in
                            BLAS.sgemm(transposeA: false, transposeB: true, m: rows.count, n: k, k: bins,
                                       a: rp.baseAddress! + rows.lowerBound * bins, lda: bins, b: wp.baseAddress!, ldb: bins,
                                       c: np.baseAddress! + rows.lowerBound * k, ldc: k)
                        }
                    }
                }
            }
            if isIS {
                inverse.withUnsafeBufferPointer { ip in
                    w.withUnsafeBufferPointer { wp in
                        denominator.withUnsafeMutableBufferPointer { dp in
                            BLAS.sgemm(transposeA: false, transposeB: true, m: frames, n: k, k: bins,
                                          a: ip.baseAddress!, lda: bins, b: wp.baseAddress!, ldb: bins, c: dp.baseAddress!, ldc: k)
                        }
                    }
                }
                for i in 0..<(frames * k) { h[i] *= (numerator[i] / (denominator[i] + floor)).squareRoot() }
            } else {
                // Templates sum to one after normalisation, so Λ^0 Wᵀ is a row of ones… except on the first pass.
                var inverseSums = [Float](repeating: 0, count: k)
                for c in 0..<k { var s: Float = 0; for f in 0..<bins { s += w[c * bins + f] }; inverseSums[c] = 1 / (s + floor) }
                h.withUnsafeMutableBufferPointer { hp in
                    numerator.withUnsafeBufferPointer { np in
                        for t in 0..<frames { for c in 0..<k { hp[t * k + c] *= np[t * k + c] * inverseSums[c] } }
                    }
                }
            }
            // Templates.
            refresh()
            h.withUnsafeBufferPointer { hp in
                ratio.withUnsafeBufferPointer { rp in
                    numerator.withUnsafeMutableBufferPointer { np in
                        // In two blocks of bins (columns): each sum over the frames is the same either way.
                        nonisolated(unsafe) let (hp, rp, np) = (hp, rp, np)
                        Self.both(binHalves, parallel: parallel) { columns in
                            BLAS.sgemm(transposeA: true, transposeB: false, m: k, n: columns.count, k: frames,
                                       a: hp.baseAddress!, lda: k, b: rp.baseAddress! + columns.lowerBound, ldb: bins,
                                       c: np.baseAddress! + columns.lowerBound, ldc: bins)
                        }
                    }
                }
            }
            if isIS {
                h.withUnsafeBufferPointer { hp in
                    inverse.withUnsafeBufferPointer { ip in
                        denominator.withUnsafeMutableBufferPointer { dp in
                            BLAS.sgemm(transposeA: true, transposeB: false, m: k, n: bins, k: frames,
                                          a: hp.baseAddress!, lda: k, b: ip.baseAddress!, ldb: bins, c: dp.baseAddress!, ldc: bins)
                        }
                    }
                }
                for i in 0..<(k * bins) { w[i] *= (numerator[i] / (denominator[i] + floor)).squareRoot() }
            } else {
                var sums = [Float](repeating: 0, count: k)
                h.withUnsafeBufferPointer { hp in for t in 0..<frames { for c in 0..<k { sums[c] += hp[t * k + c] } } }
                w.withUnsafeMutableBufferPointer { wp in
                    numerator.withUnsafeBufferPointer { np in
                        for c in 0..<k {
                            let scale = 1 / (sums[c] + floor)
                            for f in 0..<bins { wp[c * bins + f] *= np[c * bins + f] * scale }
                        }
                    }
                }
            }
            // Unit-sum templates; the scale moves into the activations.
            var norms = [Float](repeating: 1, count: k)
            w.withUnsafeMutableBufferPointer { wp in
                for c in 0..<k {
                    var s: Float = 0
                    for f in 0..<bins { s += wp[c * bins + f] }
                    guard s > 0 else { continue }
                    norms[c] = s
                    let inverse = 1 / s
                    for f in 0..<bins { wp[c * bins + f] *= inverse }
                }
            }
            h.withUnsafeMutableBufferPointer { hp in
                for t in 0..<frames { for c in 0..<k { hp[t * k + c] *= norms[c] } }
            }
        }
        return Factors(frames: frames, bins: bins, components: k, activations: h, templates: w)
    }

    /// `0..<count` cut in two (the first half the larger), or whole when too short to be worth cutting.
    ///
    /// The products are always cut the same way, whatever the threads, so the factors are the same bits on
    /// one thread or two: each element of a product is the same sum over the same terms in the same order.
    static func halves(_ count: Int) -> [Range<Int>] {
        guard count >= 64 else { return [0..<count] }
        let middle = (count + 1) / 2
        return [0..<middle, middle..<count]
    }

    /// `body` for each block, side by side when `parallel` (the graph has two threads and nothing runs beside
    /// the components model's factorisation), else one after the other.
    static func both(_ blocks: [Range<Int>], parallel: Bool, _ body: (Range<Int>) -> Void) {
        guard parallel, blocks.count == 2 else { for block in blocks { body(block) }; return }
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: 2) { body(blocks[$0]) }
        }
    }

    /// The β-divergence D(V | Λ) summed over all entries (for tests and diagnostics).
    public static func divergence(_ v: [Float], _ model: [Float], _ kind: Divergence) -> Double {
        var d = 0.0
        for i in v.indices {
            let x = Double(v[i]) + 1e-12, y = Double(model[i]) + 1e-12
            switch kind {
            case .kullbackLeibler: d += x * log(x / y) - x + y
            case .itakuraSaito: d += x / y - log(x / y) - 1
            }
        }
        return d
    }
}
