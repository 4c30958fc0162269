import TandemCore
import TandemDSP
import TandemModels

extension WhisperNode {
    /// The `whisper` node's `segments` path: regions decoded one at a time as their audio arrives, each
    /// through its own `WhisperRecognizer.Stream`, the prompt and language carried between them
    /// (`WhisperRecognizer.RegionSession`), and the audio released behind them.
    ///
    /// It gives what `WhisperRecognizer.transcribe(_:within:options:)` gives on the whole recording when
    /// regions arrive in time order and each is at most 30 s plus the look-ahead long (beyond, each region's
    /// windows are floored below the loudest frame read so far, as the node's unsegmented stream does).
    /// Held: the audio not yet pushed into a region's stream and not known to lie outside every region
    /// (the producer's lag), the first region's first 30 s until the language is detected, and the stream's
    /// log-mel frames.
    ///
    /// Where two regions only touch (av-fusion's windows, cut in pauses), they are one stream and, with
    /// `cutAtTouching`, the boundary is a cut the stream's windows stop their text at
    /// (`WhisperRecognizer.Stream.cut(atSample:)`), as `transcribe(_:within:cutAtTouching:)` does.
    ///
    /// An empty region (start = end) decodes nothing and says that no later region starts before it, so the audio
    /// before it is released: av-fusion sends one where it leaves a voiceless stretch out, so an hour without a
    /// voice is not held waiting for a region.
    struct RegionDecoder {
        var session: WhisperRecognizer.RegionSession
        let lookaheadSeconds: Double
        let cutAtTouching: Bool
        /// Samples where touching regions met, not yet handed to a stream (sorted).
        private var cuts: [Int] = []
        /// Regions (seconds on the file's clock) that came before the first audio told where the stream starts.
        private var early: [Segment] = []
        /// Regions not yet finished, merged and sorted, as samples from the first one received.
        private var ranges: [Range<Int>] = []
        /// Whether any region has arrived (before that, no audio can be released).
        private var anyRegion = false
        /// No later region starts before this sample (the latest empty region's).
        private var noRegionBefore = 0
        /// Where the last finished region ended: audio before it is never needed again.
        private var finishedUpTo = 0
        /// The audio held, from sample `bufferStart`.
        private var buffer: [Float] = []
        private var bufferStart = 0
        private var received = 0
        /// The current region's stream and how far it has been fed.
        private var active: WhisperRecognizer.Stream?
        private var pushed = 0
        var audioEnded = false
        var regionsEnded = false

        init(session: WhisperRecognizer.RegionSession, lookaheadSeconds: Double, cutAtTouching: Bool = true) {
            self.session = session
            self.lookaheadSeconds = lookaheadSeconds
            self.cutAtTouching = cutAtTouching
        }

        /// The first sample still needed (`buffer` may keep a released prefix until it is worth moving).
        private var liveStart = 0

        /// Samples still needed now (the buffer holds at most twice these, or 64 Ki more).
        var heldSamples: Int { received - liveStart }

        mutating func add(samples: [Float], origin: Int64) {
            if !early.isEmpty { add([], origin: origin) }
            if buffer.isEmpty { bufferStart = received; liveStart = received }
            buffer += samples
            received += samples.count
        }

