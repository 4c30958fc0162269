/// A TimeSformer's hyper-parameters, decoded from the checkpoint's `config.json` with its own
/// key names (transformers `TimesformerConfig`). Absent keys take transformers' defaults.
public struct TimesformerConfiguration: Codable, Sendable, Equatable {
    /// How each layer attends (HF `attention_type`).
    public enum AttentionType: String, Codable, Sendable, CaseIterable {
        /// Temporal attention across frames at each patch, then spatial attention within each frame.
        case dividedSpaceTime = "divided_space_time"
        /// Spatial attention within each frame only; every frame is its own sequence.
        case spaceOnly = "space_only"
        /// One attention over all patches of all frames.
        case jointSpaceTime = "joint_space_time"
    }

    public var imageSize: Int = 224
    public var patchSize: Int = 16
    public var numChannels: Int = 3
    public var numFrames: Int = 8
    public var hiddenSize: Int = 768
    public var numHiddenLayers: Int = 12
    public var numAttentionHeads: Int = 12
    public var intermediateSize: Int = 3072
    public var hiddenAct: String = "gelu"
    public var layerNormEps: Float = 1e-6
    public var qkvBias: Bool = true
    public var attentionType: AttentionType = .dividedSpaceTime
    /// Class index (as a decimal string, as JSON keys are) → label.
    public var id2label: [String: String] = ["0": "LABEL_0", "1": "LABEL_1"]

    enum CodingKeys: String, CodingKey {
        case imageSize = "image_size", patchSize = "patch_size", numChannels = "num_channels", numFrames = "num_frames"
        case hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
        case intermediateSize = "intermediate_size", hiddenAct = "hidden_act", layerNormEps = "layer_norm_eps"
        case qkvBias = "qkv_bias", attentionType = "attention_type", id2label
    }

    /// transformers' defaults: the base model (224², patch 16, 8 frames, 768 wide, 12 layers).
    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = TimesformerConfiguration()
        imageSize = try Self.squareSize(c, .imageSize) ?? defaults.imageSize
        patchSize = try Self.squareSize(c, .patchSize) ?? defaults.patchSize
        numChannels = try c.decodeIfPresent(Int.self, forKey: .numChannels) ?? defaults.numChannels
        numFrames = try c.decodeIfPresent(Int.self, forKey: .numFrames) ?? defaults.numFrames
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? defaults.hiddenSize
        numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .numHiddenLayers) ?? defaults.numHiddenLayers
        numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? defaults.numAttentionHeads
        intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? defaults.intermediateSize
        hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? defaults.hiddenAct
        layerNormEps = try c.decodeIfPresent(Float.self, forKey: .layerNormEps) ?? defaults.layerNormEps
        qkvBias = try c.decodeIfPresent(Bool.self, forKey: .qkvBias) ?? defaults.qkvBias
        attentionType = try c.decodeIfPresent(AttentionType.self, forKey: .attentionType) ?? defaults.attentionType
        id2label = try c.decodeIfPresent([String: String].self, forKey: .id2label) ?? defaults.id2label
    }

    /// transformers accepts an int or an [h, w] pair; the model (like the reference) assumes square.
    private static func squareSize(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Int? {
        if let value = try? c.decodeIfPresent(Int.self, forKey: key) { return value }
        guard let pair = try c.decodeIfPresent([Int].self, forKey: key) else { return nil }
        guard pair.count == 2, pair[0] == pair[1] else {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "only square sizes are supported, got \(pair)")
        }
        return pair[0]
    }

    /// Patches per side of the configured image.
    public var gridSize: Int { imageSize / patchSize }
    /// Number of classes (the size of `id2label`).
    public var numLabels: Int { id2label.count }
    /// Labels in class order.
    public var labels: [String] { (0..<numLabels).map { id2label[String($0)] ?? "LABEL_\($0)" } }
}
