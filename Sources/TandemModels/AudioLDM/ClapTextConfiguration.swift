import TandemNN

/// The CLAP text encoder's hyper-parameters, decoded from `text_encoder/config.json` with its own key
/// names (transformers `ClapTextConfig`); absent keys take transformers' defaults (roberta-base size).
public struct ClapTextConfiguration: Decodable, Sendable, Equatable {
    public var vocabSize = 50265
    public var hiddenSize = 768
    public var numHiddenLayers = 12
    public var numAttentionHeads = 12
    public var intermediateSize = 3072
    /// The feed-forward activation (`gelu` is the exact, erf form).
    public var hiddenAct = "gelu"
    public var maxPositionEmbeddings = 514
    public var typeVocabSize = 1
    public var layerNormEps: Float = 1e-12
    public var projectionDim = 512
    public var projectionHiddenAct = "relu"
    /// The padding id; RoBERTa counts positions from `pad_token_id + 1` and gives padding position `pad_token_id`.
    public var padTokenId = 1
    /// Older configurations state it; only `absolute` is what transformers computes.
    public var positionEmbeddingType = "absolute"

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", intermediateSize = "intermediate_size", hiddenAct = "hidden_act"
        case maxPositionEmbeddings = "max_position_embeddings", typeVocabSize = "type_vocab_size"
        case layerNormEps = "layer_norm_eps", projectionDim = "projection_dim", projectionHiddenAct = "projection_hidden_act"
        case padTokenId = "pad_token_id", positionEmbeddingType = "position_embedding_type"
    }

    /// transformers' defaults.
    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ClapTextConfiguration()
        vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? d.vocabSize
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? d.hiddenSize
        numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .numHiddenLayers) ?? d.numHiddenLayers
        numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? d.numAttentionHeads
        intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? d.intermediateSize
        hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? d.hiddenAct
        maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? d.maxPositionEmbeddings
        typeVocabSize = try c.decodeIfPresent(Int.self, forKey: .typeVocabSize) ?? d.typeVocabSize
        layerNormEps = try c.decodeIfPresent(Float.self, forKey: .layerNormEps) ?? d.layerNormEps
        projectionDim = try c.decodeIfPresent(Int.self, forKey: .projectionDim) ?? d.projectionDim
        projectionHiddenAct = try c.decodeIfPresent(String.self, forKey: .projectionHiddenAct) ?? d.projectionHiddenAct
        // `null` pad id: transformers then has no padding index, which RoBERTa's positions need.
        padTokenId = try c.decodeIfPresent(Int.self, forKey: .padTokenId) ?? d.padTokenId
        positionEmbeddingType = try c.decodeIfPresent(String.self, forKey: .positionEmbeddingType) ?? d.positionEmbeddingType
    }

    /// The activation transformers' `ACT2FN` names, for those Tandem computes exactly.
    static func activation(named name: String) -> Activation? {
        switch name {
        case "gelu": .gelu
        case "gelu_new", "gelu_pytorch_tanh": .geluTanh
        case "relu": .relu
        case "silu", "swish": .silu
        case "tanh": .tanh
        case "sigmoid": .sigmoid
        default: nil
        }
    }

    /// Every field the encoder cannot compute, each naming the config key (empty when it can).
    var problems: [String] {
        var problems: [String] = []
        func positive(_ value: Int, _ key: String) { if value <= 0 { problems.append("\(key) is \(value); it must be positive") } }
        positive(vocabSize, "vocab_size")
        positive(hiddenSize, "hidden_size")
        positive(numAttentionHeads, "num_attention_heads")
        positive(intermediateSize, "intermediate_size")
        positive(typeVocabSize, "type_vocab_size")
        positive(projectionDim, "projection_dim")
        if numHiddenLayers < 1 { problems.append("num_hidden_layers is \(numHiddenLayers); at least 1 is needed") }
        if numAttentionHeads > 0, hiddenSize % numAttentionHeads != 0 {
            problems.append("hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(numAttentionHeads)")
        }
        if Self.activation(named: hiddenAct) == nil {
            problems.append("hidden_act '\(hiddenAct)' is not one of gelu, gelu_new, gelu_pytorch_tanh, relu, silu, swish, tanh, sigmoid")
        }
        if Self.activation(named: projectionHiddenAct) == nil {
            problems.append("projection_hidden_act '\(projectionHiddenAct)' is not one of gelu, gelu_new, gelu_pytorch_tanh, relu, silu, swish, tanh, sigmoid")
        }
        if positionEmbeddingType != "absolute" {
            problems.append("position_embedding_type '\(positionEmbeddingType)' is not 'absolute', the only kind transformers' CLAP text model computes")
        }
        if padTokenId < 0 || padTokenId >= vocabSize { problems.append("pad_token_id \(padTokenId) is outside the vocabulary of \(vocabSize)") }
        if maxPositionEmbeddings < padTokenId + 2 {
            problems.append("max_position_embeddings \(maxPositionEmbeddings) leaves no position after pad_token_id \(padTokenId)")
        }
        if !(layerNormEps > 0) { problems.append("layer_norm_eps \(layerNormEps) must be positive") }
        return problems
    }

    /// The longest sequence the position table holds: positions run from `pad_token_id + 1`.
    public var maxSequenceLength: Int { maxPositionEmbeddings - padTokenId - 1 }
}
