import Foundation
import TandemModels
import TandemNN

// AudioLDM's CLAP text encoder on the inputs one generation gives it: a prompt and the empty negative
// prompt, padded to 512 as diffusers pads them for the published checkpoints, and, for the raw
// compute, two texts of 512 real tokens. `TANDEM_CLAP_TEXT` is a `text_encoder/` folder
// (Tools/bench/audioldm_text_peer.py writes a random roberta-base-size one); without it the suite has
// no cases. With `TANDEM_CLAP_TEXT_OUT`, the embeddings of both cases are written there as JSON for
// comparison with transformers.
let audioLDMTextBenchSuite = BenchSuite(name: "audioldm-text") {
    let environment = ProcessInfo.processInfo.environment
    guard let path = environment["TANDEM_CLAP_TEXT"] else { return [] }
    let encoder = try ClapTextEncoder(directory: HuggingFaceDirectory(url: URL(fileURLWithPath: path)))
    let inputs = AudioLDMTextBenchInputs(padTokenID: encoder.configuration.padTokenId)
    if let output = environment["TANDEM_CLAP_TEXT_OUT"] {
        let results = [inputs.pipeline, inputs.full].map { batch in encoder.textEmbeddings(ids: batch.ids, mask: batch.mask).scalars }
        try JSONEncoder().encode(results).write(to: URL(fileURLWithPath: output))
    }
    return [
        BenchCase(name: "prompt + negative, padded to 512", units: 2, unitName: "texts") {
            _ = encoder.textEmbeddings(ids: inputs.pipeline.ids, mask: inputs.pipeline.mask)
        },
        BenchCase(name: "2 texts of 512 tokens", units: 2, unitName: "texts") {
            _ = encoder.textEmbeddings(ids: inputs.full.ids, mask: inputs.full.mask)
        },
    ]
}

/// The token ids both sides run (Tools/bench/audioldm_text_peer.py builds the same): `<s>` = 0, `</s>` = 2.
struct AudioLDMTextBenchInputs: Sendable {
    var pipeline: (ids: [[Int]], mask: [[Int]])
    var full: (ids: [[Int]], mask: [[Int]])

    init(padTokenID pad: Int) {
        let length = 512
        let prompt = [0] + (0..<12).map { 100 + 37 * $0 } + [2]
        let negative = [0, 2]
        func padded(_ ids: [Int]) -> ([Int], [Int]) {
            (ids + [Int](repeating: pad, count: length - ids.count),
             [Int](repeating: 1, count: ids.count) + [Int](repeating: 0, count: length - ids.count))
        }
        let (p, pm) = padded(prompt), (n, nm) = padded(negative)
        pipeline = ([n, p], [nm, pm])
        let long = (0..<2).map { row in [0] + (0..<(length - 2)).map { 3 + (row * 7919 + $0 * 104_729) % 50_000 } + [2] }
        full = (long, [[Int]](repeating: [Int](repeating: 1, count: length), count: 2))
    }
}
