import Foundation
import TandemCore

extension WhisperLogMel {
    /// Whisper's log-mel front end fed audio in chunks, giving frame for frame the values of the one-shot
    /// ``WhisperLogMel/features(_:padding:)`` *before* its floor: `log10(max(mel, 1e-10))`.
    ///
    /// The floor (`max(x, peak − 8)`, then `(x + 4) / 4`) needs the loudest frame of the whole input, which a
    /// stream knows only at its end; the caller keeps the running ``peak`` and applies ``normalized(_:peak:)``
    /// when it has decided which peak to trust. With the same peak, the values equal the one-shot features
    /// bit for bit (the STFT frames are `StreamingSTFT`'s, which equal the one-shot STFT's, and the filters
    /// and logarithm are applied frame by frame in the same order).
    ///
    /// Not thread-safe: one stream, one owner. Memory is one STFT frame plus the last chunk.
    public struct Stream: Sendable {
        /// Mel bands per frame.
        public let melCount: Int
        /// Zeros appended at the end of the stream (whisper's `padding=`; faster-whisper uses one hop).
        public let padding: Int
        private var stft: StreamingSTFT
        private let filterbank: MelFilterbank
        /// The largest value emitted so far (−∞ before the first frame).
        public private(set) var peak = -Float.infinity
        /// Frames emitted so far.
        public private(set) var frameCount = 0
        private var finished = false

        /// Plans the transform.
        /// - Parameters:
        ///   - melCount: 80, or 128 for large-v3.
        ///   - padding: zeros appended at the end, as the one-shot `features(_:padding:)` takes them.
        /// - Throws: `DSPError` when planning fails or `melCount` is not positive.
        public init(melCount: Int = 80, padding: Int = WhisperLogMel.hop) throws {
            let front = try WhisperLogMel(melCount: melCount)
            self.melCount = melCount
            self.padding = padding
            stft = try StreamingSTFT(front.stft.configuration)
            filterbank = front.filterbank
        }

        /// Appends samples; returns the raw log-mel frames that became complete (`frames × melCount`, frame-major).
        public mutating func push(_ samples: [Float]) -> [Float] {
            precondition(!finished, "push after finish")
            return logMel(stft.push(samples))
        }

        /// Ends the stream (the padding zeros, the STFT's reflected tail, the last frame dropped as whisper does)
        /// and returns the remaining raw frames.
        public mutating func finish() -> [Float] {
            precondition(!finished, "finish called twice")
            finished = true
            var power = stft.push([Float](repeating: 0, count: padding))
            power += stft.finish()
            let bins = stft.configuration.binCount
            if power.count >= bins { power.removeLast(bins) }
            return logMel(power)
        }

        private mutating func logMel(_ power: [Float]) -> [Float] {
            guard !power.isEmpty else { return [] }
            // Cannot fail: the STFT yields whole frames of the filterbank's bin count.
            var mel = try! filterbank(power)
            for i in mel.indices {
                mel[i] = log10f(max(mel[i], 1e-10))
                peak = max(peak, mel[i])
            }
            frameCount += mel.count / melCount
            return mel
        }
    }

    /// A raw log-mel value (``Stream``'s output) floored 8 decades below `peak` and scaled, as whisper does.
    @inline(__always)
    public static func normalized(_ raw: Float, peak: Float) -> Float { (max(raw, peak - 8) + 4) / 4 }
}
