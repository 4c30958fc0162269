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
        var down: Conv2d
        var up: Conv2d
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

    /// Reads a U-Net of `depth` levels, base width `ngf` and `channels` outputs, folding every batch
    /// norm that follows a convolution.
    init(_ weights: WeightReader, depth: Int, ngf: Int, channels: Int) {
        let bn0 = weights.scoped("bn0")
        let gamma = bn0.tensor("weight", shape: [1])[0], beta = bn0.tensor("bias", shape: [1])[0]
        let mean = bn0.tensor("running_mean", shape: [1])[0], variance = bn0.tensor("running_var", shape: [1])[0]
        inputScale = gamma / (variance + Self.batchNormEps).squareRoot()
        inputShift = beta - mean * inputScale
        let inner = (0..<depth).map { ngf * min(1 << $0, 8) }
        levels = (0..<depth).map { i in
            let p = Self.levelPrefix(i)
            let outer = i == 0 ? channels : inner[i - 1]
            let input = i == 0 ? 1 : outer
            let innerOut = i == depth - 1 ? inner[i] : 2 * inner[i]
            func down(_ key: String, norm: String?) -> Conv2d {
                Conv2d(weights, p + key, inChannels: input, outChannels: inner[i], kernelSize: 4, stride: 2, padding: 1,
                       bias: false, batchNorm: norm.map { p + $0 })
            }
            func up(_ key: String, norm: String?) -> Conv2d {
                Conv2d(weights, p + key, inChannels: innerOut, outChannels: outer, kernelSize: 3, padding: 1,
                       bias: norm == nil, batchNorm: norm.map { p + $0 })
            }
            if i == 0 { return Level(down: down("0", norm: nil), up: up("4", norm: nil)) }
            if i == depth - 1 { return Level(down: down("1", norm: nil), up: up("4", norm: "5")) }
            return Level(down: down("1", norm: "2"), up: up("6", norm: "7"))
        }
    }

    /// PyTorch's default `BatchNorm2d` epsilon, which the repository keeps.
    static let batchNormEps: Float = 1e-5

    /// Spatial extents must be divisible by `divisor` (2^depth) so every level halves exactly.
    var divisor: Int { 1 << levels.count }

    /// [N, 1, F, T] log magnitude → [N, K, F, T] features.
    func callAsFunction(_ input: Tensor) -> Tensor {
        block(0, input.scaled(by: inputScale) + Tensor(repeating: inputShift, shape: [1]))
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
