import Foundation

extension MotionInformedNMF {
    /// How a long recording is cut so that memory stays bounded: the spectrogram, the NMF factors and
    /// the masks of one chunk live at a time, instead of those of the whole recording (about 170 MB per
    /// minute at 22.05 kHz).
    public struct Chunking: Sendable, Hashable, Codable {
        /// Chunk length; recordings up to `seconds + overlapSeconds` are separated in one piece.
        public var seconds: Double = 60
        /// Length of the linear cross-fade between neighbouring chunks.
        public var overlapSeconds: Double = 2
        /// Most STFT frames kept for the result's masks (`SeparationResult.picture`): a long recording's
        /// masks are sampled on a coarser hop so the picture costs the same for an hour as for a minute.
        public var maskFrames: Int = 4096

        public init(seconds: Double = 60, overlapSeconds: Double = 2, maskFrames: Int = 4096) {
            self.seconds = seconds
            self.overlapSeconds = overlapSeconds
            self.maskFrames = maskFrames
        }
    }

    /// `separate(_:sampleRate:motion:sources:)` over a recording of any length, chunk by chunk.
    ///
    /// Every chunk is factorised and attributed on its own, with the same motion tracks shifted to its
    /// start, so a motion source keeps its region's label throughout. Audio-only sources carry no label
    /// that survives a chunk boundary; there each chunk's sources are reordered to match the previous
    /// chunk's on the cross-faded overlap (the pairing whose signals correlate best). Neighbouring
    /// chunks are cross-faded linearly, so the sources still sum to the mixture (up to the STFT
    /// round trip).
    ///
    /// A chunked result's confidences are the chunks' confidences weighted by chunk length, its masks
    /// are sampled at most `chunking.maskFrames` times, and `components` is empty (component indices
    /// belong to one chunk's factorisation).
    /// - Throws: `DSPError` for empty or ragged audio, or a bad configuration.
    public func separate(_ channels: [[Float]], sampleRate: Int, motion: [MotionTrack], sources: Int? = nil,
                         chunking: Chunking) throws -> SeparationResult {
        guard let length = channels.first?.count, sampleRate > 0 else {
            return try separate(channels, sampleRate: sampleRate, motion: motion, sources: sources)
        }
        let step = max(1, Int(chunking.seconds * Double(sampleRate)))
        let overlap = max(0, min(step / 2, Int(chunking.overlapSeconds * Double(sampleRate))))
        guard length > step + overlap else {
            return try separate(channels, sampleRate: sampleRate, motion: motion, sources: sources)
        }
        var starts = Array(stride(from: 0, to: length, by: step))
        // A short tail joins the chunk before it rather than being factorised on its own.
        if starts.count > 1, length - starts[starts.count - 1] < step / 2 { starts.removeLast() }

        var outputs: [[[Float]]] = []
        var labels: [String] = []
        var confidenceSums: [Double] = []
        var silentEverywhere: [Bool] = []
        var masks: [[Float]] = []
        var notes: [String] = []
        var mode = SeparationResult.Mode.motion
        var geometry: (fftSize: Int, hop: Int, bins: Int, maskHop: Int, maskFrames: Int)?
        for (index, start) in starts.enumerated() {
            let end = index + 1 < starts.count ? min(length, starts[index + 1] + overlap) : length
            let seconds = Double(start) / Double(sampleRate)
            let shifted = motion.map { MotionTrack(label: $0.label, times: $0.times.map { $0 - seconds }, energy: $0.energy) }
            let piece = channels.map { Array($0[start..<end]) }
            let result = try separate(piece, sampleRate: sampleRate, motion: shifted, sources: sources)
            if !result.note.isEmpty && !notes.contains(result.note) { notes.append(result.note) }
            mode = result.mode

            var chunkSources = result.sources
            if geometry == nil {
                let totalFrames = 1 + length / result.hop
                let factor = max(1, (totalFrames + chunking.maskFrames - 1) / max(1, chunking.maskFrames))
                let maskHop = result.hop * factor
                geometry = (result.fftSize, result.hop, result.bins, maskHop, 1 + (length - 1) / maskHop)
                outputs = chunkSources.map { _ in channels.map { _ in [Float](repeating: 0, count: length) } }
                labels = chunkSources.map(\.label)
                confidenceSums = chunkSources.map { _ in 0 }
                silentEverywhere = chunkSources.map { _ in true }
                masks = chunkSources.map { _ in [Float](repeating: 0, count: geometry!.maskFrames * result.bins) }
            } else if mode == .audioOnly {
                chunkSources = Self.matching(chunkSources, to: outputs, overlapStart: start, overlap: overlap)
            } else {
                chunkSources = labels.map { label in chunkSources.first { $0.label == label }! }
            }
            guard let g = geometry, chunkSources.count == outputs.count else {
                throw DSPError(.invalidConfiguration, "chunk at \(seconds) s gave \(chunkSources.count) sources, the first gave \(outputs.count)")
            }

            // Cross-fade: this chunk rises over the overlap at its start and the previous one falls.
            for (s, source) in chunkSources.enumerated() {
                for (c, signal) in source.channels.enumerated() {
                    outputs[s][c].withUnsafeMutableBufferPointer { out in
                        for i in 0..<min(signal.count, end - start) {
                            let t = start + i
                            var weight: Float = 1
                            if index > 0 && i < overlap { weight = (Float(i) + 0.5) / Float(overlap) }
                            if index + 1 < starts.count && t >= starts[index + 1] { weight = 1 - (Float(t - starts[index + 1]) + 0.5) / Float(overlap) }
                            out[t] += weight * signal[i]
                        }
                    }
                }
                confidenceSums[s] += Double(source.confidence) * Double(end - start)
                if !source.silent { silentEverywhere[s] = false }
                // Masks sampled at the coarse hop, each frame taken from the chunk whose core holds it.
                let coreEnd = index + 1 < starts.count ? starts[index + 1] : length
                for frame in 0..<g.maskFrames {
                    let sample = frame * g.maskHop
                    guard sample >= start && sample < coreEnd else { continue }
                    let local = min(result.frames - 1, Int((Double(sample - start) / Double(g.hop)).rounded()))
                    guard source.mask.count >= (local + 1) * g.bins else { continue }
                    for b in 0..<g.bins { masks[s][frame * g.bins + b] = source.mask[local * g.bins + b] }
                }
            }
        }
        guard let g = geometry else { throw DSPError(.shapeMismatch, "no chunk was separated") }
        let chunkedSources = outputs.indices.map { s in
            SeparationResult.Source(label: labels[s], channels: outputs[s], confidence: Float(confidenceSums[s] / Double(length + overlap * (starts.count - 1))),
                                    components: [], mask: masks[s], silent: silentEverywhere[s])
        }
        return SeparationResult(mode: mode, note: notes.joined(separator: "; "), sources: chunkedSources, sampleRate: sampleRate,
                                fftSize: g.fftSize, hop: g.maskHop, frames: g.maskFrames, bins: g.bins)
    }

