import Foundation

extension MotionInformedNMF {
    /// Each component's spectral template, log-compressed and normalised to unit length: its timbre and
    /// register, whatever its loudness (dot products are cosines).
    static func timbreFeatures(_ factors: NMF.Factors) -> [[Float]] {
        let bins = factors.bins
        return (0..<factors.components).map { c in
            let row = factors.templates[(c * bins)..<((c + 1) * bins)]
            var f = row.map { Foundation.log1p(1000 * $0) }
            let norm = max(f.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
            for i in f.indices { f[i] /= norm }
            return f
        }
    }

    /// What the joint grouping compares components' timbre by: the unit-length concatenation of
    /// `√(1 − w)` times the template's features (`timbreFeatures`) and `√w` times its spectral envelope's
    /// (`envelopeFeatures`), so the cosine of two components is `(1 − w)` times the one plus `w` times the other.
    static func groupingFeatures(_ factors: NMF.Factors, envelopeWeight w: Float) -> [[Float]] {
        let templates = timbreFeatures(factors)
        guard w > 0 else { return templates }
        let envelopes = envelopeFeatures(factors)
        let a = (1 - min(1, w)).squareRoot(), b = min(1, w).squareRoot()
        return templates.indices.map { c in templates[c].map { a * $0 } + envelopes[c].map { b * $0 } }
    }

    /// Each component's spectral envelope: its template averaged in 24 smooth log-frequency bands
    /// (`HarmonicNMF.smoothBands`), log-compressed against its loudest band, unit length. Two notes of one
    /// instrument at different pitches share little of their templates' partials but much of their envelope.
    static func envelopeFeatures(_ factors: NMF.Factors) -> [[Float]] {
        let bins = factors.bins, count = 24
        let bands = HarmonicNMF.smoothBands(bins: bins, count: count)
        return (0..<factors.components).map { c in
            var e = [Float](repeating: 0, count: count)
            for f in 0..<bins {
                let v = factors.templates[c * bins + f]
                guard v > 0 else { continue }
                for b in 0..<count { e[b] += bands[f * count + b] * v }
            }
            let peak = max(e.max() ?? 0, 1e-20)
            var out = e.map { Foundation.log1p(100 * $0 / peak) }
            let norm = max(out.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
            for i in out.indices { out[i] /= norm }
            return out
        }
    }

    /// Groups components into `count` sources by the shape of their spectral templates (the audio-only fallback).
    ///
    /// Templates are log-compressed and normalised to unit length, so k-means groups by cosine
    /// similarity — by timbre and register rather than loudness. Seeding is deterministic (the
    /// most energetic component, then farthest-first). Confidence is the mean cosine of a group's
    /// templates to its centroid.
    static func groupBySpectralShape(_ factors: NMF.Factors, into count: Int) -> ([[Int]], [Float]) {
        let k = factors.components, bins = factors.bins
        guard count > 1 else { return ([Array(0..<k)], [1]) }
        guard k > count else { return ((0..<count).map { $0 < k ? [$0] : [] }, [Float](repeating: 1, count: count)) }
        let features = timbreFeatures(factors)
        func cosine(_ a: [Float], _ b: [Float]) -> Float {
            var s: Float = 0, nb: Float = 0
            for i in a.indices { s += a[i] * b[i]; nb += b[i] * b[i] }
            return s / max(nb.squareRoot(), 1e-12)
        }
        let energy = (0..<k).map { factors.activation($0).reduce(0, +) }
        var centroids = [features[energy.indices.max { energy[$0] < energy[$1] }!]]
        while centroids.count < count {
            let next = features.indices.max { a, b in
                centroids.map { cosine(features[a], $0) }.max()! > centroids.map { cosine(features[b], $0) }.max()!
            }!
            centroids.append(features[next])
        }
        var owner = [Int](repeating: 0, count: k)
        for _ in 0..<30 {
            var changed = false
            for c in 0..<k {
                let best = centroids.indices.max { cosine(features[c], centroids[$0]) < cosine(features[c], centroids[$1]) }!
                if owner[c] != best { owner[c] = best; changed = true }
            }
            for j in 0..<count {
                let members = (0..<k).filter { owner[$0] == j }
                guard !members.isEmpty else { continue }
                var mean = [Float](repeating: 0, count: bins)
                for c in members { for i in 0..<bins { mean[i] += features[c][i] } }
                centroids[j] = mean
            }
            if !changed { break }
        }
        // An empty group takes the member of the largest group least like its centroid.
        for j in 0..<count where !owner.contains(j) {
            let largest = (0..<count).max { a, b in owner.filter { $0 == a }.count < owner.filter { $0 == b }.count }!
            if let c = (0..<k).filter({ owner[$0] == largest }).min(by: { cosine(features[$0], centroids[largest]) < cosine(features[$1], centroids[largest]) }) {
                owner[c] = j
            }
        }
        let groups = (0..<count).map { j in (0..<k).filter { owner[$0] == j } }
        let confidence = groups.enumerated().map { j, members -> Float in
            guard !members.isEmpty else { return 0 }
            return members.reduce(Float(0)) { $0 + cosine(features[$1], centroids[j]) } / Float(members.count)
        }
        return (groups, confidence)
    }
}
