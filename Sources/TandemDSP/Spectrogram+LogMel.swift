import Foundation
import TandemCore

extension Spectrogram {
    /// A power mel spectrogram in decibels: 10 · log10(max(x, `floor`)), as
    /// `librosa.power_to_db(S, ref=1.0, amin=floor, top_db=None)` computes it.
    ///
    /// Unlike Whisper's front end (`WhisperLogMel`) there is no clamping against the input's global
    /// maximum, so each frame depends only on itself and a stream can be converted chunk by chunk.
    /// - Throws: `DSPError.Code.unsupportedValues` unless the spectrogram holds `.mel` values.
    /// - Complexity: O(frames · bands).
    public func decibels(floor: Float = 1e-10) throws -> Spectrogram {
        guard values == .mel else {
            throw DSPError(.unsupportedValues, "decibels apply to mel power spectrograms, not \(values)")
        }
        let levels = data.array.map { 10 * log10f(max($0, floor)) }
        return Spectrogram(values: .logMel, binCount: binCount, frameCount: frameCount, hop: hop, fftSize: fftSize,
                           sampleRate: sampleRate, firstFrame: firstFrame, data: SharedArray(levels))
    }
}
