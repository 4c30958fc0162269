import Foundation

/// Sound of Pixels' log-frequency resampling of a linear-frequency spectrogram, and its inverse.
///
/// hangzhaomit/Sound-of-Pixels warps the 512-bin magnitude to 256 rows with
/// `F.grid_sample(mag, warpgrid(B, 256, T, warp=True))`, whose y grid is
/// `(21^((y + 1) / 2) − 11) / 10` for `y = linspace(−1, 1, 256)`, and un-warps predicted masks
/// back to 512 bins with `warp=False`: `log(10·y + 11) / log(21) · 2 − 1`. `grid_sample` ran
/// with align-corners semantics (the PyTorch of the time), bilinear, zero padding; the x grid
/// is the identity over frames, so each output row mixes two neighbouring input bins of the same frame.
/// This type reproduces that sampling, computing the grid and source positions in Float32 as torch does.
public struct LogFrequencyWarp: Sendable {
    public let inputBins: Int
    public let outputBins: Int
    /// Whether this maps linear → log rows (`warp`) or back (`unwarp`).
    public let isInverse: Bool
    /// Per output row: lower source bin and the weight of the upper one.
    let taps: [(lower: Int, fraction: Float)]

    /// The forward warp: `inputBins` linear bins → `outputBins` log-spaced rows (512 → 256 in Sound of Pixels).
    /// - Throws: `DSPError.Code.invalidConfiguration` for fewer than 2 bins either side.
    public init(inputBins: Int = 512, outputBins: Int = 256) throws {
        try self.init(inputBins: inputBins, outputBins: outputBins, inverse: false)
    }

    private init(inputBins: Int, outputBins: Int, inverse: Bool) throws {
        guard inputBins >= 2, outputBins >= 2 else {
            throw DSPError(.invalidConfiguration, "log-frequency warp needs at least 2 bins, got \(inputBins) → \(outputBins)")
        }
        self.inputBins = inputBins
        self.outputBins = outputBins
        isInverse = inverse
        taps = (0..<outputBins).map { row in
            let y = -1 + 2 * Double(row) / Double(outputBins - 1)
            let grid = inverse ? Float(log(y * 10 + 11) / log(21.0) * 2 - 1) : Float((pow(21, (y + 1) / 2) - 11) / 10)
            let source = ((grid + 1) / 2) * Float(inputBins - 1)
            let lower = source.rounded(.down)
            return (Int(lower), source - lower)
        }
    }

    /// The un-warp of this warp: `outputBins` rows back to `inputBins` linear bins (how masks are mapped back).
    public var inverse: LogFrequencyWarp {
        // Cannot fail: the sizes were validated when `self` was made.
        try! LogFrequencyWarp(inputBins: outputBins, outputBins: inputBins, inverse: !isInverse)
    }

    /// Resamples frame-major `frames × inputBins` values to `frames × outputBins`.
    /// - Throws: `DSPError.Code.shapeMismatch` when the input is not whole frames of `inputBins`.
    public func callAsFunction(_ frames: [Float]) throws -> [Float] {
        guard frames.count % inputBins == 0 else {
            throw DSPError(.shapeMismatch, "\(frames.count) values are not whole frames of \(inputBins) bins")
        }
        let count = frames.count / inputBins
        var output = [Float](repeating: 0, count: count * outputBins)
        for t in 0..<count {
            let base = t * inputBins
            for (row, tap) in taps.enumerated() {
                // Zero padding: neighbours outside the input contribute nothing.
                var value: Float = 0
                if tap.lower >= 0 && tap.lower < inputBins { value += (1 - tap.fraction) * frames[base + tap.lower] }
                if tap.lower + 1 >= 0 && tap.lower + 1 < inputBins { value += tap.fraction * frames[base + tap.lower + 1] }
                output[t * outputBins + row] = value
            }
        }
        return output
    }
}