        /// Takes regions; `origin` is the first audio sample's index on the file's clock (nil: no audio yet).
        mutating func add(_ regions: [Segment], origin: Int64?) {
            early += regions
            guard let origin, !early.isEmpty else { return }
            let seconds = Double(origin) / Double(WhisperLogMel.sampleRate)
            let shifted = early.map { Segment(start: $0.start - seconds, end: $0.end - seconds, label: $0.label, score: $0.score) }
            early = []
            for marker in shifted where marker.end <= marker.start {
                anyRegion = true
                noRegionBefore = max(noRegionBefore, Int((marker.start * Double(WhisperLogMel.sampleRate)).rounded()))
            }
            for var range in WhisperRecognizer.sampleRanges(shifted, sampleCount: nil) {
                anyRegion = true
                // A region reaching back into one already decoded (a producer out of time order) starts where that one ended.
                let floor = max(finishedUpTo, active != nil ? pushed : 0)
                if range.lowerBound < floor {
                    guard range.upperBound > floor else { continue }
                    range = floor..<range.upperBound
                }
                if let last = ranges.last, range.lowerBound <= last.upperBound {
                    if range.lowerBound == last.upperBound, cutAtTouching { cuts.append(range.lowerBound) }
                    // An overlapping region that reaches past a cut joins what the cut separated (as `sampleRegions`).
                    cuts.removeAll { $0 > range.lowerBound && $0 < range.upperBound }
                    ranges[ranges.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
                } else {
                    ranges.append(range)
                    ranges.sort { $0.lowerBound < $1.lowerBound }
                }
            }
        }

        private func held(_ range: Range<Int>) -> [Float] {
            Array(buffer[(range.lowerBound - bufferStart)..<(range.upperBound - bufferStart)])
        }

        /// Decodes what can be decoded now.
        /// - Returns: segments on the stream's clock (seconds from the first sample received).
        mutating func advance() throws -> [WhisperSegment] {
            var found: [WhisperSegment] = []
            while let first = ranges.first {
                var range = first
                if audioEnded {
                    // Parts past the audio's end are ignored, as on the whole recording.
                    range = range.clamped(to: 0..<received)
                    if range.isEmpty && active == nil { ranges.removeFirst(); continue }
                }
                if active == nil {
                    if session.needsLanguage {
                        let end = range.lowerBound + WhisperRecognizer.RegionSession.languageSamples
                        guard received >= end || audioEnded else { break }
                        // With language_from_first_window, a region holding the 30 s detection reads leaves it
                        // to its stream's first window, which is then encoded once; a shorter one is detected
                        // on the audio after it too.
                        if !session.detectsLanguageOnFirstWindow || range.upperBound < min(end, received) {
                            try session.detectLanguage(held(range.lowerBound..<min(end, received)))
                        }
                    }
                    active = try session.stream(lookaheadSeconds: lookaheadSeconds)
                    pushed = range.lowerBound
                }
                // The region's cuts reach its stream before the audio after them (cuts past its end belong to later regions).
                while let cut = cuts.first, cut < first.upperBound {
                    cuts.removeFirst()
                    if cut > range.lowerBound { active!.cut(atSample: cut - range.lowerBound) }
                }
                let reach = min(range.upperBound, received)
                if reach > pushed {
                    let segments = try active!.push(held(pushed..<reach))
                    pushed = reach
                    found += session.accept(segments, at: range.lowerBound, from: active)
                }
                // Final once no later region can join it and its audio is all in.
                guard ranges.count > 1 || regionsEnded || noRegionBefore > first.upperBound, pushed >= range.upperBound || audioEnded else { break }
                let last = try active!.finish()
                found += session.accept(last, at: range.lowerBound, from: active)
                session.endRegion()
                active = nil
                finishedUpTo = max(finishedUpTo, range.upperBound)
                ranges.removeFirst()
            }
            release()
            return found
        }

        /// Drops the audio no region can still need.
        private mutating func release() {
            guard anyRegion, early.isEmpty else { return }
            let keep: Int
            if let first = ranges.first {
                keep = active == nil ? first.lowerBound : pushed
            } else {
                keep = max(finishedUpTo, noRegionBefore)
            }
            liveStart = max(liveStart, min(keep, received))
            // Moving the kept samples down costs their count: do it only once the dead prefix outweighs them.
            let dead = liveStart - bufferStart
            if dead > 0, dead >= buffer.count - dead || dead >= 1 << 16 {
                buffer.removeFirst(min(buffer.count, dead))
                bufferStart = liveStart
            }
        }
    }
}
