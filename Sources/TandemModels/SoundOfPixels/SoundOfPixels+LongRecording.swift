import Foundation
import TandemNN

extension SoundOfPixels {
    /// Separates a recording of any length by sliding the network's window over it, in bounded memory.
    ///
    /// Windows of `windowSamples` start every `windowSamples − overlap` samples; in each overlap the
    /// earlier window fades out and the later one fades in with complementary sin²/cos² ramps, so the
    /// weights sum to one and a steady source passes unchanged. The last window is zero-padded.
    /// Feed audio with `push` in chunks of any size; it returns the samples that no later window can
    /// change. Working memory is one window of input and one overlap of output per source.
    public final class Stream {
        public let model: SoundOfPixels
        public let sourceCount: Int
        public let overlap: Int
        /// Every source's K weights for a window centred at `seconds`.
        let vectors: (_ centerSeconds: Double) throws -> [[Float]]
        /// Input not yet covered by a processed window, starting at sample `pendingStart`.
        private var pending: [Float] = []
        private var pendingStart = 0
        /// Output of the last window over its overlap with the next, per source.
        private var tail: [[Float]]
        private var windowsDone = 0

        /// - Parameters:
        ///   - overlap: samples shared by consecutive windows (default: half a window).
        ///   - frames: returns [T, 3, S, S] frames of one source for a window centre (seconds from the start).
        public convenience init(model: SoundOfPixels, sources: Int, overlap: Int? = nil,
                                frames: @escaping (_ source: Int, _ centerSeconds: Double) throws -> Tensor) {
            self.init(model: model, sources: sources, overlap: overlap, vectors: { center in
                try (0..<sources).map { model.imageVector(try frames($0, center)) }
            })
        }

        /// - Parameters:
        ///   - vectors: returns every source's K weights for a window centre (seconds from the start),
        ///     e.g. pooled over each source's region of one feature map (`imageVector(fromFeatures:rows:columns:)`).
        public init(model: SoundOfPixels, sources: Int, overlap: Int? = nil,
                    vectors: @escaping (_ centerSeconds: Double) throws -> [[Float]]) {
            let window = model.configuration.windowSamples
            self.model = model
            sourceCount = sources
            self.overlap = min(max(overlap ?? window / 2, 0), window - 1)
            self.vectors = vectors
            tail = Array(repeating: [], count: sources)
        }

        var window: Int { model.configuration.windowSamples }
        var hop: Int { window - overlap }

        /// Adds samples; returns per source the samples that are final (possibly none).
        public func push(_ samples: [Float]) throws -> [[Float]] {
            pending += samples
            var out = Array(repeating: [Float](), count: sourceCount)
            while pending.count >= window {
                let done = try process(Array(pending.prefix(window)), validCount: window, last: false)
                for s in 0..<sourceCount { out[s] += done[s] }
                pending.removeFirst(hop)
                pendingStart += hop
            }
            return out
        }

        /// Processes what is left; returns the final samples of every source.
        public func finish() throws -> [[Float]] {
            // The samples after the last full window (including its faded-out overlap) take one
            // more, zero-padded window, cross-faded in like any other.
            guard !pending.isEmpty else { return Array(repeating: [], count: sourceCount) }
            let valid = pending.count
            let padded = pending + [Float](repeating: 0, count: window - valid)
            pending = []
            return try process(padded, validCount: valid, last: true)
        }

        /// Separates one window, cross-fades it into the previous tail, and returns the finished samples.
        private func process(_ input: [Float], validCount: Int, last: Bool) throws -> [[Float]] {
            let config = model.configuration
            let center = (Double(pendingStart) + Double(window) / 2) / Double(config.sampleRate)
            let separated = try model.separate(window: input, imageVectors: try vectors(center)).sources
            let fadeIn = windowsDone > 0 ? overlap : 0
            var out = Array(repeating: [Float](), count: sourceCount)
            for s in 0..<sourceCount {
                var y = separated[s]
                for i in 0..<fadeIn {
                    let w = Self.rampUp(i, overlap)
                    y[i] = y[i] * w + tail[s][i]
                }
                if last {
                    out[s] = Array(y.prefix(validCount))
                } else {
                    for i in 0..<overlap { y[hop + i] *= 1 - Self.rampUp(i, overlap) }
                    out[s] = Array(y.prefix(hop))
                    tail[s] = Array(y[hop...])
                }
            }
            windowsDone += 1
            return out
        }

        /// sin² ramp from 0 to 1 over `n` samples; `1 − rampUp` is the matching fade-out.
        static func rampUp(_ i: Int, _ n: Int) -> Float {
            let s = sin(Double.pi / 2 * (Double(i) + 0.5) / Double(n))
            return Float(s * s)
        }
    }

    /// Separates a whole recording with `Stream` (the output is as long as `audio`).
    public func separateRecording(_ audio: [Float], sources: Int, overlap: Int? = nil,
                                  frames: @escaping (_ source: Int, _ centerSeconds: Double) throws -> Tensor) throws -> [[Float]] {
        let model = self
        return try separateRecording(audio, sources: sources, overlap: overlap, vectors: { center in
            try (0..<sources).map { model.imageVector(try frames($0, center)) }
        })
    }

    /// Separates a whole recording with `Stream`, given every source's K weights per window centre.
    public func separateRecording(_ audio: [Float], sources: Int, overlap: Int? = nil,
                                  vectors: @escaping (_ centerSeconds: Double) throws -> [[Float]]) throws -> [[Float]] {
        let stream = Stream(model: self, sources: sources, overlap: overlap, vectors: vectors)
        var out = Array(repeating: [Float](), count: sources)
        var start = 0
        let chunk = configuration.windowSamples
        while start < audio.count {
            let part = try stream.push(Array(audio[start..<min(audio.count, start + chunk)]))
            for s in 0..<sources { out[s] += part[s] }
            start += chunk
        }
        let rest = try stream.finish()
        for s in 0..<sources { out[s] += rest[s] }
        return out
    }
}
