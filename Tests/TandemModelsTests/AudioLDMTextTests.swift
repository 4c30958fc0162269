import Foundation
import Testing
import TandemNN
@testable import TandemModels

/// The text side of AudioLDM against transformers: `RobertaTokenizer` (ids and masks of
/// `RobertaTokenizer(..., padding="max_length", truncation=True)`) and `ClapTextEncoder`
/// (`ClapTextModelWithProjection.text_embeds`, and its L2-normalised form the pipeline uses).
/// References: Tools/fixtures/make_audioldm_fixtures.py and make_audioldm_text_fixtures.py.
@Suite struct AudioLDMTextTests {
    static func tokenizerURL() throws -> URL { try AudioLDMFixture.pipelineURL().appendingPathComponent("tokenizer") }

    /// `reference.json`'s tokenizer texts and the reference ids / masks as integer rows.
    static func tokenizerReference() throws -> (texts: [String], ids: [[Int]], mask: [[Int]]) {
        // reference.json holds Python's `-Infinity` (DPM-Solver's lambda_min_clipped), which JSON lacks and
        // Foundation refuses; it is read here with that value as null.
        let text = try String(contentsOf: AudioLDMFixture.url("reference.json"), encoding: .utf8)
        let data = Data(text.replacingOccurrences(of: ": -Infinity", with: ": null").utf8)
        let settings = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let texts = try #require(settings?["tokenizer_texts"] as? [String])
        func rows(_ key: String) throws -> [[Int]] {
            let tensor = try AudioLDMFixture.reference(key)
            let width = tensor.shape[1]
            return (0..<tensor.shape[0]).map { row in tensor.scalars[row * width..<(row + 1) * width].map { Int($0) } }
        }
        return (texts, try rows("tokenizer.input_ids"), try rows("tokenizer.attention_mask"))
    }

