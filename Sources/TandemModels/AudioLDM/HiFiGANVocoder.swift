import Foundation
import TandemNN

/// AudioLDM's vocoder: transformers' `SpeechT5HifiGan`, a HiFi-GAN generator that turns a log-mel
/// spectrogram into a waveform.
///
/// `conv_pre`, then per upsampling stage a leaky ReLU, a transposed convolution (stride = the rate)
/// and the mean of the multi-receptive-field residual blocks, then a leaky ReLU, `conv_post` and tanh.
/// Built from the component folder (`vocoder/`: `config.json` + `model.safetensors`).
public struct HiFiGANVocoder: Sendable {
    public let configuration: HiFiGANVocoderConfiguration
    /// Output samples per second.
    public let sampleRate: Int
    /// Mel bins per input frame.
    public let melBins: Int
    /// Output samples per input frame (the product of the upsampling rates); see
    /// `HiFiGANVocoderConfiguration.sampleCount(forFrames:)` for the exact output length.
    public let hopLength: Int
    /// transformers calls the last leaky ReLU without a slope, so it is PyTorch's default 0.01,
    /// not `leaky_relu_slope`.
    static let finalSlope: Float = 0.01

    /// `(x − mean) / scale`, as `x · (1 / scale) + (−mean / scale)` per mel bin, when `normalize_before`.
    let inputScale: Tensor?
    let inputShift: Tensor?
    let convPre: Conv1d
    let upsamplers: [ConvTranspose1d]
    /// `resblocks.count == upsamplers.count · resblock_kernel_sizes.count`, stage-major.
    let resblocks: [ResidualBlock]
    let convPost: Conv1d

    /// Reads `config.json` and the weights of a transformers `SpeechT5HifiGan` folder.
    ///
    /// Weight-normalised checkpoints (`weight_g`/`weight_v`, or `parametrizations.weight.original0/1`)
    /// are folded into plain weights at load.
    /// - Throws: `AudioLDMError(.unsupportedConfiguration)` naming `config.json` and the key,
    ///   `WeightsError(.parameterMismatch)` listing every missing, unexpected or misshapen tensor.
    public init(directory: HuggingFaceDirectory) throws {
        let configuration = try directory.decodeJSON(HiFiGANVocoderConfiguration.self)
        try self.init(configuration: configuration, weights: directory,
                      configurationFile: directory.url.appendingPathComponent("config.json").path)
    }

    /// A vocoder of `configuration` over the tensors of `weights` (any checkpoint with transformers' key names).
    /// - Parameter configurationFile: where the configuration came from, named in errors.
    /// - Throws: as `init(directory:)`.
    public init(configuration: HiFiGANVocoderConfiguration, weights source: any WeightSource, configurationFile: String? = nil) throws {
        try configuration.validate(file: configurationFile ?? source.sourcePath)
        let weights = WeightReader(source)
        self.init(configuration, weights)
        // `mean` and `scale` are persistent buffers: present (and ignored) when normalize_before is false.
        try weights.finish(ignoring: { !configuration.normalizeBefore && ($0 == "mean" || $0 == "scale") })
    }

