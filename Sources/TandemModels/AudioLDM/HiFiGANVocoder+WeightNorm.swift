import Foundation
import TandemNN

/// Weight normalisation, folded at load.
///
/// HiFi-GAN trains with `weight_norm` on every convolution: the weight is `g · v / ‖v‖`, the norm
/// taken over everything but the first axis. transformers' and diffusers' AudioLDM checkpoints store
/// it removed (a plain `weight`); older ones store the pair — `weight_g`/`weight_v`
/// (`nn.utils.weight_norm`) or `parametrizations.weight.original0`/`original1` (its successor).
extension HiFiGANVocoder {
    /// The convolution weight of `shape` under `weights`, folded from a weight-norm pair when the checkpoint stores one.
    static func weight(_ weights: WeightReader, shape: [Int]) -> Tensor {
        let gainShape = [shape[0]] + [Int](repeating: 1, count: shape.count - 1)
        for (gain, direction) in [("weight_g", "weight_v"), ("parametrizations.weight.original0", "parametrizations.weight.original1")]
        where !weights.contains("weight") && weights.contains(gain) {
            return folded(gain: weights.tensor(gain, shape: gainShape), direction: weights.tensor(direction, shape: shape))
        }
        return weights.tensor("weight", shape: shape)
    }

    /// `g · v / ‖v‖` with one gain and one norm per slice of the first axis.
    /// - Parameters:
    ///   - gain: [N, 1, …].
    ///   - direction: [N, …].
    static func folded(gain: Tensor, direction: Tensor) -> Tensor {
        let rows = direction.shape[0]
        let width = direction.count / max(rows, 1)
        var values = direction.scalars
        let gains = gain.scalars
        for row in 0..<rows {
            let slice = row * width..<(row + 1) * width
            var squares: Double = 0
            for i in slice { squares += Double(values[i]) * Double(values[i]) }
            // PyTorch divides by the norm without an epsilon; an all-zero v gives NaN there and zeros here.
            let factor = squares > 0 ? Float(Double(gains[row]) / squares.squareRoot()) : 0
            for i in slice { values[i] *= factor }
        }
        return Tensor(shape: direction.shape, values: values)
    }
}
