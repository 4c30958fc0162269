import TandemNN

/// The sound network: `Unet` of `models/audio_net.py` (`unet7` in the MUSIC configuration).
///
/// `bn0` normalises the log-magnitude input; then `depth` nested blocks. Going down, each block
/// applies LeakyReLU(0.2) (not the outermost), a 4×4 stride-2 convolution without bias, and a batch
/// norm (neither the outermost nor the innermost). Coming up: ReLU, bilinear ×2 upsampling with
/// aligned corners, a 3×3 convolution, and a batch norm — except the outermost, whose convolution
/// has a bias and no norm and gives the K feature maps. Every block but the outermost returns its
/// input concatenated with its output. The repository's LeakyReLU is in place, so the skip really
/// carries LeakyReLU(x); the ReLU that follows makes that equal to ReLU(x) either way.
struct SoundOfPixelsAudioNet: Sendable {
    struct Level: Sendable {
        var down: Conv2dLayer
        var up: Conv2dLayer
    }

    /// bn0 as a per-channel affine map (it cannot be folded: the first convolution zero-pads after it).
    var inputScale: Float
    var inputShift: Float
    /// Outermost first.
    var levels: [Level]

    /// Checkpoint prefix of level `i` (without the `sound.` file prefix).
    static func levelPrefix(_ i: Int) -> String {
        // The outermost block holds its submodule at index 1 of its Sequential, every other block at index 3.
        i == 0 ? "unet_block.model." : "unet_block.model.1.model." + String(repeating: "3.model.", count: i - 1)
    }

    /// The tensors a U-Net of `depth` levels, base width `ngf` and `channels` outputs holds, with shapes.
    static func parameters(depth: Int, ngf: Int, channels: Int) -> [String: [Int]] {
        var spec: [String: [Int]] = [:]
        func norm(_ key: String, _ n: Int) { for s in ["weight", "bias", "running_mean", "running_var"] { spec[key + "." + s] = [n] } }
        norm("bn0", 1)
        let inner = (0..<depth).map { ngf * min(1 << $0, 8) }
        for i in 0..<depth {
            let p = levelPrefix(i)
            let outer = i == 0 ? channels : inner[i - 1]
            let input = i == 0 ? 1 : outer
            let innerOut = i == depth - 1 ? inner[i] : 2 * inner[i]
            if i == 0 {
                spec[p + "0.weight"] = [inner[0], 1, 4, 4]
                spec[p + "4.weight"] = [channels, innerOut, 3, 3]
                spec[p + "4.bias"] = [channels]
            } else if i == depth - 1 {
                spec[p + "1.weight"] = [inner[i], input, 4, 4]
                spec[p + "4.weight"] = [outer, innerOut, 3, 3]
                norm(p + "5", outer)
            } else {
                spec[p + "1.weight"] = [inner[i], input, 4, 4]
                norm(p + "2", inner[i])
                spec[p + "6.weight"] = [outer, innerOut, 3, 3]
                norm(p + "7", outer)
            }
        }
        return spec
    }

    init(_ reader: CheckpointReader, depth: Int) throws {
        let gamma = try reader.tensor("bn0.weight")[0], beta = try reader.tensor("bn0.bias")[0]
        let mean = try reader.tensor("bn0.running_mean")[0], variance = try reader.tensor("bn0.running_var")[0]
        inputScale = gamma / (variance + CheckpointReader.batchNormEps).squareRoot()
        inputShift = beta - mean * inputScale
        levels = try (0..<depth).map { i in
            let p = Self.levelPrefix(i)
            if i == 0 {
                return Level(down: try reader.conv(p + "0", norm: nil, stride: 2, padding: 1),
                             up: try reader.conv(p + "4", norm: nil, hasBias: true, padding: 1))
            } else if i == depth - 1 {
                return Level(down: try reader.conv(p + "1", norm: nil, stride: 2, padding: 1),
                             up: try reader.conv(p + "4", norm: p + "5", padding: 1))
            }
            return Level(down: try reader.conv(p + "1", norm: p + "2", stride: 2, padding: 1),
                         up: try reader.conv(p + "6", norm: p + "7", padding: 1))
        }
    }

    /// Spatial extents must be divisible by `divisor` (2^depth) so every level halves exactly.
    var divisor: Int { 1 << levels.count }

    /// [N, 1, F, T] log magnitude → [N, K, F, T] features.
    func callAsFunction(_ input: Tensor) -> Tensor {
        var x = input
        let scale = inputScale, shift = inputShift
        x.withUnsafeMutableBufferPointer { v in for i in v.indices { v[i] = v[i] * scale + shift } }
        return block(0, x)
    }

    private func block(_ i: Int, _ x: Tensor) -> Tensor {
        let level = levels[i]
        let skip = i == 0 ? x : x.applying(.leakyReLU(slope: 0.2))
        var h = level.down(skip)
        if i < levels.count - 1 { h = block(i + 1, h) }
        h = h.applying(.relu)
        h = h.interpolated(size: [2 * h.shape[2], 2 * h.shape[3]], mode: .linear(alignCorners: true))
        h = level.up(h)
        return i == 0 ? h : Tensor.concatenate([skip, h], axis: 1)
    }
}
