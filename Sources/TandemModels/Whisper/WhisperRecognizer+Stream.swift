import Foundation
import TandemDSP

extension WhisperRecognizer {
    /// Transcription of 16 kHz mono audio as it arrives: each 30 s window is decoded as soon as its audio (and
    /// the look-ahead) is in, with the seek, prompt and language carried from window to window exactly as
    /// ``transcribe(_:options:)`` carries them, so memory does not grow with the input's length.
    ///
    /// No audio is kept: the log-mel front end runs as samples arrive (``WhisperLogMel/Stream``) and only the
    /// raw log-mel frames from the next window's start onward are held (32 KB a second of audio).
    ///
    /// The one whole-input quantity in Whisper's features is the loudest frame: every value is floored 8
    /// decades below it (faster-whisper's feature extractor takes it over the whole recording). A window is
    /// therefore decoded only once `lookaheadSeconds` of audio beyond it have been read, and floored below
    /// the loudest frame read so far. The transcript equals the whole-input one whenever no frame more than
    /// that far ahead of a window is louder than everything before it — always for inputs up to 30 s plus
    /// the look-ahead, which are decoded at the end with the whole input's peak.
    ///
    /// Not thread-safe: one stream, one owner (a graph node).
    public struct Stream {
        let recognizer: WhisperRecognizer
        var session: WhisperTranscriber<WhisperModel>.Session
        var logMel: WhisperLogMel.Stream
        /// Raw log-mel frames (frame-major) from frame `firstFrame` on.
        var frames: [Float] = []
        var firstFrame = 0
        /// Samples received.
        public private(set) var sampleCount = 0
        /// Mel frames where the caller's windows meet (``cut(atSample:)``), from the next window's on.
        var cuts: [Int] = []
        /// Frames of audio read beyond a window before it is decoded.
        public let lookaheadFrames: Int
        var finished = false

        /// The language decoded in and its probability; nil until the first window detects it (`auto`).
        public var language: (code: String, probability: Double)? { session.language }
        /// The first mel frame of the next window (advances as windows are decoded).
        public var seek: Int { session.seek }
        /// Raw log-mel frames held now (the memory the stream keeps, `× melCount × 4` bytes).
        public var heldFrames: Int { frames.count / logMel.melCount }
        /// Frames the held buffer has room for: what the stream's buffer takes in memory once written.
        public var reservedFrames: Int { frames.capacity / logMel.melCount }
        /// Room beyond a window and its look-ahead for the audio of one push (10 s), so the buffer never
        /// grows by doubling while a window waits: doubling left up to twice the look-ahead allocated (about
        /// 19 MB more on long inputs with the default 600 s).
        static let pushRoomFrames = 1000

        init(recognizer: WhisperRecognizer, options: WhisperDecodingOptions, lookaheadSeconds: Double) throws {
            try recognizer.check(options)
            self.recognizer = recognizer
            session = try WhisperTranscriber.Session(transcriber: recognizer.transcriber, options: options)
            logMel = try WhisperLogMel.Stream(melCount: recognizer.model.melCount, padding: WhisperLogMel.hop)
            var lookahead = Int((max(0, lookaheadSeconds) * 100).rounded(.up))
            // The hallucination check asks whether the audio ends within its threshold after a segment: read
            // that far ahead too, so the answer is the whole input's.
            if let threshold = options.hallucinationSilenceThreshold { lookahead = max(lookahead, Int((threshold * 100).rounded(.up)) + 1) }
            lookaheadFrames = lookahead
            // Untouched capacity costs address space, not memory: a short input writes only the pages it fills.
            frames.reserveCapacity((WhisperTranscriber<WhisperModel>.windowFrames + lookahead + Self.pushRoomFrames) * logMel.melCount)
        }

        /// Appends 16 kHz mono samples.
        /// - Returns: the segments of every window that became decodable, in time order, on the stream's clock
        ///   (seconds from its first sample).
        public mutating func push(_ samples: [Float]) throws -> [WhisperSegment] {
            precondition(!finished, "push after finish")
            sampleCount += samples.count
            frames += logMel.push(samples)
            return try decodeReady()
        }

