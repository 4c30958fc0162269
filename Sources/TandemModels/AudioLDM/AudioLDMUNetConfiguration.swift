import Foundation
import TandemNN

/// The hyper-parameters of diffusers' `UNet2DConditionModel` as AudioLDM configures it, read from
/// `unet/config.json` with diffusers' key names.
///
/// Only the variant AudioLDM's checkpoints use is built: positional time embedding, a
/// `simple_projection` class embedding of the CLAP text embedding, `DownBlock2D` /
/// `CrossAttnDownBlock2D` down blocks, `UNetMidBlock2DCrossAttn`, `CrossAttnUpBlock2D` / `UpBlock2D`
/// up blocks, no text cross-attention. Every other value is refused by name when the configuration
/// is read, so a checkpoint of another family fails at load with the field to blame instead of
/// computing something else.
public struct AudioLDMUNetConfiguration: Sendable, Equatable {
    public var inChannels = 4
    public var outChannels = 4
    public var blockOutChannels = [320, 640, 1280, 1280]
    public var downBlockTypes = ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"]
    public var upBlockTypes = ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]
    public var midBlockType: String? = "UNetMidBlock2DCrossAttn"
    /// Per down block (diffusers accepts an int for all).
    public var layersPerBlock = [2, 2, 2, 2]
    /// Per down block; for legacy reasons diffusers passes this as the NUMBER of heads.
    public var attentionHeads = [8, 8, 8, 8]
    /// Per down block; must equal the block's channels, since AudioLDM passes no text states and attn2 attends over the block's own.
    public var crossAttentionDimension = [1280, 1280, 1280, 1280]
    /// Per down block.
    public var transformerLayersPerBlock = [1, 1, 1, 1]
    public var normNumGroups = 32
    public var normEps: Float = 1e-5
    public var downsamplePadding = 1
    public var midBlockScaleFactor: Float = 1
    public var flipSinToCos = true
    public var freqShift: Float = 0
    public var timeEmbeddingDimension: Int?
    public var classEmbeddingsConcat = false
    public var projectionClassEmbeddingsInputDimension: Int?
    public var useLinearProjection = false
    public var centerInputSample = false
    public var convInKernel = 3
    public var convOutKernel = 3

    public init() {}

    /// The width of the time (and class) embedding: `time_embedding_dim`, else 4 × the first block's channels.
    public var timeEmbeddingWidth: Int { timeEmbeddingDimension ?? blockOutChannels[0] * 4 }
    /// What every ResNet's `time_emb_proj` reads: twice the embedding width when the class embedding is concatenated.
    public var blockTimeEmbeddingWidth: Int { classEmbeddingsConcat ? 2 * timeEmbeddingWidth : timeEmbeddingWidth }

    /// Reads `config.json` of a UNet folder and refuses what this implementation does not build.
    /// - Throws: `AudioLDMError(.unsupportedConfiguration)` naming `config.json` and the field at fault,
    ///   or `.missingComponent` when there is no `config.json`.
    public init(directory: HuggingFaceDirectory) throws {
        let file = directory.url.appendingPathComponent("config.json")
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw AudioLDMError(.missingComponent, file: file.path, "the UNet configuration (config.json) is missing")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw AudioLDMError(.unsupportedConfiguration, file: file.path, "not a UNet configuration: config.json is not a JSON object")
        }
        try self.init(json: object, file: file.path)
    }

    /// Reads a decoded `config.json` object; `file` is named in every error.
    public init(json: [String: Any], file: String) throws {
        let reader = UNetConfigReader(json: json, file: file)
        let defaults = AudioLDMUNetConfiguration()
        inChannels = try reader.int("in_channels") ?? defaults.inChannels
        outChannels = try reader.int("out_channels") ?? defaults.outChannels
        blockOutChannels = try reader.ints("block_out_channels") ?? defaults.blockOutChannels
        let blocks = blockOutChannels.count
        guard blocks > 0, blockOutChannels.allSatisfy({ $0 > 0 }) else { throw reader.refuse("block_out_channels", "needs at least one positive width") }
        downBlockTypes = try reader.strings("down_block_types") ?? defaults.downBlockTypes
        upBlockTypes = try reader.strings("up_block_types") ?? defaults.upBlockTypes
        guard downBlockTypes.count == blocks else { throw reader.refuse("down_block_types", "has \(downBlockTypes.count) entries for \(blocks) block_out_channels") }
        guard upBlockTypes.count == blocks else { throw reader.refuse("up_block_types", "has \(upBlockTypes.count) entries for \(blocks) block_out_channels") }
        for type in downBlockTypes where !["DownBlock2D", "CrossAttnDownBlock2D"].contains(type) {
            throw reader.refuse("down_block_types", "'\(type)' is not supported (only DownBlock2D and CrossAttnDownBlock2D)")
        }
        for type in upBlockTypes where !["UpBlock2D", "CrossAttnUpBlock2D"].contains(type) {
            throw reader.refuse("up_block_types", "'\(type)' is not supported (only UpBlock2D and CrossAttnUpBlock2D)")
        }
        midBlockType = reader.has("mid_block_type") ? try reader.string("mid_block_type") : defaults.midBlockType
        guard midBlockType == "UNetMidBlock2DCrossAttn" else {
            throw reader.refuse("mid_block_type", "'\(midBlockType ?? "null")' is not supported (only UNetMidBlock2DCrossAttn)")
        }
        layersPerBlock = try reader.intOrList("layers_per_block", count: blocks) ?? [Int](repeating: 2, count: blocks)
        guard layersPerBlock.allSatisfy({ $0 > 0 }) else { throw reader.refuse("layers_per_block", "must be positive") }
        if let heads = json["num_attention_heads"], !(heads is NSNull) {
            throw reader.refuse("num_attention_heads", "is not supported (diffusers' UNet2DConditionModel refuses it too; heads come from attention_head_dim)")
        }
        attentionHeads = try reader.intOrList("attention_head_dim", count: blocks) ?? [Int](repeating: 8, count: blocks)
        for (index, heads) in attentionHeads.enumerated() where heads <= 0 || blockOutChannels[index] % heads != 0 {
            throw reader.refuse("attention_head_dim", "\(heads) heads do not divide the \(blockOutChannels[index]) channels of block \(index)")
        }
        crossAttentionDimension = try reader.intOrList("cross_attention_dim", count: blocks) ?? [Int](repeating: 1280, count: blocks)
        for index in 0..<blocks {
            let attends = downBlockTypes[index] == "CrossAttnDownBlock2D" || upBlockTypes[blocks - 1 - index] == "CrossAttnUpBlock2D" || index == blocks - 1
            if attends && crossAttentionDimension[index] != blockOutChannels[index] {
                throw reader.refuse("cross_attention_dim", "\(crossAttentionDimension[index]) differs from block \(index)'s \(blockOutChannels[index]) channels; "
                                    + "AudioLDM passes no text states, so attn2 attends over the block's own and needs them equal")
            }
        }
        transformerLayersPerBlock = try reader.intOrList("transformer_layers_per_block", count: blocks) ?? [Int](repeating: 1, count: blocks)
        guard transformerLayersPerBlock.allSatisfy({ $0 > 0 }) else { throw reader.refuse("transformer_layers_per_block", "must be positive") }
        try reader.requireNull("reverse_transformer_layers_per_block")
        guard let groups = try reader.int("norm_num_groups") ?? (reader.has("norm_num_groups") ? nil : 32) else {
            throw reader.refuse("norm_num_groups", "null (no output norm) is not supported")
        }
        normNumGroups = groups
        for width in blockOutChannels where width % groups != 0 {
            throw reader.refuse("norm_num_groups", "\(groups) groups do not divide \(width) channels")
        }
        normEps = try reader.float("norm_eps") ?? defaults.normEps
        downsamplePadding = try reader.int("downsample_padding") ?? defaults.downsamplePadding
        guard downsamplePadding == 1 else { throw reader.refuse("downsample_padding", "\(downsamplePadding) is not supported (only 1)") }
        midBlockScaleFactor = try reader.float("mid_block_scale_factor") ?? defaults.midBlockScaleFactor
        flipSinToCos = try reader.bool("flip_sin_to_cos") ?? defaults.flipSinToCos
        freqShift = try reader.float("freq_shift") ?? defaults.freqShift
        timeEmbeddingDimension = try reader.int("time_embedding_dim")
        classEmbeddingsConcat = try reader.bool("class_embeddings_concat") ?? defaults.classEmbeddingsConcat
        useLinearProjection = try reader.bool("use_linear_projection") ?? defaults.useLinearProjection
        centerInputSample = try reader.bool("center_input_sample") ?? defaults.centerInputSample
        convInKernel = try reader.int("conv_in_kernel") ?? defaults.convInKernel
        convOutKernel = try reader.int("conv_out_kernel") ?? defaults.convOutKernel
        guard convInKernel % 2 == 1 else { throw reader.refuse("conv_in_kernel", "\(convInKernel) is not an odd size") }
        guard convOutKernel % 2 == 1 else { throw reader.refuse("conv_out_kernel", "\(convOutKernel) is not an odd size") }

        // The class embedding is how AudioLDM conditions on text; nothing else is built.
        let classType = try reader.string("class_embed_type")
        guard classType == "simple_projection" else {
            throw reader.refuse("class_embed_type", "'\(classType ?? "null")' is not supported (only simple_projection, AudioLDM's CLAP embedding)")
        }
        guard let projection = try reader.int("projection_class_embeddings_input_dim"), projection > 0 else {
            throw reader.refuse("projection_class_embeddings_input_dim", "must be set for class_embed_type simple_projection")
        }
        projectionClassEmbeddingsInputDimension = projection
        try reader.requireNull("num_class_embeds")

        let timeType = try reader.string("time_embedding_type") ?? "positional"
        guard timeType == "positional" else { throw reader.refuse("time_embedding_type", "'\(timeType)' is not supported (only positional)") }
        let shift = try reader.string("resnet_time_scale_shift") ?? "default"
        guard shift == "default" else { throw reader.refuse("resnet_time_scale_shift", "'\(shift)' is not supported (only default)") }
        let activation = try reader.string("act_fn") ?? "silu"
        guard ["silu", "swish"].contains(activation) else { throw reader.refuse("act_fn", "'\(activation)' is not supported (only silu)") }
        let attentionType = try reader.string("attention_type") ?? "default"
        guard attentionType == "default" else { throw reader.refuse("attention_type", "'\(attentionType)' is not supported (only default)") }
        for field in ["addition_embed_type", "encoder_hid_dim", "encoder_hid_dim_type", "time_embedding_act_fn", "timestep_post_act",
                      "time_cond_proj_dim", "cross_attention_norm"] {
            try reader.requireNull(field)
        }
        for field in ["dual_cross_attention", "resnet_skip_time_act", "mid_block_only_cross_attention"] where try reader.bool(field) == true {
            throw reader.refuse(field, "true is not supported")
        }
        if let only = json["only_cross_attention"], !(only is NSNull) {
            let flags = (only as? [Bool]) ?? [(only as? Bool) ?? true]
            if flags.contains(true) { throw reader.refuse("only_cross_attention", "true is not supported") }
        }
    }
}

