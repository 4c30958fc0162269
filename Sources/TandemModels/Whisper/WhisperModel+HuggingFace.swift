import Foundation
import TandemNN

/// Hugging Face `openai/whisper-*` checkpoints (`WhisperForConditionalGeneration`: `config.json` +
/// `model.safetensors`, sharded or not).
extension WhisperModel {
    /// The keys of `config.json` the model needs, with the checkpoint's own names.
    struct HuggingFaceConfiguration: Decodable {
        var d_model: Int
        var encoder_layers: Int
        var decoder_layers: Int
        var encoder_attention_heads: Int
        var decoder_attention_heads: Int
        var encoder_ffn_dim: Int
        var decoder_ffn_dim: Int
        var num_mel_bins: Int
        var vocab_size: Int
        var max_source_positions: Int
        var max_target_positions: Int
    }

    /// Loads a Hugging Face Whisper directory, checking every tensor name and shape first.
    /// - Throws: `WeightsError` naming every missing, unexpected or misshapen tensor, or the missing file.
    public convenience init(huggingFaceDirectory url: URL) throws {
        let directory = try HuggingFaceDirectory(url: url, howToObtain: "(a Hugging Face openai/whisper-* directory is expected)")
        let config = try directory.decodeJSON(HuggingFaceConfiguration.self)
        let d = config.d_model
        var expected: [String: [Int]] = [
            "model.encoder.conv1.weight": [d, config.num_mel_bins, 3], "model.encoder.conv1.bias": [d],
            "model.encoder.conv2.weight": [d, d, 3], "model.encoder.conv2.bias": [d],
            "model.encoder.embed_positions.weight": [config.max_source_positions, d],
            "model.encoder.layer_norm.weight": [d], "model.encoder.layer_norm.bias": [d],
            "model.decoder.embed_tokens.weight": [config.vocab_size, d],
            "model.decoder.embed_positions.weight": [config.max_target_positions, d],
            "model.decoder.layer_norm.weight": [d], "model.decoder.layer_norm.bias": [d],
        ]
        func attention(_ prefix: String) {
            for projection in ["q_proj", "k_proj", "v_proj", "out_proj"] { expected["\(prefix).\(projection).weight"] = [d, d] }
            for projection in ["q_proj", "v_proj", "out_proj"] { expected["\(prefix).\(projection).bias"] = [d] }
        }
        func norm(_ prefix: String) { expected[prefix + ".weight"] = [d]; expected[prefix + ".bias"] = [d] }
        func ffn(_ prefix: String, hidden: Int) {
            expected[prefix + ".fc1.weight"] = [hidden, d]; expected[prefix + ".fc1.bias"] = [hidden]
            expected[prefix + ".fc2.weight"] = [d, hidden]; expected[prefix + ".fc2.bias"] = [d]
            norm(prefix + ".final_layer_norm")
        }
        for i in 0..<config.encoder_layers {
            let p = "model.encoder.layers.\(i)"
            attention(p + ".self_attn"); norm(p + ".self_attn_layer_norm"); ffn(p, hidden: config.encoder_ffn_dim)
        }
        for i in 0..<config.decoder_layers {
            let p = "model.decoder.layers.\(i)"
            attention(p + ".self_attn"); norm(p + ".self_attn_layer_norm")
            attention(p + ".encoder_attn"); norm(p + ".encoder_attn_layer_norm")
            ffn(p, hidden: config.decoder_ffn_dim)
        }
        let hf = try WeightLoader.load(expected, from: directory, ignoring: { $0 == "proj_out.weight" })
        let zeros = Tensor(zeros: [d])

        // The same layers under CTranslate2's names, fusing Q, K and V (K has no bias) as its converter does.
        var ct2: [String: Tensor] = [:]
        func copy(_ from: String, _ to: String) { ct2[to] = hf[from]! }
        func copyNorm(_ from: String, _ to: String) { copy(from + ".weight", to + "/gamma"); copy(from + ".bias", to + "/beta") }
        func fused(_ prefix: String, _ parts: [String]) -> (Tensor, Tensor) {
            (Tensor.concatenate(parts.map { hf["\(prefix).\($0).weight"]! }, axis: 0),
             Tensor.concatenate(parts.map { hf["\(prefix).\($0).bias"] ?? zeros }, axis: 0))
        }
        func copyFFN(_ from: String, _ to: String) {
            copyNorm(from + ".final_layer_norm", to + "/layer_norm")
            copy(from + ".fc1.weight", to + "/linear_0/weight"); copy(from + ".fc1.bias", to + "/linear_0/bias")
            copy(from + ".fc2.weight", to + "/linear_1/weight"); copy(from + ".fc2.bias", to + "/linear_1/bias")
        }
        for name in ["conv1", "conv2"] {
            copy("model.encoder.\(name).weight", "encoder/\(name)/weight"); copy("model.encoder.\(name).bias", "encoder/\(name)/bias")
        }
        copy("model.encoder.embed_positions.weight", "encoder/position_encodings/encodings")
        copyNorm("model.encoder.layer_norm", "encoder/layer_norm")
        copy("model.decoder.embed_tokens.weight", "decoder/embeddings/weight")
        copy("model.decoder.embed_positions.weight", "decoder/position_encodings/encodings")
        copyNorm("model.decoder.layer_norm", "decoder/layer_norm")
        for i in 0..<config.encoder_layers {
            let (from, to) = ("model.encoder.layers.\(i)", "encoder/layer_\(i)")
            copyNorm(from + ".self_attn_layer_norm", to + "/self_attention/layer_norm")
            (ct2[to + "/self_attention/linear_0/weight"], ct2[to + "/self_attention/linear_0/bias"]) = fused(from + ".self_attn", ["q_proj", "k_proj", "v_proj"])
            copy(from + ".self_attn.out_proj.weight", to + "/self_attention/linear_1/weight")
            copy(from + ".self_attn.out_proj.bias", to + "/self_attention/linear_1/bias")
            copyFFN(from, to + "/ffn")
        }
        for i in 0..<config.decoder_layers {
            let (from, to) = ("model.decoder.layers.\(i)", "decoder/layer_\(i)")
            copyNorm(from + ".self_attn_layer_norm", to + "/self_attention/layer_norm")
            (ct2[to + "/self_attention/linear_0/weight"], ct2[to + "/self_attention/linear_0/bias"]) = fused(from + ".self_attn", ["q_proj", "k_proj", "v_proj"])
            copy(from + ".self_attn.out_proj.weight", to + "/self_attention/linear_1/weight")
            copy(from + ".self_attn.out_proj.bias", to + "/self_attention/linear_1/bias")
            copyNorm(from + ".encoder_attn_layer_norm", to + "/attention/layer_norm")
            copy(from + ".encoder_attn.q_proj.weight", to + "/attention/linear_0/weight")
            copy(from + ".encoder_attn.q_proj.bias", to + "/attention/linear_0/bias")
            (ct2[to + "/attention/linear_1/weight"], ct2[to + "/attention/linear_1/bias"]) = fused(from + ".encoder_attn", ["k_proj", "v_proj"])
            copy(from + ".encoder_attn.out_proj.weight", to + "/attention/linear_2/weight")
            copy(from + ".encoder_attn.out_proj.bias", to + "/attention/linear_2/bias")
            copyFFN(from, to + "/ffn")
        }
        let tensors = ct2
        try self.init(source: url.path, contains: { tensors[$0] != nil },
                      heads: (config.encoder_attention_heads, config.decoder_attention_heads)) { name, shape in
            guard let tensor = tensors[name] else {
                throw WeightsError(.tensorNotFound, file: url.path, tensor: name, "not derivable from the checkpoint")
            }
            if let shape, shape != tensor.shape {
                throw WeightsError(.sizeMismatch, file: url.path, tensor: name, "expected \(shape), found \(tensor.shape)")
            }
            return tensor
        }
    }
}
