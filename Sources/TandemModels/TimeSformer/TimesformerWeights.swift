import TandemNN

/// A linear layer's parameters in PyTorch layout.
struct LinearWeights: Sendable {
    var weight: Tensor
    var bias: Tensor?

    func callAsFunction(_ x: Tensor, activation: Activation? = nil, residual: Tensor? = nil) -> Tensor {
        Tensor.linear(x, weight: weight, bias: bias, activation: activation, residual: residual)
    }
}

/// A layer norm's parameters.
struct LayerNormWeights: Sendable {
    var weight: Tensor
    var bias: Tensor
}

/// One encoder layer; the temporal parts exist only for divided space-time attention.
struct TimesformerLayerWeights: Sendable {
    var qkv: LinearWeights
    var attentionOutput: LinearWeights
    var layerNormBefore: LayerNormWeights
    var layerNormAfter: LayerNormWeights
    var intermediate: LinearWeights
    var output: LinearWeights
    var temporalQKV: LinearWeights?
    var temporalOutput: LinearWeights?
    var temporalDense: LinearWeights?
    var temporalLayerNorm: LayerNormWeights?
}

/// Every parameter of a TimeSformer, by role.
struct TimesformerWeights: Sendable {
    var clsToken: Tensor            // [1, 1, D]
    var positionEmbeddings: Tensor  // [1, N + 1, D]
    var timeEmbeddings: Tensor?     // [1, T, D]
    var patchProjection: LinearWeights  // conv weight [D, C, p, p] viewed as [D, C·p·p]
    var layers: [TimesformerLayerWeights]
    var layerNorm: LayerNormWeights
    var classifier: LinearWeights?
}

extension TimesformerWeights {
    /// The checkpoint key and shape of every parameter (transformers' state-dict names).
    /// - Parameters:
    ///   - prefix: `"timesformer."` for `TimesformerForVideoClassification` checkpoints, `""` for `TimesformerModel`.
    ///   - classifier: whether a `classifier.{weight,bias}` head is expected.
    static func parameterShapes(_ config: TimesformerConfiguration, prefix: String, classifier: Bool) -> [String: [Int]] {
        let d = config.hiddenSize, p = config.patchSize
        var shapes: [String: [Int]] = [
            "\(prefix)embeddings.cls_token": [1, 1, d],
            "\(prefix)embeddings.position_embeddings": [1, config.gridSize * config.gridSize + 1, d],
            "\(prefix)embeddings.patch_embeddings.projection.weight": [d, config.numChannels, p, p],
            "\(prefix)embeddings.patch_embeddings.projection.bias": [d],
            "\(prefix)layernorm.weight": [d], "\(prefix)layernorm.bias": [d],
        ]
        if config.attentionType != .spaceOnly { shapes["\(prefix)embeddings.time_embeddings"] = [1, config.numFrames, d] }
        func linear(_ name: String, _ out: Int, _ inFeatures: Int, bias: Bool = true) {
            shapes["\(name).weight"] = [out, inFeatures]
            if bias { shapes["\(name).bias"] = [out] }
        }
        func norm(_ name: String) { shapes["\(name).weight"] = [d]; shapes["\(name).bias"] = [d] }
        for i in 0..<config.numHiddenLayers {
            let layer = "\(prefix)encoder.layer.\(i)."
            linear(layer + "attention.attention.qkv", 3 * d, d, bias: config.qkvBias)
            linear(layer + "attention.output.dense", d, d)
            norm(layer + "layernorm_before")
            norm(layer + "layernorm_after")
            linear(layer + "intermediate.dense", config.intermediateSize, d)
            linear(layer + "output.dense", d, config.intermediateSize)
            if config.attentionType == .dividedSpaceTime {
                linear(layer + "temporal_attention.attention.qkv", 3 * d, d, bias: config.qkvBias)
                linear(layer + "temporal_attention.output.dense", d, d)
                linear(layer + "temporal_dense", d, d)
                norm(layer + "temporal_layernorm")
            }
        }
        if classifier { linear("classifier", config.numLabels, d) }
        return shapes
    }

    /// Assembles the weights from tensors keyed as `parameterShapes` names them.
    init(_ config: TimesformerConfiguration, tensors: [String: Tensor], prefix: String, classifier hasClassifier: Bool) {
        func t(_ name: String) -> Tensor { tensors[name]! }
        func linear(_ name: String, bias: Bool = true) -> LinearWeights { LinearWeights(weight: t("\(name).weight"), bias: bias ? t("\(name).bias") : nil) }
        func norm(_ name: String) -> LayerNormWeights { LayerNormWeights(weight: t("\(name).weight"), bias: t("\(name).bias")) }
        let d = config.hiddenSize
        clsToken = t("\(prefix)embeddings.cls_token")
        positionEmbeddings = t("\(prefix)embeddings.position_embeddings")
        timeEmbeddings = config.attentionType == .spaceOnly ? nil : t("\(prefix)embeddings.time_embeddings")
        patchProjection = LinearWeights(weight: t("\(prefix)embeddings.patch_embeddings.projection.weight").reshaped([d, -1]),
                                        bias: t("\(prefix)embeddings.patch_embeddings.projection.bias"))
        layers = (0..<config.numHiddenLayers).map { i in
            let layer = "\(prefix)encoder.layer.\(i)."
            let divided = config.attentionType == .dividedSpaceTime
            return TimesformerLayerWeights(
                qkv: linear(layer + "attention.attention.qkv", bias: config.qkvBias),
                attentionOutput: linear(layer + "attention.output.dense"),
                layerNormBefore: norm(layer + "layernorm_before"), layerNormAfter: norm(layer + "layernorm_after"),
                intermediate: linear(layer + "intermediate.dense"), output: linear(layer + "output.dense"),
                temporalQKV: divided ? linear(layer + "temporal_attention.attention.qkv", bias: config.qkvBias) : nil,
                temporalOutput: divided ? linear(layer + "temporal_attention.output.dense") : nil,
                temporalDense: divided ? linear(layer + "temporal_dense") : nil,
                temporalLayerNorm: divided ? norm(layer + "temporal_layernorm") : nil)
        }
        layerNorm = norm("\(prefix)layernorm")
        classifier = hasClassifier ? linear("classifier") : nil
    }
}