    /// `sources` reordered so that source `k` continues `outputs[k]`: greedy pairing by the correlation of
    /// their first channels over the overlap (where both chunks were separated).
    static func matching(_ sources: [SeparationResult.Source], to outputs: [[[Float]]], overlapStart: Int, overlap: Int) -> [SeparationResult.Source] {
        guard sources.count == outputs.count, sources.count > 1, overlap > 0 else { return sources }
        func correlation(_ source: SeparationResult.Source, _ previous: [[Float]]) -> Double {
            var ab = 0.0, aa = 0.0, bb = 0.0
            for i in 0..<min(overlap, source.channels[0].count) {
                let a = Double(source.channels[0][i]), b = Double(previous[0][overlapStart + i])
                ab += a * b; aa += a * a; bb += b * b
            }
            return aa > 0 && bb > 0 ? ab / (aa * bb).squareRoot() : 0
        }
        var pairs: [(source: Int, slot: Int, r: Double)] = []
        for s in sources.indices { for k in outputs.indices { pairs.append((s, k, correlation(sources[s], outputs[k]))) } }
        pairs.sort { $0.r > $1.r }
        var slotOf = [Int?](repeating: nil, count: sources.count)
        var taken = Set<Int>()
        for pair in pairs where slotOf[pair.source] == nil && !taken.contains(pair.slot) {
            slotOf[pair.source] = pair.slot
            taken.insert(pair.slot)
        }
        var ordered = sources
        for (s, slot) in slotOf.enumerated() { if let slot { ordered[slot] = sources[s] } }
        return ordered
    }
}
