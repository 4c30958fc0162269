import Foundation
import TandemNN

// 3×3 stride-1 convolutions at the shapes of AudioLDM's S-size UNet (batch 2, 5 s: 125 × 16 latents and
// below) and its VAE decoder (batch 1, up to 500 × 64 mel frames), in GFLOP of the direct convolution.
// `TANDEM_WINOGRAD_MIN_TILES=1000000000` forces im2col for a side-by-side run of the two paths.
let convolutionBenchSuite = BenchSuite(name: "conv3x3") {
    let shapes: [(name: String, batch: Int, channels: Int, height: Int, width: Int, outputs: Int)] = [
        ("unet-128", 2, 128, 125, 16, 128), ("unet-256", 2, 256, 63, 8, 256), ("unet-384", 2, 384, 32, 4, 384),
        ("unet-640", 2, 640, 16, 2, 640), ("vae-512", 1, 512, 125, 16, 512), ("vae-256", 1, 256, 250, 32, 256),
        ("vae-128", 1, 128, 500, 64, 128),
    ]
    var seed: UInt64 = 11
    func values(_ count: Int) -> [Float] {
        (0..<count).map { _ in
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(seed >> 40) / Float(1 << 24) * 2 - 1
        }
    }
    return shapes.map { shape in
        let x = Tensor(shape: [shape.batch, shape.channels, shape.height, shape.width],
                       values: values(shape.batch * shape.channels * shape.height * shape.width))
        let w = Tensor(shape: [shape.outputs, shape.channels, 3, 3], values: values(shape.outputs * shape.channels * 9))
        let flops = 2.0 * Double(shape.batch * shape.outputs * shape.height * shape.width * shape.channels * 9) / 1e9
        return BenchCase(name: "\(shape.name) [\(shape.batch), \(shape.channels), \(shape.height), \(shape.width)]", units: flops, unitName: "GFLOP") {
            _ = Tensor.convolution(x, weight: w, padding: [1])
        }
    }
}
