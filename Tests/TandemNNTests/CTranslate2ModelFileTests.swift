import Foundation
import Testing
@testable import TandemNN

/// Writes `model.bin` bytes the way `ModelSpec._serialize` does, so the tests can make tiny and broken files.
private struct ModelBinWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func u16(_ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
    mutating func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
    mutating func string(_ text: String) {
        let utf8 = Array(text.utf8)
        u16(UInt16(utf8.count + 1))
        bytes += utf8
        bytes.append(0)
    }
    mutating func variable(_ name: String, shape: [UInt32], type: UInt8, data: [UInt8]) {
        string(name)
        u8(UInt8(shape.count))
        shape.forEach { u32($0) }
        u8(type)
        u32(UInt32(data.count))
        bytes += data
    }

    static func floats(_ values: [Float]) -> [UInt8] { values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } } }
    static func halves(_ values: [Float]) -> [UInt8] {
        values.flatMap { v in withUnsafeBytes(of: Float16(v).bitPattern.littleEndian) { Array($0) } }
    }

    /// A small valid file: f32, f16, bf16, an int8 weight with per-row scale, an int scalar, and one alias.
    static func sample() -> [UInt8] {
        var w = ModelBinWriter()
        w.u32(6)
        w.string("TinySpec")
        w.u32(3)
        w.u32(6)
        w.variable("a/f32", shape: [2, 2], type: 0, data: floats([1, -2, 3.5, 0]))
        w.variable("a/f16", shape: [3], type: 4, data: halves([0.5, -1.25, 65504]))
        // bf16 of 1.5 is the top half of its f32 bit pattern.
        w.variable("a/bf16", shape: [1], type: 5, data: withUnsafeBytes(of: UInt16(Float(1.5).bitPattern >> 16).littleEndian) { Array($0) })
        w.variable("q/weight", shape: [2, 3], type: 1, data: [Int8](arrayLiteral: 10, -20, 127, 1, 2, -128).map { UInt8(bitPattern: $0) })
        w.variable("q/weight_scale", shape: [2], type: 0, data: floats([10, 2]))
        w.variable("heads", shape: [], type: 3, data: withUnsafeBytes(of: Int32(6).littleEndian) { Array($0) })
        w.u32(1)
        w.string("b/alias")
        w.string("a/f32")
        return w.bytes
    }
}

@Suite struct CTranslate2ModelFileTests {
    @Test func readsEveryDataTypeAndAlias() throws {
        let file = try CTranslate2ModelFile(data: Data(ModelBinWriter.sample()), path: "tiny.bin")
        #expect(file.version == 6 && file.specName == "TinySpec" && file.revision == 3)
        #expect(file.variables.map(\.name) == ["a/f32", "a/f16", "a/bf16", "q/weight", "q/weight_scale", "heads"])
        #expect(try file.floats("a/f32").values == [1, -2, 3.5, 0])
        #expect(try file.floats("a/f32").shape == [2, 2])
        #expect(try file.floats("a/f16").values == [0.5, -1.25, 65504])
        #expect(try file.floats("a/bf16").values == [1.5])
        #expect(try file.floats("q/weight").values == [1, -2, 12.7, 0.5, 1, -64])
        #expect(try file.scalar("heads") == 6)
        #expect(try file.variable("heads").shape == [])
        #expect(try file.floats("b/alias").values == [1, -2, 3.5, 0])
        #expect(file.contains("b/alias") && !file.contains("nope"))
    }

    /// A mapped file hands a variable's pages back once read; reading it again must fault the same bytes in.
    @Test func aMappedFileReadsTheSameValuesAfterHandingPagesBack() throws {
        let bytes = Data(ModelBinWriter.sample())
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-ct2-\(UUID().uuidString).bin")
        try bytes.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let mapped = try CTranslate2ModelFile(path: url.path)
        let inMemory = try CTranslate2ModelFile(data: bytes, path: "tiny.bin")
        for round in 0..<3 {
            for name in ["a/f32", "a/f16", "a/bf16", "q/weight", "b/alias"] {
                #expect(try mapped.floats(name).values == inMemory.floats(name).values, "\(name), round \(round)")
                let raw = try mapped.withUnsafeBytes(of: name) { Array($0) }
                #expect(raw == (try inMemory.withUnsafeBytes(of: name) { Array($0) }), "\(name), round \(round)")
            }
        }
    }

