/// faster-whisper 1.2.1's `get_speech_timestamps`, run as the probabilities arrive: each span is
/// handed out as soon as nothing still to come can change it.
///
/// The rules (see `SpeechTimestamps`) look ahead twice: a span ends only after `minSilenceDurationMs`
/// of silence, and its end padding depends on where the next span starts (two spans closer than two
/// pads meet in the middle of the gap). So a closed span is held until the next one closes, or until
/// no span is open and the audio has run two pads past its end (any later span then starts far enough
/// away for the plain padding). Holding at most one span and a few counters, the tracker keeps nothing
/// that grows with the input. Fed everything at once through `finish`, it is the batch function.
public struct SpeechTimestampTracker: Sendable {
    public let options: VADOptions
    public let sampleRate: Int
    private let window = SileroVAD.chunkSize
    private let minSpeechSamples, speechPadSamples, maxSpeechSamples, minSilenceSamples: Double
    private let minSilenceSamplesAtMaxSpeech: Double

    private var chunkIndex = 0
    private var triggered = false
    private var currentStart: Int?
    private var tempEnd = 0, prevEnd = 0, nextStart = 0
    /// A closed span whose start is final (padded) and whose end waits for the next span.
    private var held: (start: Int, end: Int)?

    public init(options: VADOptions = VADOptions(), sampleRate: Int = SileroVAD.sampleRate) {
        self.options = options
        self.sampleRate = sampleRate
        let rate = Double(sampleRate)
        // faster-whisper keeps these as floats and compares integers with them: so do we.
        minSpeechSamples = rate * Double(options.minSpeechDurationMs) / 1000
        speechPadSamples = rate * Double(options.speechPadMs) / 1000
        maxSpeechSamples = rate * options.maxSpeechDurationSeconds - Double(SileroVAD.chunkSize) - 2 * speechPadSamples
        minSilenceSamples = rate * Double(options.minSilenceDurationMs) / 1000
        minSilenceSamplesAtMaxSpeech = rate * 98 / 1000
    }

    /// The first sample a span not yet handed out can start at: probabilities of earlier chunks are no
    /// longer needed (the `vad` node keeps only the later ones, to score the spans).
    public var earliestPendingSample: Int {
        if let held { return held.start }
        let pad = Int(speechPadSamples.rounded(.up))
        if let currentStart { return max(0, currentStart - pad) }
        return max(0, chunkIndex * window - pad)
    }

    /// Takes the probabilities of chunks that lie wholly inside the audio and returns the spans that
    /// became final, in order.
    public mutating func append(_ probabilities: [Float]) -> [Range<Int>] {
        var final: [Range<Int>] = []
        for probability in probabilities {
            step(probability, limit: nil, into: &final)
            // Nothing open and the audio two pads past the held end: a later span starts at or after
            // this chunk, far enough for the plain padding (which cannot pass the audio seen so far).
            if let span = held, currentStart == nil, Double(chunkIndex * window) >= Double(span.end) + 2 * speechPadSamples {
                final.append(span.start..<Int(Double(span.end) + speechPadSamples))
                held = nil
            }
        }
        return final
    }

    /// Takes the last probabilities (the final chunk may be zero-padded past the audio) and the audio's
    /// length, and returns the remaining spans. The tracker then starts over.
    public mutating func finish(_ probabilities: [Float] = [], sampleCount: Int) -> [Range<Int>] {
        var final: [Range<Int>] = []
        for probability in probabilities { step(probability, limit: sampleCount, into: &final) }
        if let start = currentStart, Double(sampleCount - start) > minSpeechSamples {
            close(start, sampleCount, limit: sampleCount, into: &final)
        }
        if let span = held {
            final.append(span.start..<max(span.start, Int(min(Double(sampleCount), Double(span.end) + speechPadSamples))))
        }
        self = SpeechTimestampTracker(options: options, sampleRate: sampleRate)
        return final
    }

    /// One chunk of `get_speech_timestamps`' loop.
    private mutating func step(_ probability: Float, limit: Int?, into final: inout [Range<Int>]) {
        let position = window * chunkIndex
        chunkIndex += 1
        if probability >= options.threshold && tempEnd != 0 {
            tempEnd = 0
            if nextStart < prevEnd { nextStart = position }
        }
        if probability >= options.threshold && !triggered {
            triggered = true
            currentStart = position
            return
        }
        if triggered, let start = currentStart, Double(position - start) > maxSpeechSamples {
            if prevEnd != 0 {
                // Cut at the last silence of more than 98 ms (no minimum-length check here, as there).
                close(start, prevEnd, limit: limit, into: &final)
                currentStart = nil
                // Already in silence and still not speech: stop; otherwise the next span starts where speech resumed.
                if nextStart < prevEnd { triggered = false } else { currentStart = nextStart }
                prevEnd = 0; nextStart = 0; tempEnd = 0
            } else {
                close(start, position, limit: limit, into: &final)
                currentStart = nil
                prevEnd = 0; nextStart = 0; tempEnd = 0
                triggered = false
                return
            }
        }
        if probability < options.effectiveNegativeThreshold && triggered {
            if tempEnd == 0 { tempEnd = position }
            // Remember a silence long enough to cut at if the span grows too long.
            if Double(position - tempEnd) > minSilenceSamplesAtMaxSpeech { prevEnd = tempEnd }
            if Double(position - tempEnd) < minSilenceSamples { return }
            if let start = currentStart, Double(tempEnd - start) > minSpeechSamples {
                close(start, tempEnd, limit: limit, into: &final)
            }
            currentStart = nil
            prevEnd = 0; nextStart = 0; tempEnd = 0
            triggered = false
        }
    }

    /// A span is closed: pad it against the held one (which is then final) and hold it.
    /// - Parameter limit: the audio's length when known (only `finish` knows it; before, the padding
    ///   provably stays inside the audio seen).
    private mutating func close(_ start: Int, _ end: Int, limit: Int?, into final: inout [Range<Int>]) {
        var start = start
        if var previous = held {
            let silence = start - previous.end
            if Double(silence) < 2 * speechPadSamples {
                // Python's `//` floors.
                let half = Int((Double(silence) / 2).rounded(.down))
                previous.end += half
                start = max(0, start - half)
            } else {
                let padded = Double(previous.end) + speechPadSamples
                previous.end = Int(limit.map { min(Double($0), padded) } ?? padded)
                start = Int(max(0, Double(start) - speechPadSamples))
            }
            final.append(previous.start..<max(previous.start, previous.end))
        } else {
            // The first span, or one after a span handed out early (its gap was at least two pads): the plain padding.
            start = Int(max(0, Double(start) - speechPadSamples))
        }
        held = (start, end)
    }
}
