/// The network as Whisper's decoding sees it: an encoder for one 30 s window, and a decoder that
/// extends cached rows (one per beam) by tokens and returns the next-token logits.
///
/// Decoding (search, logit rules, fallback, long-form seeking) is written against this protocol so it is
/// tested with a small scripted model, and runs unchanged on ``WhisperModel``.
public protocol WhisperModelProtocol {
    /// The encoder's output for one window (cross-attention keys and values are made from it).
    associatedtype Encoded
    /// The decoder's per-row key/value caches.
    associatedtype Cache

    /// Number of logits per step (51864 for English-only vocabularies, 51865 multilingual, …).
    var vocabularySize: Int { get }
    /// Number of mel bins the encoder expects (80, or 128 for large-v3).
    var melCount: Int { get }

    /// Encodes one window of log-mel features, `melCount × 3000`, mel-major.
    func encode(_ features: [Float]) throws -> Encoded

    /// A cache with one empty row attending to `encoded`.
    func makeCache(for encoded: Encoded) throws -> Cache

    /// Appends `tokens[r]` to row `r` (all rows get the same number of tokens) and returns, per row,
    /// the logits that follow the last appended token.
    func decode(_ tokens: [[Int]], cache: inout Cache) throws -> [[Float]]

    /// Rebuilds the rows: new row `i` is a copy of old row `rows[i]` (beam reordering and expansion).
    func selectRows(_ rows: [Int], cache: inout Cache)

    /// Runs the decoder once over a known sequence (start sequence, `<|notimestamps|>`, text, end of text)
    /// and returns what word timing needs: the alignment heads' cross-attention over the first `frames`
    /// encoder positions, and each next token's probability among the ids below `textVocabulary`.
    /// - Parameter heads: nil for the model's default (the last half of its decoder layers).
    func alignmentScores(_ tokens: [Int], encoded: Encoded, frames: Int, heads: [WhisperAlignmentHead]?,
                         textVocabulary: Int) throws -> WhisperAlignmentScores
}

extension WhisperModelProtocol {
    /// Models that cannot show their cross-attention cannot time words.
    public func alignmentScores(_ tokens: [Int], encoded: Encoded, frames: Int, heads: [WhisperAlignmentHead]?,
                                textVocabulary: Int) throws -> WhisperAlignmentScores {
        throw WhisperAlignmentError(.unsupportedModel, "\(Self.self) returns no cross-attention")
    }
}