    @Test func missingVariableNamesFileAndVariable() throws {
        let file = try CTranslate2ModelFile(data: Data(ModelBinWriter.sample()), path: "tiny.bin")
        let error = #expect(throws: CTranslate2ModelFile.Error.self) { try file.floats("encoder/conv1/weight") }
        #expect(error?.code == .missingVariable)
        #expect(error?.description.contains("tiny.bin") == true)
        #expect(error?.description.contains("encoder/conv1/weight") == true)
    }

    /// Every proper prefix of a valid file must throw (never crash or read past the end).
    @Test func everyTruncationThrows() {
        let bytes = ModelBinWriter.sample()
        for length in 0..<bytes.count {
            #expect(throws: CTranslate2ModelFile.Error.self) {
                try CTranslate2ModelFile(data: Data(bytes[0..<length]), path: "cut.bin")
            }
        }
    }

    @Test func truncatedDataNamesTheVariable() {
        var w = ModelBinWriter()
        w.u32(6); w.string("S"); w.u32(1); w.u32(1)
        w.string("big/weight"); w.u8(1); w.u32(1000); w.u8(0); w.u32(4000)
        w.bytes += [UInt8](repeating: 0, count: 10)
        let error = #expect(throws: CTranslate2ModelFile.Error.self) { try CTranslate2ModelFile(data: Data(w.bytes), path: "t.bin") }
        #expect(error?.code == .truncated)
        #expect(error?.variable == "big/weight")
    }

    @Test func rejectsInconsistentHeaders() {
        func header(_ body: (inout ModelBinWriter) -> Void) -> Data {
            var w = ModelBinWriter()
            body(&w)
            return Data(w.bytes)
        }
        let cases: [(Data, CTranslate2ModelFile.Error.Code)] = [
            (header { $0.u32(7) }, .unsupportedVersion),
            (header { $0.u32(6); $0.u16(0) }, .malformedString),
            (header { $0.u32(6); $0.u16(2); $0.u8(65); $0.u8(66) }, .malformedString),
            (header { $0.u32(6); $0.string("S"); $0.u32(1); $0.u32(1); $0.string("x"); $0.u8(0); $0.u8(9); $0.u32(1); $0.u8(0) }, .unknownDataType),
            (header { $0.u32(6); $0.string("S"); $0.u32(1); $0.u32(1); $0.variable("x", shape: [3], type: 0, data: [0, 0, 0, 0]); $0.u32(0) }, .sizeMismatch),
            (header { $0.u32(6); $0.string("S"); $0.u32(1); $0.u32(1); $0.variable("x", shape: [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF], type: 0, data: []); $0.u32(0) }, .sizeMismatch),
            // Elements that fit an Int but whose bytes do not (2^62 − 1 floats): found by randomGarbageNeverCrashes.
            (header { $0.u32(6); $0.string("S"); $0.u32(1); $0.u32(1); $0.variable("x", shape: [0x7FFF_FFFF, 0x8000_0001], type: 0, data: []); $0.u32(0) }, .sizeMismatch),
            (header { $0.u32(6); $0.string("S"); $0.u32(1); $0.u32(0); $0.u32(1); $0.string("a"); $0.string("missing") }, .badAlias),
            (header { $0.u32(6); $0.string("S"); $0.u32(1); $0.u32(0); $0.u32(0); $0.u8(1) }, .trailingBytes),
            (header { $0.u32(6); $0.string("S"); $0.u32(1); $0.u32(0xFFFF_FFFF) }, .truncated),
        ]
        for (data, code) in cases {
            let error = #expect(throws: CTranslate2ModelFile.Error.self) { try CTranslate2ModelFile(data: data, path: "bad.bin") }
            #expect(error?.code == code)
        }
    }

    @Test func randomGarbageNeverCrashes() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            var bytes = ModelBinWriter.sample()
            let flips = Int.random(in: 1...4, using: &generator)
            for _ in 0..<flips { bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator) }
            if let file = try? CTranslate2ModelFile(data: Data(bytes), path: "fuzz.bin") {
                for variable in file.variables { _ = try? file.floats(variable.name) }
            }
        }
    }

    @Test func missingFileThrowsCannotOpen() {
        let error = #expect(throws: CTranslate2ModelFile.Error.self) { try CTranslate2ModelFile(path: "/nonexistent/model.bin") }
        #expect(error?.code == .cannotOpen)
    }

    /// The embedded tiny.en model: names, shapes and the alias of the output projection.
    @Test func embeddedWhisperTinyEn() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("Models/whisper-tiny.en/model.bin").path
        guard FileManager.default.fileExists(atPath: path) else {
            Issue.record("\(path) is missing: run `make models` (make test fetches it)")
            return
        }
        let file = try CTranslate2ModelFile(path: path)
        #expect(file.version == 6)
        #expect(file.specName == "WhisperSpec")
        #expect(file.revision == 3)
        #expect(file.variables.count == 148)
        #expect(file.aliases == ["decoder/projection/weight": "decoder/embeddings/weight"])
        #expect(try file.variable("encoder/conv1/weight").shape == [384, 80, 3])
        #expect(try file.variable("encoder/conv2/weight").shape == [384, 384, 3])
        #expect(try file.variable("encoder/position_encodings/encodings").shape == [1500, 384])
        #expect(try file.variable("encoder/layer_0/self_attention/linear_0/weight").shape == [1152, 384])
        #expect(try file.variable("decoder/layer_3/attention/linear_1/weight").shape == [768, 384])
        #expect(try file.variable("decoder/embeddings/weight").shape == [51864, 384])
        #expect(try file.variable("decoder/projection/weight").dataType == .float16)
        #expect(try file.scalar("encoder/num_heads") == 6)
        let gamma = try file.floats("encoder/layer_norm/gamma")
        #expect(gamma.shape == [384] && gamma.values.allSatisfy { $0.isFinite && abs($0) < 100 })
    }
}