    /// Builds the network from `weights`; the caller validates the configuration and calls `weights.finish()`.
    init(_ configuration: HiFiGANVocoderConfiguration, _ weights: WeightReader) {
        self.configuration = configuration
        sampleRate = configuration.samplingRate
        melBins = configuration.modelInDim
        hopLength = configuration.hopLength
        if configuration.normalizeBefore {
            let mean = weights.tensor("mean", shape: [melBins]).scalars
            let scale = weights.tensor("scale", shape: [melBins]).scalars
            inputScale = Tensor(shape: [melBins], values: scale.map { 1 / $0 })
            inputShift = Tensor(shape: [melBins], values: zip(mean, scale).map { -$0 / $1 })
        } else {
            (inputScale, inputShift) = (nil, nil)
        }
        let initial = configuration.upsampleInitialChannel
        convPre = Self.conv(weights.scoped("conv_pre"), inChannels: melBins, outChannels: initial, kernelSize: 7, padding: 3)
        var upsamplers: [ConvTranspose1d] = []
        var resblocks: [ResidualBlock] = []
        for (i, (rate, kernel)) in zip(configuration.upsampleRates, configuration.upsampleKernelSizes).enumerated() {
            let (inChannels, outChannels) = (initial >> i, initial >> (i + 1))
            let scope = weights.scoped("upsampler.\(i)")
            upsamplers.append(ConvTranspose1d(weight: Self.weight(scope, shape: [inChannels, outChannels, kernel]),
                                              bias: scope.tensor("bias", shape: [outChannels]),
                                              stride: rate, padding: (kernel - rate) / 2))
            for (j, (size, dilations)) in zip(configuration.resblockKernelSizes, configuration.resblockDilationSizes).enumerated() {
                let index = i * configuration.resblockKernelSizes.count + j
                resblocks.append(ResidualBlock(weights.scoped("resblocks.\(index)"), channels: outChannels, kernelSize: size,
                                               dilations: dilations, slope: configuration.leakyReluSlope))
            }
        }
        self.upsamplers = upsamplers
        self.resblocks = resblocks
        convPost = Self.conv(weights.scoped("conv_post"), inChannels: initial >> upsamplers.count, outChannels: 1,
                             kernelSize: 7, padding: 3)
    }

    /// The waveform of a batch of log-mel spectrograms.
    /// - Parameter mel: [B, frames, melBins] (the VAE's output with its channel axis dropped).
    /// - Returns: [B, `configuration.sampleCount(forFrames:)`] in [−1, 1]: frames · hopLength, plus
    ///   a few samples when a kernel − rate is odd (as in AudioLDM's published vocoder).
    public func callAsFunction(_ mel: Tensor) -> Tensor {
        precondition(mel.rank == 3 && mel.shape[2] == melBins, "vocoder expects [B, frames, \(melBins)], got \(mel.shape)")
        var x = mel
        if let inputScale, let inputShift { x = x * inputScale + inputShift }
        var h = convPre(x.permuted([0, 2, 1]))
        let perStage = configuration.resblockKernelSizes.count
        for (i, upsampler) in upsamplers.enumerated() {
            h = upsampler(h.applying(.leakyReLU(slope: configuration.leakyReluSlope)))
            var sum = resblocks[i * perStage](h)
            for j in 1..<perStage { sum = sum + resblocks[i * perStage + j](h) }
            h = sum.scaled(by: 1 / Float(perStage))
        }
        let y = convPost(h.applying(.leakyReLU(slope: Self.finalSlope)), activation: .tanh)
        return y.reshaped([y.shape[0], y.shape[2]])
    }

    /// `HifiGanResidualBlock`: for each dilation, leaky ReLU → dilated conv → leaky ReLU → conv, added to its input.
    struct ResidualBlock: Sendable {
        let dilated: [Conv1d]
        let plain: [Conv1d]
        let slope: Float

        init(_ weights: WeightReader, channels: Int, kernelSize: Int, dilations: [Int], slope: Float) {
            dilated = dilations.enumerated().map { i, dilation in
                HiFiGANVocoder.conv(weights.scoped("convs1.\(i)"), inChannels: channels, outChannels: channels, kernelSize: kernelSize,
                                    padding: (kernelSize - 1) * dilation / 2, dilation: dilation)
            }
            plain = dilations.indices.map { i in
                HiFiGANVocoder.conv(weights.scoped("convs2.\(i)"), inChannels: channels, outChannels: channels, kernelSize: kernelSize,
                                    padding: (kernelSize - 1) / 2)
            }
            self.slope = slope
        }

        func callAsFunction(_ x: Tensor) -> Tensor {
            var h = x
            for (first, second) in zip(dilated, plain) {
                let inner = first(h.applying(.leakyReLU(slope: slope)), activation: .leakyReLU(slope: slope))
                h = h + second(inner)
            }
            return h
        }
    }

    static func conv(_ weights: WeightReader, inChannels: Int, outChannels: Int, kernelSize: Int, padding: Int, dilation: Int = 1) -> Conv1d {
        Conv1d(weight: weight(weights, shape: [outChannels, inChannels, kernelSize]),
               bias: weights.tensor("bias", shape: [outChannels]), padding: padding, dilation: dilation)
    }
}
