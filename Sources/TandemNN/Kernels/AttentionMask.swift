/// Which keys each query may see, beyond "all of them".
public enum AttentionMask: Sendable {
    /// Query i (at absolute position Lk − Lq + i) sees keys 0 ... Lk − Lq + i (decoders).
    case causal
    /// Batch item b sees only its first `lengths[b]` keys: right-padded sequences (a tokenizer's
    /// attention mask of ones then zeros, as RoBERTa/CLAP batches have).
    case keyLengths([Int])
    /// Added to the scaled logits before the softmax: [B or 1, Lq or 1, Lk] (PyTorch's float `attn_mask`,
    /// with −∞ or a large negative number where a key is hidden).
    case additive(Tensor)
}
