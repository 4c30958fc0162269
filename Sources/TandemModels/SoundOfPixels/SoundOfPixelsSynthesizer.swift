import TandemNN

/// The synthesizer: `InnerProd` of `models/synthesizer_net.py` (`linear`).
///
/// `z[f, t] = Σ_k img_k · scale_k · sound_k[f, t] + bias`; the caller applies the output sigmoid.
struct SoundOfPixelsSynthesizer: Sendable {
    var scale: [Float]
    var bias: Float

    static func parameters(channels: Int) -> [String: [Int]] { ["scale": [channels], "bias": [1]] }

    init(_ weights: WeightReader, channels: Int) {
        scale = weights.tensor("scale", shape: [channels]).scalars
        bias = weights.tensor("bias", shape: [1])[0]
    }

    /// Mask logits [F, T] for one source from its image vector [K] and the sound features [1, K, F, T].
    func logits(image: [Float], sound: Tensor) -> [Float] {
        let channels = sound.shape[1], plane = sound.shape[2] * sound.shape[3]
        precondition(image.count == channels, "image vector of \(image.count) for \(channels) sound channels")
        // bias + Σ_k (img_k · scale_k) · sound_k, summed in that order.
        let weights = Tensor(shape: [channels, 1], values: zip(image, scale).map { $0 * $1 })
        let terms = sound.reshaped([channels, plane]) * weights
        return Tensor.concatenate([Tensor(repeating: bias, shape: [1, plane]), terms], axis: 0).sum(axis: 0).scalars
    }
}
