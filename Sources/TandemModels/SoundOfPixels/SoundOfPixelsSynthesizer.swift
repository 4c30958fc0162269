import TandemNN

/// The synthesizer: `InnerProd` of `models/synthesizer_net.py` (`linear`).
///
/// `z[f, t] = Σ_k img_k · scale_k · sound_k[f, t] + bias`; the caller applies the output sigmoid.
struct SoundOfPixelsSynthesizer: Sendable {
    var scale: [Float]
    var bias: Float

    init(_ weights: WeightReader, channels: Int) {
        scale = weights.tensor("scale", shape: [channels]).scalars
        bias = weights.tensor("bias", shape: [1])[0]
    }

    /// Mask logits [F, T] for one source from its image vector [K] and the sound features [1, K, F, T].
    func logits(image: [Float], sound: Tensor) -> [Float] {
        let channels = sound.shape[1], plane = sound.shape[2] * sound.shape[3]
        precondition(image.count == channels, "image vector of \(image.count) for \(channels) sound channels")
        var z = [Float](repeating: bias, count: plane)
        sound.withUnsafeBufferPointer { s in
            for k in 0..<channels {
                let w = image[k] * scale[k]
                let base = k * plane
                for i in 0..<plane { z[i] += w * s[base + i] }
            }
        }
        return z
    }
}
