import Foundation
import TandemNN

/// The hyper-parameters of AudioLDM's VAE, decoded from `vae/config.json` with diffusers'
/// `AutoencoderKL` key names. Absent keys take diffusers' defaults.
///
/// Only the configuration AudioLDM ships is built: `DownEncoderBlock2D` down blocks,
/// `UpDecoderBlock2D` up blocks, SiLU, group norms. `validate(file:)` refuses anything else by
/// name rather than running a different network than the checkpoint was trained as.
public struct AudioLDMAutoencoderConfiguration: Decodable, Sendable, Equatable {
    public var inChannels = 3
    public var outChannels = 3
    public var downBlockTypes = ["DownEncoderBlock2D"]
    public var upBlockTypes = ["UpDecoderBlock2D"]
    public var blockOutChannels = [64]
    public var layersPerBlock = 1
    public var actFn = "silu"
    public var latentChannels = 4
    public var normNumGroups = 32
    /// Latents are multiplied by it after encoding and divided by it before decoding (the pipeline's job).
    public var scalingFactor: Float = 0.18215
    /// Whether the 1×1 `quant_conv` follows the encoder.
    public var useQuantConv = true
    /// Whether the 1×1 `post_quant_conv` precedes the decoder.
    public var usePostQuantConv = true
    /// Whether the mid blocks hold their self-attention.
    public var midBlockAddAttention = true
    /// `latents_mean`, `latents_std`, `shift_factor`: used by other pipelines only; must be absent or null here.
    public var shiftFactor: Float?
    public var latentsMean: [Float]?
    public var latentsStd: [Float]?

    enum CodingKeys: String, CodingKey {
        case inChannels = "in_channels", outChannels = "out_channels", downBlockTypes = "down_block_types"
        case upBlockTypes = "up_block_types", blockOutChannels = "block_out_channels", layersPerBlock = "layers_per_block"
        case actFn = "act_fn", latentChannels = "latent_channels", normNumGroups = "norm_num_groups"
        case scalingFactor = "scaling_factor", useQuantConv = "use_quant_conv", usePostQuantConv = "use_post_quant_conv"
        case midBlockAddAttention = "mid_block_add_attention", shiftFactor = "shift_factor"
        case latentsMean = "latents_mean", latentsStd = "latents_std"
    }

    /// diffusers' `AutoencoderKL` defaults.
    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = AudioLDMAutoencoderConfiguration()
        inChannels = try c.decodeIfPresent(Int.self, forKey: .inChannels) ?? d.inChannels
        outChannels = try c.decodeIfPresent(Int.self, forKey: .outChannels) ?? d.outChannels
        downBlockTypes = try c.decodeIfPresent([String].self, forKey: .downBlockTypes) ?? d.downBlockTypes
        upBlockTypes = try c.decodeIfPresent([String].self, forKey: .upBlockTypes) ?? d.upBlockTypes
        blockOutChannels = try c.decodeIfPresent([Int].self, forKey: .blockOutChannels) ?? d.blockOutChannels
        layersPerBlock = try c.decodeIfPresent(Int.self, forKey: .layersPerBlock) ?? d.layersPerBlock
        actFn = try c.decodeIfPresent(String.self, forKey: .actFn) ?? d.actFn
        latentChannels = try c.decodeIfPresent(Int.self, forKey: .latentChannels) ?? d.latentChannels
        normNumGroups = try c.decodeIfPresent(Int.self, forKey: .normNumGroups) ?? d.normNumGroups
        scalingFactor = try c.decodeIfPresent(Float.self, forKey: .scalingFactor) ?? d.scalingFactor
        useQuantConv = try c.decodeIfPresent(Bool.self, forKey: .useQuantConv) ?? d.useQuantConv
        usePostQuantConv = try c.decodeIfPresent(Bool.self, forKey: .usePostQuantConv) ?? d.usePostQuantConv
        midBlockAddAttention = try c.decodeIfPresent(Bool.self, forKey: .midBlockAddAttention) ?? d.midBlockAddAttention
        shiftFactor = try c.decodeIfPresent(Float.self, forKey: .shiftFactor)
        latentsMean = try c.decodeIfPresent([Float].self, forKey: .latentsMean)
        latentsStd = try c.decodeIfPresent([Float].self, forKey: .latentsStd)
    }

    /// Resolution levels (one per entry of `block_out_channels`).
    public var levels: Int { blockOutChannels.count }

    /// Throws unless this is a VAE the Swift model builds exactly as diffusers does.
    /// - Parameter file: the `config.json` path, named in the error.
    /// - Throws: `AudioLDMError(.unsupportedConfiguration)` naming the offending key and value.
    public func validate(file: String?) throws {
        func refuse(_ message: String) -> AudioLDMError { AudioLDMError(.unsupportedConfiguration, file: file, message) }
        guard !blockOutChannels.isEmpty, blockOutChannels.allSatisfy({ $0 > 0 }) else {
            throw refuse("block_out_channels must list at least one positive width, got \(blockOutChannels)")
        }
        guard downBlockTypes.count == levels, upBlockTypes.count == levels else {
            throw refuse("down_block_types (\(downBlockTypes.count)) and up_block_types (\(upBlockTypes.count)) must have one entry per block_out_channels (\(levels))")
        }
        if let other = downBlockTypes.first(where: { $0 != "DownEncoderBlock2D" }) {
            throw refuse("down block type '\(other)' is not supported (AudioLDM's VAE uses DownEncoderBlock2D)")
        }
        if let other = upBlockTypes.first(where: { $0 != "UpDecoderBlock2D" }) {
            throw refuse("up block type '\(other)' is not supported (AudioLDM's VAE uses UpDecoderBlock2D)")
        }
        guard actFn == "silu" else { throw refuse("act_fn '\(actFn)' is not supported (only silu)") }
        guard layersPerBlock >= 1 else { throw refuse("layers_per_block must be at least 1, got \(layersPerBlock)") }
        guard inChannels >= 1, outChannels >= 1, latentChannels >= 1 else {
            throw refuse("in_channels, out_channels and latent_channels must be positive, got \(inChannels), \(outChannels), \(latentChannels)")
        }
        guard normNumGroups >= 1, blockOutChannels.allSatisfy({ $0 % normNumGroups == 0 }) else {
            throw refuse("norm_num_groups \(normNumGroups) must divide every block_out_channels entry \(blockOutChannels)")
        }
        guard scalingFactor.isFinite, scalingFactor != 0 else { throw refuse("scaling_factor must be finite and non-zero, got \(scalingFactor)") }
        guard shiftFactor == nil, latentsMean == nil, latentsStd == nil else {
            throw refuse("shift_factor, latents_mean and latents_std are not used by AudioLDM and must be null")
        }
    }
}