/// A `model.bin` through the one loader: layers read CTranslate2 names, int8 is dequantised, and
/// problems are named with the variable, the shapes and the file.
@Suite struct CTranslate2WeightSourceTests {
    @Test func layersReadCTranslate2NamesThroughTheReader() throws {
        let file = try CTranslate2ModelFile(data: Data(ModelBinWriter.sample()), path: "tiny.bin")
        #expect(file.tensorNames == ["a/bf16", "a/f16", "a/f32", "b/alias", "heads", "q/weight", "q/weight_scale"])
        let weights = WeightReader(file, naming: .cTranslate2)
        let q = Linear(weights, "q", inFeatures: 3, outFeatures: 2, bias: false)
        let dequantised: [Float] = [1, -2, 12.7, 0.5, 1, -64]
        #expect(q.weight.scalars == dequantised)
        #expect(weights.scoped("b").tensor("alias", shape: [2, 2]).scalars == [1, -2, 3.5, 0])
        _ = weights.tensor("a/f16", shape: [2])
        let error = #expect(throws: WeightsError.self) {
            try weights.finish(ignoring: { $0.hasSuffix("_scale") || file.shape(of: $0) == [] })
        }
        #expect(error?.file == "tiny.bin")
        #expect(error?.unexpected == ["a/bf16", "a/f32"])
        #expect(error?.wrongShape == [.init(name: "a/f16", expected: [2], found: [3])])
        #expect(error?.wrongShape.first?.file == "tiny.bin")
        #expect(error?.description.contains("wrong shape: a/f16 expected [2], found [3]") == true)
    }
}
