/// The ranked merges of a byte-level BPE vocabulary, over token ids, and their application to one
/// pre-token (GPT-2's `bpe`, Hugging Face `tokenizers`' BPE model without dropout).
///
/// Whisper's and RoBERTa's tokenizers share it: the merge loop is the part of BPE where an
/// off-by-one in tie-breaking changes token ids, so there is one copy of it.
struct BytePairMerges: Sendable {
    private struct Pair: Hashable { var left: Int32, right: Int32 }
    private struct Merge { var rank: Int32, id: Int32 }

    /// Adjacent pair of token ids → (rank, merged id).
    private var table: [Pair: Merge] = [:]

    init() {}

    /// Number of distinct pairs.
    var count: Int { table.count }

    /// Records that `left` followed by `right` merges into `merged` at `rank` (lower merges first).
    /// A pair listed twice keeps its lowest rank, as the reference implementations do.
    mutating func add(left: Int, right: Int, merged: Int, rank: Int) {
        let pair = Pair(left: Int32(left), right: Int32(right))
        if let existing = table[pair], existing.rank <= Int32(rank) { return }
        table[pair] = Merge(rank: Int32(rank), id: Int32(merged))
    }

    /// Merges `symbols` (one pre-token's byte tokens) until no adjacent pair has a merge: each round
    /// takes the lowest-ranked pair present (the leftmost on ties) and merges every occurrence of it,
    /// left to right without overlap.
    /// - Complexity: O(n²) in the pre-token's length, which is short (a word).
    func apply(_ input: [Int32]) -> [Int32] {
        var symbols = input
        while symbols.count > 1 {
            var best: (index: Int, merge: Merge)?
            for i in 0..<(symbols.count - 1) {
                if let merge = table[Pair(left: symbols[i], right: symbols[i + 1])], merge.rank < best?.merge.rank ?? .max {
                    best = (i, merge)
                }
            }
            guard let best else { break }
            let pair = Pair(left: symbols[best.index], right: symbols[best.index + 1])
            var merged: [Int32] = []
            merged.reserveCapacity(symbols.count)
            var i = 0
            while i < symbols.count {
                if i + 1 < symbols.count, symbols[i] == pair.left, symbols[i + 1] == pair.right {
                    merged.append(best.merge.id)
                    i += 2
                } else {
                    merged.append(symbols[i])
                    i += 1
                }
            }
            symbols = merged
        }
        return symbols
    }
}