/// Typed reads of a diffusers `config.json` object, every failure an `AudioLDMError` naming the file and field.
private struct UNetConfigReader {
    let json: [String: Any]
    let file: String

    func refuse(_ field: String, _ message: String) -> AudioLDMError {
        AudioLDMError(.unsupportedConfiguration, file: file, "field '\(field)': \(message)")
    }

    func has(_ field: String) -> Bool { json[field] != nil }

    private func value(_ field: String) -> Any? {
        guard let value = json[field], !(value is NSNull) else { return nil }
        return value
    }

    func int(_ field: String) throws -> Int? {
        guard let value = value(field) else { return nil }
        guard let number = value as? NSNumber, Double(number.intValue) == number.doubleValue else {
            throw refuse(field, "expected an integer, found \(value)")
        }
        return number.intValue
    }

    func float(_ field: String) throws -> Float? {
        guard let value = value(field) else { return nil }
        guard let number = value as? NSNumber else { throw refuse(field, "expected a number, found \(value)") }
        return number.floatValue
    }

    func bool(_ field: String) throws -> Bool? {
        guard let value = value(field) else { return nil }
        guard let flag = value as? Bool else { throw refuse(field, "expected true or false, found \(value)") }
        return flag
    }

    func string(_ field: String) throws -> String? {
        guard let value = value(field) else { return nil }
        guard let text = value as? String else { throw refuse(field, "expected a string, found \(value)") }
        return text
    }

    func strings(_ field: String) throws -> [String]? {
        guard let value = value(field) else { return nil }
        guard let list = value as? [String] else { throw refuse(field, "expected a list of strings, found \(value)") }
        return list
    }

    func ints(_ field: String) throws -> [Int]? {
        guard let value = value(field) else { return nil }
        guard let list = value as? [NSNumber], list.allSatisfy({ Double($0.intValue) == $0.doubleValue }) else {
            throw refuse(field, "expected a list of integers, found \(value)")
        }
        return list.map(\.intValue)
    }

    /// An int meaning the same for every block, or a list with one entry per block.
    func intOrList(_ field: String, count: Int) throws -> [Int]? {
        guard let raw = value(field) else { return nil }
        if raw is [Any] {
            let list = try ints(field)!
            guard list.count == count else { throw refuse(field, "has \(list.count) entries for \(count) blocks") }
            return list
        }
        return [Int](repeating: try int(field)!, count: count)
    }

    func requireNull(_ field: String) throws {
        if let value = value(field) { throw refuse(field, "\(value) is not supported (only null)") }
    }
}
