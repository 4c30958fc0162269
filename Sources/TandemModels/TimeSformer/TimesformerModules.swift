import TandemNN

/// One encoder layer (`TimesformerLayer`); the temporal parts exist only for divided space-time attention.
struct TimesformerLayer: Sendable {
    /// `attention.attention.qkv` and `attention.output.dense`.
    var attention: MultiHeadAttention
    var layerNormBefore: LayerNorm
    var layerNormAfter: LayerNorm
    var intermediate: Linear
    var output: Linear
    /// `temporal_attention.attention.qkv` and `temporal_attention.output.dense`.
    var temporalAttention: MultiHeadAttention?
    var temporalDense: Linear?
    var temporalLayerNorm: LayerNorm?
}

/// The layers of a TimeSformer, built from the shared `TandemNN` layers under transformers'
/// state-dict names (`TimesformerModel`; `TimesformerForVideoClassification` adds the
/// `timesformer.` prefix and a `classifier`).
struct TimesformerModules: Sendable {
    var clsToken: Tensor            // [1, 1, D]
    var positionEmbeddings: Tensor  // [1, N + 1, D]
    var timeEmbeddings: Tensor?     // [1, T, D]
    var patchEmbedding: Conv2d      // kernel = stride = patch size
    var layers: [TimesformerLayer]
    var layerNorm: LayerNorm
    var classifier: Linear?

    /// Reads every layer.
    /// - Parameters:
    ///   - weights: a reader at the checkpoint's root.
    ///   - prefix: `"timesformer"` for classification checkpoints, `""` for a bare `TimesformerModel`.
    ///   - classifier: whether a `classifier.{weight,bias}` head is read (at the root).
    init(_ config: TimesformerConfiguration, weights: WeightReader, prefix: String, classifier hasClassifier: Bool) {
        let d = config.hiddenSize, p = config.patchSize, eps = config.layerNormEps
        let model = prefix.isEmpty ? weights : weights.scoped(prefix)
        let embeddings = model.scoped("embeddings")
        clsToken = embeddings.tensor("cls_token", shape: [1, 1, d])
        positionEmbeddings = embeddings.tensor("position_embeddings", shape: [1, config.gridSize * config.gridSize + 1, d])
        timeEmbeddings = config.attentionType == .spaceOnly ? nil : embeddings.tensor("time_embeddings", shape: [1, config.numFrames, d])
        patchEmbedding = Conv2d(embeddings, "patch_embeddings.projection", inChannels: config.numChannels, outChannels: d,
                                kernelSize: p, stride: p)
        layers = (0..<config.numHiddenLayers).map { i in
            let layer = model.scoped("encoder.layer.\(i)")
            let divided = config.attentionType == .dividedSpaceTime
            func attention(_ key: String) -> MultiHeadAttention {
                MultiHeadAttention(layer, key, kind: .selfAttention, width: d, heads: config.numAttentionHeads,
                                   projections: .fusedQKV("attention.qkv", output: "output.dense"), bias: config.qkvBias)
            }
            return TimesformerLayer(
                attention: attention("attention"),
                layerNormBefore: LayerNorm(layer, "layernorm_before", size: d, eps: eps),
                layerNormAfter: LayerNorm(layer, "layernorm_after", size: d, eps: eps),
                intermediate: Linear(layer, "intermediate.dense", inFeatures: d, outFeatures: config.intermediateSize),
                output: Linear(layer, "output.dense", inFeatures: config.intermediateSize, outFeatures: d),
                temporalAttention: divided ? attention("temporal_attention") : nil,
                temporalDense: divided ? Linear(layer, "temporal_dense", inFeatures: d, outFeatures: d) : nil,
                temporalLayerNorm: divided ? LayerNorm(layer, "temporal_layernorm", size: d, eps: eps) : nil)
        }
        layerNorm = LayerNorm(model, "layernorm", size: d, eps: eps)
        classifier = hasClassifier ? Linear(weights, "classifier", inFeatures: d, outFeatures: config.numLabels) : nil
    }

    /// The checkpoint key and shape of every parameter (transformers' state-dict names), as the layers read them.
    /// - Parameters:
    ///   - prefix: `"timesformer."` for `TimesformerForVideoClassification` checkpoints, `""` for `TimesformerModel`.
    ///   - classifier: whether a `classifier.{weight,bias}` head is expected.
    static func parameterShapes(_ config: TimesformerConfiguration, prefix: String, classifier: Bool) -> [String: [Int]] {
        // Zeros stand in for the values: only the keys and shapes asked for matter here.
        let weights = WeightReader(generating: { _, shape in Tensor(zeros: shape) })
        _ = TimesformerModules(config, weights: weights, prefix: String(prefix.dropLast(prefix.hasSuffix(".") ? 1 : 0)), classifier: classifier)
        return weights.requested
    }
}

/// The name earlier code and the tests use for the model's parameters.
typealias TimesformerWeights = TimesformerModules
