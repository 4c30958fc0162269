import Foundation
import TandemNN

/// TimeSformer (Bertasius et al., 2021) exactly as transformers' `TimesformerModel` and
/// `TimesformerForVideoClassification` compute it, on Tandem's CPU tensor runtime.
///
/// Input clips are pixel tensors [T, C, H, W] (or batches [B, T, C, H, W]) as
/// `TimesformerPreprocessor` makes them. The model is immutable after loading and `Sendable`;
/// a forward pass allocates its own activations, so one model can serve several callers.
public struct TimesformerModel: Sendable {
    public let configuration: TimesformerConfiguration
    let weights: TimesformerModules

    /// What to tell a user who has no checkpoint.
    public static let howToObtain = """
        TimeSformer needs a Hugging Face checkpoint directory (config.json + model.safetensors). On a machine \
        with network access run `huggingface-cli download facebook/timesformer-base-finetuned-k400 \
        --local-dir timesformer-base-finetuned-k400` (or the -hr-/-large-/-k600/-ssv2 variants) and copy that \
        directory here.
        """

    /// Loads a checkpoint directory as the hub serves it.
    ///
    /// Keys may carry the `timesformer.` prefix of `TimesformerForVideoClassification` (then the
    /// `classifier` head is expected too) or none (a bare `TimesformerModel`).
    /// - Throws: `WeightsError`: `.missingFile` (naming the file and how to obtain a checkpoint),
    ///   `.invalidConfiguration`, or `.parameterMismatch` listing every missing, unexpected or
    ///   wrongly shaped tensor.
    public static func load(directory: URL) throws -> TimesformerModel {
        let source = try HuggingFaceDirectory(url: directory, howToObtain: howToObtain)
        let configuration = try source.decodeJSON(TimesformerConfiguration.self)
        try validate(configuration, file: directory.appendingPathComponent("config.json").path)
        let prefix = source.shape(of: "timesformer.embeddings.cls_token") != nil ? "timesformer" : ""
        let weights = WeightReader(source)
        let modules = TimesformerModules(configuration, weights: weights, prefix: prefix, classifier: !prefix.isEmpty)
        try weights.finish()
        return TimesformerModel(configuration: configuration, weights: modules)
    }

    /// Loads from a path.
    public static func load(path: String) throws -> TimesformerModel { try load(directory: URL(fileURLWithPath: path)) }

    static func validate(_ c: TimesformerConfiguration, file: String) throws {
        var problems: [String] = []
        if c.hiddenAct != "gelu" { problems.append("hidden_act '\(c.hiddenAct)' (only exact 'gelu' is implemented)") }
        if c.hiddenSize % max(c.numAttentionHeads, 1) != 0 { problems.append("hidden_size \(c.hiddenSize) not divisible by \(c.numAttentionHeads) heads") }
        if c.patchSize <= 0 || c.imageSize < c.patchSize { problems.append("image_size \(c.imageSize) / patch_size \(c.patchSize)") }
        if c.numFrames <= 0 || c.numHiddenLayers < 0 { problems.append("num_frames \(c.numFrames) / num_hidden_layers \(c.numHiddenLayers)") }
        if !problems.isEmpty {
            throw WeightsError(.invalidConfiguration, file: file, "unsupported TimeSformer configuration: " + problems.joined(separator: "; "))
        }
    }

    init(configuration: TimesformerConfiguration, weights: TimesformerModules) {
        self.configuration = configuration
        self.weights = weights
    }

    /// A model with random weights (uniform, std 0.02; layer norms 1 and 0), for shape tests
    /// and benchmarks only — never used in place of a missing checkpoint.
    public init(randomWeightsFor configuration: TimesformerConfiguration, seed: UInt64 = 0, classifier: Bool = true) {
        var state = seed &+ 0x9E37_79B9_7F4A_7C15
        let weights = WeightReader(generating: { name, shape in
            if name.contains("layernorm") { return Tensor(repeating: name.hasSuffix("weight") ? 1 : 0, shape: shape) }
            return Tensor(shape: shape) { out in
                for i in out.indices {
                    // Uniform with std 0.02: cheap enough for 121 M values in a test.
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    out[i] = (Float(state >> 40) / Float(1 << 24) - 0.5) * 0.02 * 3.4641016
                }
            }
        })
        self.init(configuration: configuration,
                  weights: TimesformerModules(configuration, weights: weights, prefix: "timesformer", classifier: classifier))
    }

    /// The encoder's outputs for a batch of clips.
    public struct Output: Sendable {
        /// [B, 1 + N·T, D] after the final layer norm ([B·T, 1 + N, D] for `space_only`), as HF's `last_hidden_state`.
        public var lastHiddenState: Tensor
        /// [B, labels] from the classifier on token 0 ([B·T, labels] for `space_only`), as HF's `logits`; nil without a head.
        public var logits: Tensor?
    }

    /// Runs the model on pixel values [B, T, C, H, W] (or one clip [T, C, H, W]).
    /// - Complexity: about 391.7 GFLOP for the base model on 8 frames of 224².
    public func forward(pixelValues: Tensor) -> Output {
        let pixels = pixelValues.rank == 4 ? pixelValues.reshaped([1] + pixelValues.shape) : pixelValues
        precondition(pixels.rank == 5 && pixels.shape[2] == configuration.numChannels,
                     "TimeSformer expects [B, T, \(configuration.numChannels), H, W], got \(pixelValues.shape)")
        var hidden = embeddings(pixels)
        for layer in weights.layers {
            hidden = configuration.attentionType == .dividedSpaceTime ? dividedLayer(layer, hidden) : plainLayer(layer, hidden)
        }
        let last = weights.layerNorm(hidden)
        let logits = weights.classifier.map { head in head(last.slice(axis: 1, 0..<1).reshaped([last.shape[0], -1])) }
        return Output(lastHiddenState: last, logits: logits)
    }
}