        /// Marks a cut: the caller's windows meet at this sample (from the stream's first), in a pause; a window
        /// keeps only its segments that start before it and the next window starts there (``WhisperTranscriber/Session/decode(window:segmentSize:contentFrames:emitUntil:)``).
        /// Give each cut before the audio after it is pushed; cuts come in time order.
        public mutating func cut(atSample sample: Int) {
            precondition(!finished, "cut after finish")
            let frame = sample / WhisperLogMel.hop
            precondition(cuts.last.map { frame >= $0 } ?? true, "cuts come in time order")
            if frame > session.seek { cuts.append(frame) }
        }

        /// Ends the stream and decodes the windows left, with the whole input's peak.
        public mutating func finish() throws -> [WhisperSegment] {
            precondition(!finished, "finish called twice")
            finished = true
            frames += logMel.finish()
            return try decodeReady()
        }

        private mutating func decodeReady() throws -> [WhisperSegment] {
            let mels = logMel.melCount
            let window = WhisperTranscriber<WhisperModel>.windowFrames
            // Known content frames: the whole input's at the end (samples / 160, the padding frame excluded).
            let contentFrames = sampleCount / WhisperLogMel.hop
            var result: [WhisperSegment] = []
            while true {
                let seek = session.seek
                let segmentSize: Int
                if finished {
                    guard seek < contentFrames else { break }
                    segmentSize = min(window, contentFrames - seek)
                } else {
                    // A full window whose frames are all computed, with the look-ahead read beyond it.
                    guard contentFrames >= seek + window + lookaheadFrames else { break }
                    segmentSize = window
                }
                let available = firstFrame + frames.count / mels
                if session.needsLanguage && !session.options.languageFromFirstWindow {
                    precondition(firstFrame == 0, "the first window's frames are kept until the language is known")
                    try session.detectLanguage(window: normalizedWindow(from: 0, count: min(window, available)))
                }
                precondition(seek >= firstFrame && seek + segmentSize <= available, "window frames \(seek)..<\(seek + segmentSize) not held")
                result += try session.decode(window: normalizedWindow(from: seek, count: segmentSize), segmentSize: segmentSize,
                                             contentFrames: contentFrames,
                                             emitUntil: WhisperTranscriber<WhisperModel>.nextCut(after: seek, in: cuts))
                cuts.removeAll { $0 <= session.seek }
                let drop = min(session.seek, available) - firstFrame
                if drop > 0 {
                    frames.removeFirst(drop * mels)
                    firstFrame += drop
                }
            }
            return result
        }

        /// `count` held frames from frame `from`, floored below the peak read so far, mel-major, zero-padded to 3000 frames.
        private func normalizedWindow(from start: Int, count: Int) -> [Float] {
            let mels = logMel.melCount
            let windowFrames = WhisperTranscriber<WhisperModel>.windowFrames
            let peak = logMel.peak
            var window = [Float](repeating: 0, count: mels * windowFrames)
            let offset = (start - firstFrame) * mels
            for frame in 0..<count {
                let source = offset + frame * mels
                for mel in 0..<mels { window[mel * windowFrames + frame] = WhisperLogMel.normalized(frames[source + mel], peak: peak) }
            }
            return window
        }
    }

    /// Starts a streaming transcription (see ``Stream``).
    /// - Parameters:
    ///   - lookaheadSeconds: audio read beyond a window before it is decoded, so the loudness floor sees what
    ///     comes next (32 KB a second held).
    /// - Throws: ``WhisperOptionsError`` when the model cannot honour the language or task asked for.
    public func stream(options: WhisperDecodingOptions = .init(), lookaheadSeconds: Double = 600) throws -> Stream {
        try Stream(recognizer: self, options: options, lookaheadSeconds: lookaheadSeconds)
    }
}