    static func textCases() throws -> [String: Any] {
        let data = try Data(contentsOf: AudioLDMFixture.url("text-cases/cases.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    // MARK: - Tokenizer

    @Test func tokenizerMatchesTransformersOnThePipelineFixture() throws {
        let tokenizer = try RobertaTokenizer(directory: Self.tokenizerURL())
        #expect(tokenizer.maxLength == 77)
        let reference = try Self.tokenizerReference()
        for (index, text) in reference.texts.enumerated() {
            let (ids, mask) = tokenizer.padded(text)
            #expect(ids == reference.ids[index], "ids of \(text.debugDescription)")
            #expect(mask == reference.mask[index], "mask of \(text.debugDescription)")
        }
    }

    /// A folder with only tokenizer.json (no vocab.json / merges.txt) gives the same ids.
    @Test func tokenizerReadsTokenizerJSONAlone() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-roberta-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["tokenizer.json", "tokenizer_config.json"] {
            try FileManager.default.copyItem(at: Self.tokenizerURL().appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        let tokenizer = try RobertaTokenizer(directory: folder)
        let reference = try Self.tokenizerReference()
        for (index, text) in reference.texts.enumerated() {
            #expect(tokenizer.padded(text).ids == reference.ids[index], "ids of \(text.debugDescription)")
        }
    }

    /// Contractions, digits, newlines, runs of spaces, non-ASCII, special tokens written in the text and
    /// an over-long text, for the pipeline's tokenizer and for a published-style folder (vocab.json +
    /// merges.txt, AddedToken objects with `<mask>` lstrip, model_max_length 512).
    @Test(arguments: ["pipeline", "wide"])
    func tokenizerMatchesTransformersOnMoreTexts(_ name: String) throws {
        let cases = try Self.textCases()
        let texts = try #require(cases["texts"] as? [String])
        let expected = try #require(cases[name] as? [String: Any])
        let folder = name == "pipeline" ? try Self.tokenizerURL() : try AudioLDMFixture.url("text-cases/wide")
        let tokenizer = try RobertaTokenizer(directory: folder)
        #expect(tokenizer.maxLength == expected["model_max_length"] as? Int)
        let unpadded = try #require(expected["unpadded"] as? [[Int]])
        let ids = try #require(expected["input_ids"] as? [[Int]])
        let masks = try #require(expected["attention_mask"] as? [[Int]])
        for (index, text) in texts.enumerated() {
            #expect(tokenizer.encode(text) == unpadded[index], "\(name): unpadded ids of \(text.prefix(60).debugDescription)")
            let padded = tokenizer.padded(text)
            #expect(padded.ids == ids[index], "\(name): ids of \(text.prefix(60).debugDescription)")
            #expect(padded.mask == masks[index], "\(name): mask of \(text.prefix(60).debugDescription)")
        }
    }

    @Test func paddedTakesAnExplicitLength() throws {
        let tokenizer = try RobertaTokenizer(directory: Self.tokenizerURL())
        let full = tokenizer.encode("a dog barks in the distance")
        let short = tokenizer.padded("a dog barks in the distance", length: 4)
        #expect(short.ids == [full[0], full[1], full[2], full.last!])
        #expect(short.mask == [1, 1, 1, 1])
        let long = tokenizer.padded("", length: 5)
        #expect(long.ids == [tokenizer.startID, tokenizer.endID, tokenizer.padID, tokenizer.padID, tokenizer.padID])
        #expect(long.mask == [1, 1, 0, 0, 0])
    }

    @Test func tokenizerErrorsNameTheFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-roberta-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        func expectError(containing parts: [String]) {
            do {
                _ = try RobertaTokenizer(directory: folder)
                Issue.record("expected an error mentioning \(parts)")
            } catch {
                let text = "\(error)"
                for part in parts { #expect(text.contains(part), "\(text)") }
            }
        }
        expectError(containing: ["tokenizer_config.json", "missing"])
        let source = try Self.tokenizerURL()
        for name in ["vocab.json", "merges.txt"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        try Data(#"{"tokenizer_class": "RobertaTokenizer"}"#.utf8).write(to: folder.appendingPathComponent("tokenizer_config.json"))
        expectError(containing: ["tokenizer_config.json", "model_max_length"])
        try Data(#"{"model_max_length": 77, "pad_token": "<nothing>"}"#.utf8).write(to: folder.appendingPathComponent("tokenizer_config.json"))
        expectError(containing: ["merges.txt", "pad_token", "<nothing>"])
        try Data(#"{"model_max_length": 77}"#.utf8).write(to: folder.appendingPathComponent("tokenizer_config.json"))
        try Data("#version: 0.2\nĠ zzzz\n".utf8).write(to: folder.appendingPathComponent("merges.txt"))
        expectError(containing: ["merges.txt", "Ġ zzzz"])
    }

    // MARK: - Text encoder

    @Test func textEncoderMatchesTransformers() throws {
        let encoder = try ClapTextEncoder(directory: AudioLDMFixture.component("text_encoder"))
        #expect(encoder.projectionDimension == 8)
        let reference = try Self.tokenizerReference()
        let unnormalised = encoder.textEmbeddings(ids: reference.ids, mask: reference.mask)
        let expected = try AudioLDMFixture.reference("text.unnormalised")
        #expect(unnormalised.shape == expected.shape)
        #expect(Tensor.relativeDifference(unnormalised, expected) <= 1e-4)
        let normalised = encoder.normalisedEmbeddings(ids: reference.ids, mask: reference.mask)
        let expectedNormalised = try AudioLDMFixture.reference("text.text_embeds")
        #expect(Tensor.relativeDifference(normalised, expectedNormalised) <= 1e-4)
        // One row alone gives the same embedding as in the batch (its padding is its own).
        let single = encoder.textEmbeddings(ids: [reference.ids[3]], mask: [reference.mask[3]])
        #expect(Tensor.relativeDifference(single, expected.slice(axis: 0, 3..<4)) <= 1e-4)
    }

    /// Masks the tokenizer does not make: left padding, a hidden token inside the text, `<pad>` ids
    /// inside the text, ragged right padding, no padding.
    @Test(arguments: ["left", "hole", "pad_ids", "ragged", "full"])
    func textEncoderHandlesOtherMasks(_ name: String) throws {
        let encoder = try ClapTextEncoder(directory: AudioLDMFixture.component("text_encoder"))
        let file = try SafetensorsFile(url: AudioLDMFixture.url("text-cases/encoder.safetensors"))
        func rows(_ tensor: Tensor) -> [[Int]] {
            let width = tensor.shape[1]
            return (0..<tensor.shape[0]).map { row in tensor.scalars[row * width..<(row + 1) * width].map { Int($0) } }
        }
        let ids = rows(try file.tensor(named: "\(name).ids")), mask = rows(try file.tensor(named: "\(name).mask"))
        let result = encoder.textEmbeddings(ids: ids, mask: mask)
        #expect(Tensor.relativeDifference(result, try file.tensor(named: "\(name).text_embeds")) <= 1e-4)
    }

    /// Checkpoints with and without transformers' `position_ids` / `token_type_ids` buffers load alike.
    @Test func textEncoderLoadsWithoutBuffers() throws {
        let directory = try HuggingFaceDirectory(url: AudioLDMFixture.url("text-cases/text_encoder_without_buffers"))
        #expect(directory.shape(of: "text_model.embeddings.position_ids") == nil)
        let encoder = try ClapTextEncoder(directory: directory)
        let reference = try Self.tokenizerReference()
        let result = encoder.textEmbeddings(ids: reference.ids, mask: reference.mask)
        #expect(Tensor.relativeDifference(result, try AudioLDMFixture.reference("text.unnormalised")) <= 1e-4)
    }

    @Test func textEncoderRefusesConfigurationsItCannotCompute() throws {
        let source = try AudioLDMFixture.pipelineURL().appendingPathComponent("text_encoder")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-clap-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(at: source.appendingPathComponent("model.safetensors"), to: folder.appendingPathComponent("model.safetensors"))
        var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("config.json"))) as? [String: Any])
        func load(_ changes: [String: Any]) throws {
            var changed = config
            for (key, value) in changes { changed[key] = value }
            try JSONSerialization.data(withJSONObject: changed).write(to: folder.appendingPathComponent("config.json"))
            _ = try ClapTextEncoder(directory: HuggingFaceDirectory(url: folder))
        }
        for (change, field) in [(["hidden_act": "quick_gelu"], "hidden_act"), (["projection_hidden_act": "mish"], "projection_hidden_act"),
                                (["position_embedding_type": "relative_key"], "position_embedding_type"),
                                (["num_attention_heads": 3], "num_attention_heads")] as [([String: Any], String)] {
            do {
                try load(change)
                Issue.record("\(change) was accepted")
            } catch let error as AudioLDMError {
                #expect(error.code == .unsupportedConfiguration)
                #expect(error.file?.hasSuffix("config.json") == true)
                #expect(error.message.contains(field), "\(error)")
            }
        }
        // A checkpoint of another size: every misshapen tensor is listed.
        config["intermediate_size"] = 40
        do {
            try load([:])
            Issue.record("a checkpoint with intermediate_size 37 loaded as 40")
        } catch let error as WeightsError {
            #expect(error.code == .parameterMismatch)
            #expect(error.wrongShape.contains { $0.name == "text_model.encoder.layer.0.intermediate.dense.weight" })
        }
    }
}
