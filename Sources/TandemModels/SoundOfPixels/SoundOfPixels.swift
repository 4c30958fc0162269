import Foundation
import TandemDSP
import TandemNN

/// Sound of Pixels (Zhao et al., "The Sound of Pixels", ECCV 2018), computed as the official code
/// (hangzhaomit/Sound-of-Pixels) does for its published MUSIC model: unet7 sound net,
/// resnet18dilated frame net, linear synthesizer, max pooling, K = 32, binary masks, log frequency.
///
/// For one window of a mixture and the frames of each source (a player's crop, or the region of a
/// wide shot), the sound net turns the warped log magnitude into K feature maps, the frame net turns
/// each source's frames into K weights, and the synthesizer mixes the maps into a mask per source.
/// Masks are un-warped to the 512 linear bins, thresholded (binary) or kept (ratio), multiplied with
/// the mixture's magnitude and inverted with the mixture's phase.
///
/// Weights: the official checkpoints are three PyTorch pickles; `Tools/convert_sound_of_pixels.py`
/// turns them into one safetensors file (prefixes `sound.`, `frame.`, `synth.`). Network sizes are
/// read from the tensor shapes, and every tensor is checked (missing, unexpected, wrong shape).
public struct SoundOfPixels: Sendable {
    public var configuration: SoundOfPixelsConfiguration
    /// K: feature channels shared by the sound net, the frame net and the synthesizer.
    public let channels: Int
    let audioNet: SoundOfPixelsAudioNet
    let frameNet: SoundOfPixelsFrameNet
    let synthesizer: SoundOfPixelsSynthesizer
    let stft: STFT
    let inverseSTFT: InverseSTFT
    let warp: LogFrequencyWarp

    /// What a user must do when the weights are missing.
    public static let howToObtain = """
        download sound_best.pth, frame_best.pth and synthesizer_best.pth with the official repository's \
        scripts/download_trained_model.sh (hangzhaomit/Sound-of-Pixels), then run \
        `python Tools/convert_sound_of_pixels.py --sound sound_best.pth --frame frame_best.pth \
        --synthesizer synthesizer_best.pth --out sound-of-pixels.safetensors`
        """

    /// Loads the converted safetensors file at `url`.
    /// - Throws: `SoundOfPixelsError(.missingWeights)` naming the file and how to make it;
    ///   `WeightsError` for a malformed file or mismatched tensors.
    public init(weightsAt url: URL, configuration: SoundOfPixelsConfiguration = .init()) throws {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw SoundOfPixelsError(.missingWeights, "no weights file; \(Self.howToObtain)", file: url.path)
        }
        try self.init(weights: SafetensorsFile(url: url), configuration: configuration)
    }

    /// Loads from any weight source holding the converter's keys.
    public init(weights source: any WeightSource, configuration: SoundOfPixelsConfiguration = .init()) throws {
        func shape(_ key: String) throws -> [Int] {
            guard let s = source.shape(of: key) else {
                throw WeightsError(.tensorNotFound, tensor: key, "not a Sound of Pixels checkpoint made by Tools/convert_sound_of_pixels.py")
            }
            return s
        }
        let ngf = try shape("sound.unet_block.model.0.weight")[0]
        let channels = try shape("sound.unet_block.model.4.weight")[0]
        let width = try shape("frame.features.0.weight")[0]
        // Depth: follow the nested blocks until one has no submodule.
        var depth = 2
        while source.shape(of: "sound." + SoundOfPixelsAudioNet.levelPrefix(depth) + "1.weight") != nil { depth += 1 }
        let weights = WeightReader(source)
        self.configuration = configuration
        self.channels = channels
        audioNet = SoundOfPixelsAudioNet(weights.scoped("sound"), depth: depth, ngf: ngf, channels: channels)
        frameNet = SoundOfPixelsFrameNet(weights.scoped("frame"), width: width, channels: channels)
        synthesizer = SoundOfPixelsSynthesizer(weights.scoped("synth"), channels: channels)
        // Batch-norm step counters are training state the folded layers do not use.
        try weights.finish(ignoring: { $0.hasSuffix("num_batches_tracked") })
        let stftConfiguration = STFTConfiguration(fftSize: configuration.fftSize, hop: configuration.hop, output: .complex)
        stft = try STFT(stftConfiguration)
        inverseSTFT = try InverseSTFT(stftConfiguration)
        warp = try LogFrequencyWarp(inputBins: configuration.fftSize / 2 + 1, outputBins: configuration.logFrequencyRows)
    }

    /// Levels of the sound net's U-Net (7 for `unet7`).
    public var depth: Int { audioNet.levels.count }

    /// STFT frames must be a multiple of this for the U-Net (128 for unet7).
    public var frameMultiple: Int { audioNet.divisor }
}

extension SoundOfPixels {
    /// Every tensor (converter key → shape) of a model of the given sizes; the published MUSIC model is
    /// `depth` 7, `ngf` 64, `channels` 32, `frameWidth` 64. For checking a converted file, or building
    /// a random-weight model of the published size (benchmarks).
    ///
    /// The tables are written out rather than collected by building the layers, so listing them allocates
    /// nothing: building the published model's layers on zeros maps and frees a whole model of zeros first,
    /// which moves glibc's mmap threshold and raised the separation benchmark's peak RSS by 70–90 MB;
    /// `layerParameterShapes` builds the layers, and a test keeps the two equal.
    public static func parameterShapes(depth: Int = 7, ngf: Int = 64, channels: Int = 32, frameWidth: Int = 64) -> [String: [Int]] {
        var spec: [String: [Int]] = [:]
        for (k, v) in SoundOfPixelsAudioNet.parameters(depth: depth, ngf: ngf, channels: channels) { spec["sound." + k] = v }
        for (k, v) in SoundOfPixelsFrameNet.parameters(width: frameWidth, channels: channels) { spec["frame." + k] = v }
        for (k, v) in SoundOfPixelsSynthesizer.parameters(channels: channels) { spec["synth." + k] = v }
        return spec
    }

    /// Every key and shape the layers themselves read, for checking `parameterShapes` (small sizes only:
    /// the layers are built on zeros).
    static func layerParameterShapes(depth: Int, ngf: Int, channels: Int, frameWidth: Int) -> [String: [Int]] {
        let weights = WeightReader(generating: { _, shape in Tensor(zeros: shape) })
        _ = SoundOfPixelsAudioNet(weights.scoped("sound"), depth: depth, ngf: ngf, channels: channels)
        _ = SoundOfPixelsFrameNet(weights.scoped("frame"), width: frameWidth, channels: channels)
        _ = SoundOfPixelsSynthesizer(weights.scoped("synth"), channels: channels)
        return weights.requested
    }
}
