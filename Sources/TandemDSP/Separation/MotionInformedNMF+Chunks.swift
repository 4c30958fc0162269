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

    /// Sources of a stretch of the recording that no later chunk changes.
    public struct SeparatedStretch: Sendable {
        /// Position of the stretch's first sample, counted from the recording's first.
        public var firstSample: Int
        /// Per source (in the order of the result's sources), one array per channel, all equally long.
        public var sources: [[[Float]]]
    }

    /// What a streamed separation leaves once every stretch was emitted.
    public struct ChunkedSeparation: Sendable {
        /// The result without signals (every source's `channels` is empty: they were emitted).
        public var result: SeparationResult
        /// The mixture's magnitude on the result's mask STFT (`frames × bins`) when asked for, else empty:
        /// what `SeparationResult.picture(mixtureMagnitude:)` draws on top.
        public var mixtureMagnitude: [Float]
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
    /// belong to one chunk's factorisation). This whole-array form is `separate(length:…emit:)` with
    /// the stretches joined.
    /// - Throws: `DSPError` for empty or ragged audio, or a bad configuration.
    public func separate(_ channels: [[Float]], sampleRate: Int, motion: [MotionTrack], sources: Int? = nil,
                         chunking: Chunking) throws -> SeparationResult {
        guard let length = channels.first?.count, sampleRate > 0, length > 0 else {
            return try separate(channels, sampleRate: sampleRate, motion: motion, sources: sources)
        }
        guard channels.allSatisfy({ $0.count == length }) else {
            throw DSPError(.shapeMismatch, "channels of different lengths: \(channels.map(\.count))")
        }
        var outputs: [[[Float]]] = []
        let streamed = try separate(length: length, channelCount: channels.count, sampleRate: sampleRate,
                                    read: { range in channels.map { Array($0[range]) } },
                                    motion: motion, sources: sources, chunking: chunking) { stretch in
            if outputs.isEmpty { outputs = stretch.sources.map { $0.map { _ in [Float]() } } }
            for s in stretch.sources.indices { for c in stretch.sources[s].indices { outputs[s][c] += stretch.sources[s][c] } }
        }
        var result = streamed.result
        for s in result.sources.indices where s < outputs.count { result.sources[s].channels = outputs[s] }
        return result
    }

    /// Separates a recording read a chunk at a time and hands each stretch of the sources on as soon
    /// as no later chunk can change it, so neither the recording nor a whole-length source is ever held.
    ///
    /// Chunks start every `chunking.seconds` and reach `chunking.overlapSeconds` into the next one (a
    /// short tail joins the chunk before it); recordings up to `seconds + overlapSeconds` are separated
    /// in one piece, exactly as `separate(_:sampleRate:motion:sources:)`, and emitted as one stretch.
    /// Working memory is one chunk of input, its factorisation and one overlap of output per source.
    /// - Parameters:
    ///   - length: samples per channel of the recording.
    ///   - read: the recording's samples in a range (one array per channel); each chunk is read once,
    ///     and once more around each mask frame when `mixtureMagnitude` is asked for.
    ///   - mixtureMagnitude: also build the mixture's magnitude for the picture, a chunk at a time.
    ///   - masksReady: called once with what this returns, as soon as it is final: for a recording in one
    ///     piece before its sources are inverted and emitted (so a picture of the masks is made beside
    ///     that), for a chunked one after the last chunk.
    ///   - emit: receives the stretches in order; together they cover `0..<length` once.
    /// - Returns: the result (masks, confidences, silent flags) with empty signals.
    /// - Throws: `DSPError` for empty audio or a bad configuration; whatever `read`, `masksReady` or `emit` throw.
    public func separate(length: Int, channelCount: Int, sampleRate: Int, read: (Range<Int>) throws -> [[Float]],
                         motion: [MotionTrack], sources: Int? = nil, chunking: Chunking, mixtureMagnitude: Bool = false,
                         masksReady: ((ChunkedSeparation) throws -> Void)? = nil,
                         emit: (SeparatedStretch) throws -> Void) throws -> ChunkedSeparation {
        guard length > 0, channelCount > 0, sampleRate > 0 else {
            throw DSPError(.shapeMismatch, "nothing to separate: \(length) samples × \(channelCount) channels at \(sampleRate) Hz")
        }
        let step = max(1, Int(chunking.seconds * Double(sampleRate)))
        let overlap = max(0, min(step / 2, Int(chunking.overlapSeconds * Double(sampleRate))))
        guard length > step + overlap else {
            let whole = try read(0..<length)
            var magnitude: [Float] = []
            var result = try separate(whole, sampleRate: sampleRate, motion: motion, sources: sources, masksReady: masksReady.map { masksReady in
                { result in
                    if mixtureMagnitude { magnitude = try result.mixtureMagnitude(of: whole) }
                    try masksReady(ChunkedSeparation(result: result, mixtureMagnitude: magnitude))
                }
            })
            if mixtureMagnitude && masksReady == nil { magnitude = try result.mixtureMagnitude(of: whole) }
            try emit(SeparatedStretch(firstSample: 0, sources: result.sources.map(\.channels)))
            for s in result.sources.indices { result.sources[s].channels = [] }
            return ChunkedSeparation(result: result, mixtureMagnitude: magnitude)
        }
        var starts = Array(stride(from: 0, to: length, by: step))
        // A short tail joins the chunk before it rather than being factorised on its own.
        if starts.count > 1, length - starts[starts.count - 1] < step / 2 { starts.removeLast() }

        /// Each source's weighted output of the previous chunk over the overlap with this one.
        var tails: [[[Float]]] = []
        var labels: [String] = []
        var confidenceSums: [Double] = []
        var silentEverywhere: [Bool] = []
        var masks: [[Float]] = []
        var magnitude: [Float] = []
        var notes: [String] = []
        var mode = SeparationResult.Mode.motion
        var geometry: (fftSize: Int, hop: Int, bins: Int, maskHop: Int, maskFrames: Int)?
        for (index, start) in starts.enumerated() {
            let end = index + 1 < starts.count ? min(length, starts[index + 1] + overlap) : length
            let coreEnd = index + 1 < starts.count ? starts[index + 1] : length
            let seconds = Double(start) / Double(sampleRate)
            let shifted = motion.map { MotionTrack(label: $0.label, times: $0.times.map { $0 - seconds }, energy: $0.energy, player: $0.player) }
            let piece = try read(start..<end)
            let result = try separate(piece, sampleRate: sampleRate, motion: shifted, sources: sources)
            if !result.note.isEmpty && !notes.contains(result.note) { notes.append(result.note) }
            mode = result.mode

            var chunkSources = result.sources
            if geometry == nil {
                let totalFrames = 1 + length / result.hop
                let factor = max(1, (totalFrames + chunking.maskFrames - 1) / max(1, chunking.maskFrames))
                let maskHop = result.hop * factor
                geometry = (result.fftSize, result.hop, result.bins, maskHop, 1 + (length - 1) / maskHop)
                labels = chunkSources.map(\.label)
                confidenceSums = chunkSources.map { _ in 0 }
                silentEverywhere = chunkSources.map { _ in true }
                masks = chunkSources.map { _ in [Float](repeating: 0, count: geometry!.maskFrames * result.bins) }
                if mixtureMagnitude { magnitude = [Float](repeating: 0, count: geometry!.maskFrames * result.bins) }
            } else if mode == .audioOnly {
                chunkSources = Self.matching(chunkSources, toTails: tails, overlap: overlap)
            } else {
                chunkSources = labels.map { label in chunkSources.first { $0.label == label }! }
            }
            guard let g = geometry, chunkSources.count == labels.count else {
                throw DSPError(.invalidConfiguration, "chunk at \(seconds) s gave \(chunkSources.count) sources, the first gave \(labels.count)")
            }

            // Cross-fade: this chunk rises over the overlap at its start and the previous one falls;
            // the core (up to the next chunk's start) is final once the previous tail is added.
            var stretch: [[[Float]]] = []
            var nextTails: [[[Float]]] = []
            for (s, source) in chunkSources.enumerated() {
                var finalChannels: [[Float]] = []
                var tailChannels: [[Float]] = []
                for (c, signal) in source.channels.enumerated() {
                    var core = [Float](repeating: 0, count: coreEnd - start)
                    var tail = [Float](repeating: 0, count: end - coreEnd)
                    if index > 0 { for i in 0..<min(tails[s][c].count, core.count) { core[i] = tails[s][c][i] } }
                    for i in 0..<min(signal.count, end - start) {
                        let t = start + i
                        var weight: Float = 1
                        if index > 0 && i < overlap { weight = (Float(i) + 0.5) / Float(overlap) }
                        if index + 1 < starts.count && t >= starts[index + 1] { weight = 1 - (Float(t - starts[index + 1]) + 0.5) / Float(overlap) }
                        if t < coreEnd { core[i] += weight * signal[i] } else { tail[t - coreEnd] += weight * signal[i] }
                    }
                    finalChannels.append(core)
                    tailChannels.append(tail)
                }
                stretch.append(finalChannels)
                nextTails.append(tailChannels)
                confidenceSums[s] += Double(source.confidence) * Double(end - start)
                if !source.silent { silentEverywhere[s] = false }
                // Masks sampled at the coarse hop, each frame taken from the chunk whose core holds it.
                for frame in Self.maskFrames(in: start..<coreEnd, hop: g.maskHop, count: g.maskFrames) {
                    let local = min(result.frames - 1, Int((Double(frame * g.maskHop - start) / Double(g.hop)).rounded()))
                    guard source.mask.count >= (local + 1) * g.bins else { continue }
                    for b in 0..<g.bins { masks[s][frame * g.bins + b] = source.mask[local * g.bins + b] }
                }
            }
            tails = nextTails
            if mixtureMagnitude {
                try Self.addMixtureMagnitude(into: &magnitude, frames: Self.maskFrames(in: start..<coreEnd, hop: g.maskHop, count: g.maskFrames),
                                             hop: g.maskHop, fftSize: g.fftSize, bins: g.bins, length: length, read: read)
            }
            try emit(SeparatedStretch(firstSample: start, sources: stretch))
        }
        guard let g = geometry else { throw DSPError(.shapeMismatch, "no chunk was separated") }
        let chunkedSources = labels.indices.map { s in
            SeparationResult.Source(label: labels[s], channels: [], confidence: Float(confidenceSums[s] / Double(length + overlap * (starts.count - 1))),
                                    components: [], mask: masks[s], silent: silentEverywhere[s])
        }
        let result = SeparationResult(mode: mode, note: notes.joined(separator: "; "), sources: chunkedSources, sampleRate: sampleRate,
                                      fftSize: g.fftSize, hop: g.maskHop, frames: g.maskFrames, bins: g.bins)
        let separation = ChunkedSeparation(result: result, mixtureMagnitude: magnitude)
        try masksReady?(separation)
        return separation
    }

    /// The mask frames (at `hop`, `count` of them) whose sample falls in `core`.
    static func maskFrames(in core: Range<Int>, hop: Int, count: Int) -> Range<Int> {
        let first = (core.lowerBound + hop - 1) / hop
        let last = min(count, (core.upperBound + hop - 1) / hop)
        return first..<max(first, last)
    }

    /// The mixture magnitude of `frames` (centred STFT frames at `hop`, reflect-padded at the
    /// recording's ends, as `SeparationResult.mixtureMagnitude(of:)` computes them over the whole
    /// recording), each from the samples around it read back.
    static func addMixtureMagnitude(into magnitude: inout [Float], frames: Range<Int>, hop: Int, fftSize: Int, bins: Int, length: Int,
                                    read: (Range<Int>) throws -> [[Float]]) throws {
        guard !frames.isEmpty else { return }
        let pad = fftSize / 2
        let low = frames.lowerBound * hop - pad, high = (frames.upperBound - 1) * hop + fftSize - pad
        let available = max(0, low)..<min(length, high)
        let channels = try read(available)
        var mean = [Float](repeating: 0, count: available.count)
        for channel in channels { for i in mean.indices { mean[i] += channel[i] / Float(channels.count) } }
        // The frames' samples, mirrored at the recording's ends like numpy's reflect padding.
        let padded = (low..<high).map { j -> Float in
            var k = j
            if length > 1 {
                let period = 2 * (length - 1)
                k = ((k % period) + period) % period
                if k >= length { k = period - k }
            } else { k = 0 }
            return available.contains(k) ? mean[k - available.lowerBound] : 0
        }
        let stft = try STFT(STFTConfiguration(fftSize: fftSize, hop: hop, center: false, output: .complex, planning: .estimate))
        let complex = stft(padded)
        for (n, frame) in frames.enumerated() {
            for b in 0..<bins {
                let i = n * bins + b
                guard 2 * i + 1 < complex.count else { return }
                magnitude[frame * bins + b] = (complex[2 * i] * complex[2 * i] + complex[2 * i + 1] * complex[2 * i + 1]).squareRoot()
            }
        }
    }

    /// `sources` reordered so that source `k` continues the previous chunk's source `k`, whose faded-out
    /// output over the overlap is `tails[k]`: greedy pairing by the correlation of their first channels
    /// over the overlap (where both chunks were separated).
    static func matching(_ sources: [SeparationResult.Source], toTails tails: [[[Float]]], overlap: Int) -> [SeparationResult.Source] {
        guard sources.count == tails.count, sources.count > 1, overlap > 0 else { return sources }
        func correlation(_ source: SeparationResult.Source, _ previous: [[Float]]) -> Double {
            var ab = 0.0, aa = 0.0, bb = 0.0
            for i in 0..<min(overlap, source.channels[0].count, previous[0].count) {
                let a = Double(source.channels[0][i]), b = Double(previous[0][i])
                ab += a * b; aa += a * a; bb += b * b
            }
            return aa > 0 && bb > 0 ? ab / (aa * bb).squareRoot() : 0
        }
        var pairs: [(source: Int, slot: Int, r: Double)] = []
        for s in sources.indices { for k in tails.indices { pairs.append((s, k, correlation(sources[s], tails[k]))) } }
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
