import Foundation

/// AudioLDM over clips of any length: longer than `segmentSeconds`, text-to-audio and variation run in
/// segments (each with its own noise) joined by equal-power cross-fades of `overlapSeconds`, because the
/// UNet's attention cost grows with the square of the latent length and the published models were
/// trained on 10 s clips; inpainting runs on the range plus `contextSeconds` of the clip either side.
public struct LongAudioGenerator: Sendable {
    public let model: AudioLDM
    public var segmentSeconds: Double
    public var contextSeconds: Double
    public var overlapSeconds = 1.0

    public init(model: AudioLDM, segmentSeconds: Double = 10, contextSeconds: Double = 5) {
        self.model = model
        self.segmentSeconds = segmentSeconds
        self.contextSeconds = contextSeconds
    }

    /// Sample ranges of `count` samples covering the clip, each at most a segment long, consecutive ones
    /// overlapping by the cross-fade; a short last piece is merged by starting it earlier.
    func segments(count: Int) -> [Range<Int>] {
        let rate = Double(model.sampleRate)
        let length = Int(segmentSeconds * rate), overlap = Int(min(overlapSeconds, segmentSeconds / 4) * rate)
        guard count > length else { return [0..<count] }
        var ranges: [Range<Int>] = []
        var start = 0
        while true {
            if start + length >= count {
                ranges.append(max(0, count - length)..<count)
                return ranges
            }
            ranges.append(start..<start + length)
            start += length - overlap
        }
    }

    /// Joins consecutive pieces, cross-fading each overlap with equal-power ramps.
    static func join(_ pieces: [(range: Range<Int>, samples: [Float])], count: Int) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        var covered = 0
        for piece in pieces {
            let overlap = max(0, covered - piece.range.lowerBound)
            for (offset, value) in piece.samples.prefix(piece.range.count).enumerated() {
                let i = piece.range.lowerBound + offset
                if offset < overlap {
                    let angle = Double(offset + 1) / Double(overlap + 1) * .pi / 2
                    out[i] = Float(cos(angle)) * out[i] + Float(sin(angle)) * value
                } else {
                    out[i] = value
                }
            }
            covered = piece.range.upperBound
        }
        return out
    }

    /// Text to audio of any duration.
    public func generate(_ settings: AudioGenerationSettings, seconds: Double, candidate: Int = 0,
                         progress: (Int, Int) -> Void = { _, _ in }) throws -> [Float] {
        let count = Int(seconds * Double(model.sampleRate))
        let ranges = segments(count: max(count, 1))
        var pieces: [(range: Range<Int>, samples: [Float])] = []
        for (index, range) in ranges.enumerated() {
            let clip = try model.generate(settings, seconds: Double(range.count) / Double(model.sampleRate), candidate: candidate,
                                          segment: index) { step, steps in progress(index * steps + step, ranges.count * steps) }
            pieces.append((range, clip.samples))
        }
        return Self.join(pieces, count: count)
    }

    /// A variation of a clip of any length.
    public func variation(of samples: [Float], _ settings: AudioGenerationSettings, strength: Double, candidate: Int = 0,
                          progress: (Int, Int) -> Void = { _, _ in }) throws -> [Float] {
        let ranges = segments(count: samples.count)
        var pieces: [(range: Range<Int>, samples: [Float])] = []
        for (index, range) in ranges.enumerated() {
            let clip = try model.variation(of: Array(samples[range]), settings, strength: strength, candidate: candidate,
                                           segment: index) { step, steps in progress(index * steps + step, ranges.count * steps) }
            pieces.append((range, clip.samples))
        }
        return Self.join(pieces, count: samples.count)
    }

    /// Inpaints `range` (seconds) of a clip of any length, working on the range and its context only.
    public func inpaint(_ samples: [Float], range: Range<Double>, _ settings: AudioGenerationSettings, candidate: Int = 0,
                        progress: (Int, Int) -> Void = { _, _ in }) throws -> [Float] {
        let rate = Double(model.sampleRate)
        let duration = Double(samples.count) / rate
        guard range.lowerBound < duration else {
            throw AudioLDMError(.invalidRequest, "the range starts at \(range.lowerBound) s, after the clip's end (\(String(format: "%.3f", duration)) s)")
        }
        let windowStart = Int(max(0, range.lowerBound - contextSeconds) * rate)
        let windowEnd = min(samples.count, Int(((range.upperBound + contextSeconds) * rate).rounded(.up)))
        let offset = Double(windowStart) / rate
        let local = (range.lowerBound - offset)..<(min(range.upperBound, duration) - offset)
        let clip = try model.inpaint(Array(samples[windowStart..<windowEnd]), range: local, settings, candidate: candidate, progress: progress)
        var out = samples
        out.replaceSubrange(windowStart..<windowEnd, with: clip.samples)
        return out
    }
}
