import TandemNN

/// The frame network: `ResnetDilated` of `models/vision_net.py` over a ResNet-18 (`resnet18dilated`).
///
/// torchvision's ResNet-18 without its pooling and classifier, with `layer4` turned to output
/// stride 16 as `_nostride_dilate(dilate=2)` does it: every stride-2 convolution of layer4 gets
/// stride 1 (its 3×3 one keeps dilation 1, padding 1), every other 3×3 convolution of layer4 gets
/// dilation 2 and padding 2. Then `fc`, a 3×3 convolution 512 → K with bias. Batch norms are folded.
struct SoundOfPixelsFrameNet: Sendable {
    struct BasicBlock: Sendable {
        var conv1: Conv2d
        var conv2: Conv2d
        var downsample: Conv2d?

        func callAsFunction(_ x: Tensor) -> Tensor {
            let out = conv2(conv1(x).applying(.relu))
            let identity = downsample.map { $0(x) } ?? x
            return (out + identity).applying(.relu)
        }
    }

    var stem: Conv2d
    var blocks: [BasicBlock]
    var fc: Conv2d

    /// The tensors of a ResNet-18 of base width `width` (64 in torchvision) with a K-channel `fc`.
    static func parameters(width: Int, channels: Int) -> [String: [Int]] {
        var spec: [String: [Int]] = [:]
        func norm(_ key: String, _ n: Int) { for s in ["weight", "bias", "running_mean", "running_var"] { spec[key + "." + s] = [n] } }
        spec["features.0.weight"] = [width, 3, 7, 7]
        norm("features.1", width)
        var inPlanes = width
        for layer in 0..<4 {
            let planes = width << layer
            for block in 0..<2 {
                let p = "features.\(4 + layer).\(block)."
                spec[p + "conv1.weight"] = [planes, block == 0 ? inPlanes : planes, 3, 3]
                norm(p + "bn1", planes)
                spec[p + "conv2.weight"] = [planes, planes, 3, 3]
                norm(p + "bn2", planes)
                if layer > 0 && block == 0 {
                    spec[p + "downsample.0.weight"] = [planes, inPlanes, 1, 1]
                    norm(p + "downsample.1", planes)
                }
            }
            inPlanes = planes
        }
        spec["fc.weight"] = [channels, 8 * width, 3, 3]
        spec["fc.bias"] = [channels]
        return spec
    }

    /// Reads a ResNet-18 of base width `width` (64 in torchvision) with a `channels`-channel `fc`,
    /// every batch norm folded into the convolution before it.
    init(_ weights: WeightReader, width: Int, channels: Int) {
        stem = Conv2d(weights, "features.0", inChannels: 3, outChannels: width, kernelSize: 7, stride: 2, padding: 3,
                      bias: false, batchNorm: "features.1")
        blocks = []
        var inPlanes = width
        for layer in 0..<4 {
            let planes = width << layer
            for block in 0..<2 {
                let p = "features.\(4 + layer).\(block)."
                let dilated = layer == 3
                let firstStride = (layer > 0 && layer < 3 && block == 0) ? 2 : 1
                let conv1 = Conv2d(weights, p + "conv1", inChannels: block == 0 ? inPlanes : planes, outChannels: planes, kernelSize: 3,
                                   stride: firstStride, padding: dilated && block > 0 ? 2 : 1, dilation: dilated && block > 0 ? 2 : 1,
                                   bias: false, batchNorm: p + "bn1")
                let conv2 = Conv2d(weights, p + "conv2", inChannels: planes, outChannels: planes, kernelSize: 3,
                                   padding: dilated ? 2 : 1, dilation: dilated ? 2 : 1, bias: false, batchNorm: p + "bn2")
                let downsample = layer > 0 && block == 0
                    ? Conv2d(weights, p + "downsample.0", inChannels: inPlanes, outChannels: planes, kernelSize: 1,
                             stride: layer < 3 ? 2 : 1, bias: false, batchNorm: p + "downsample.1") : nil
                blocks.append(BasicBlock(conv1: conv1, conv2: conv2, downsample: downsample))
            }
            inPlanes = planes
        }
        fc = Conv2d(weights, "fc", inChannels: 8 * width, outChannels: channels, kernelSize: 3, padding: 1)
    }

    /// [N, 3, H, W] normalised frames → [N, K, H/16, W/16] features before any pooling.
    func features(_ frames: Tensor) -> Tensor {
        var x = stem(frames).applying(.relu)
        x = x.pool2d(.max, kernel: [3], stride: [2], padding: [1])
        for block in blocks { x = block(x) }
        return fc(x)
    }
}
