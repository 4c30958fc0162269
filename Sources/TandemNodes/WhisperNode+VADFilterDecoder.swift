import TandemCore
import TandemModels

extension WhisperNode {
    /// The `whisper` node's `vad_filter` as the audio arrives: Silero VAD runs on each packet
    /// (`SileroVADStream`), faster-whisper's span rules decide each speech span as soon as nothing to come
    /// can change it (`SpeechTimestampTracker`), the span's samples are pushed at once into one
    /// `WhisperRecognizer.Stream` (the stitched recording, silence cut out), and every segment that stream
    /// decodes is mapped back onto the original timeline (`WhisperRecognizer.unstitch`).
    ///
    /// It gives what `WhisperRecognizer.transcribe(_:vadFilter:vadOptions:options:)` gives on the whole
    /// recording whenever the stitched speech is at most 30 s plus the look-ahead long (beyond, each window is
    /// floored below the loudest frame read so far, as the node's plain stream is). Held: the audio from
    /// the earliest sample an undecided span can start at (so at most the longest speech span and its
    /// padding), the stream's log-mel frames, and the spans' boundaries (16 bytes each).
    struct VADFilterDecoder {
        private var vad: SileroVADStream
        private var tracker: SpeechTimestampTracker
        private var stream: WhisperRecognizer.Stream
        /// The spans pushed so far, touching ones merged.
        private var spans: [Range<Int>] = []
        private var buffer: [Float] = []
        private var bufferStart = 0
        private var received = 0

        init(vad: SileroVAD, options: VADOptions, stream: WhisperRecognizer.Stream) {
            self.vad = SileroVADStream(model: vad)
            tracker = SpeechTimestampTracker(options: options)
            self.stream = stream
        }

        /// The first sample still needed (`buffer` may keep a released prefix until it is worth moving).
        private var liveStart = 0

        /// Samples still needed now (the buffer holds at most twice these, or 64 Ki more).
        var heldSamples: Int { received - liveStart }

        /// Takes the next samples.
        /// - Returns: the segments decoded, on the original timeline (seconds from the first sample).
        mutating func push(_ samples: [Float]) throws -> [WhisperSegment] {
            buffer += samples
            received += samples.count
            let found = try take(tracker.append(vad.process(samples)))
            liveStart = max(liveStart, min(received, tracker.earliestPendingSample))
            // Moving the kept samples down costs their count: do it only once the dead prefix outweighs them.
            let dead = liveStart - bufferStart
            if dead > 0, dead >= buffer.count - dead || dead >= 1 << 16 {
                buffer.removeFirst(min(buffer.count, dead))
                bufferStart = liveStart
            }
            return found
        }

        /// Ends the audio: the last spans, the last windows.
        mutating func finish() throws -> [WhisperSegment] {
            let probabilities = vad.finish()
            var found = try take(tracker.finish(probabilities, sampleCount: received))
            found += WhisperRecognizer.unstitch(try stream.finish(), spans: spans)
            buffer = []
            return found
        }

        private mutating func take(_ decided: [Range<Int>]) throws -> [WhisperSegment] {
            var found: [WhisperSegment] = []
            for span in decided {
                // As `transcribe(_:stitching:)` merges them: parts outside the audio dropped, overlaps joined.
                var part = span.clamped(to: 0..<received)
                if let last = spans.last {
                    part = max(part.lowerBound, last.upperBound)..<max(part.upperBound, last.upperBound)
                }
                guard !part.isEmpty else { continue }
                precondition(part.lowerBound >= bufferStart, "span \(part) starts before the audio held (from \(bufferStart))")
                if let last = spans.last, span.lowerBound <= last.upperBound {
                    spans[spans.count - 1] = last.lowerBound..<part.upperBound
                } else {
                    spans.append(part)
                }
                let segments = try stream.push(Array(buffer[(part.lowerBound - bufferStart)..<(part.upperBound - bufferStart)]))
                found += WhisperRecognizer.unstitch(segments, spans: spans)
            }
            return found
        }
    }
}
