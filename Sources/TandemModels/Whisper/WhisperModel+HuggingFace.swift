import Foundation
import TandemNN

/// Hugging Face `openai/whisper-*` checkpoints (`WhisperForConditionalGeneration`: `config.json` +
/// `model.safetensors`, sharded or not), read under transformers' own names.
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

    /// Loads a Hugging Face Whisper directory, checking every tensor name and shape.
    ///
    /// The separate Q, K and V projections are fused as they are read (K has no bias: zeros), as
    /// CTranslate2's converter fuses them; `proj_out.weight` is the tied token table.
    /// - Throws: `WeightsError` naming every missing, unexpected or misshapen tensor, or the missing file.
    public convenience init(huggingFaceDirectory url: URL) throws {
        let directory = try HuggingFaceDirectory(url: url, howToObtain: "(a Hugging Face openai/whisper-* directory is expected)")
        let config = try directory.decodeJSON(HuggingFaceConfiguration.self)
        let dimensions = Dimensions(
            width: config.d_model, mels: config.num_mel_bins, vocabulary: config.vocab_size,
            encoderLayers: config.encoder_layers, decoderLayers: config.decoder_layers,
            encoderHeads: config.encoder_attention_heads, decoderHeads: config.decoder_attention_heads,
            encoderFFN: config.encoder_ffn_dim, decoderFFN: config.decoder_ffn_dim,
            encoderPositions: config.max_source_positions, decoderPositions: config.max_target_positions)
        let weights = WeightReader(directory)
        try self.init(weights, names: .huggingFace, dimensions: dimensions)
        try weights.finish(ignoring: { $0 == "proj_out.weight" })
    }
}
