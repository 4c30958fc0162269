import Foundation
import Testing
@testable import TandemNN

/// Builds safetensors files byte by byte, so malformed ones can be made on purpose.
struct SafetensorsBuilder {
    var header: [String: Any] = [:]
    var payload = Data()

    mutating func add(_ name: String, dtype: String = "F32", shape: [Int], bytes: Data) {
        header[name] = ["dtype": dtype, "shape": shape, "data_offsets": [payload.count, payload.count + bytes.count]]
        payload.append(bytes)
    }

    mutating func add(_ name: String, shape: [Int], floats: [Float]) {
        add(name, shape: shape, bytes: floats.withUnsafeBufferPointer { Data(buffer: $0) })
    }

    func data(headerText: String? = nil, declaredLength: UInt64? = nil) -> Data {
        let json = headerText.map { Data($0.utf8) } ?? (try! JSONSerialization.data(withJSONObject: header))
        var length = (declaredLength ?? UInt64(json.count)).littleEndian
        var data = Data(bytes: &length, count: 8)
        data.append(json)
        data.append(payload)
        return data
    }
}

func temporaryDirectory() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-nn-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func write(_ data: Data, _ name: String, in directory: URL) -> URL {
    let url = directory.appendingPathComponent(name)
    try! data.write(to: url)
    return url
}

func expectWeightsError(_ code: WeightsError.Code, _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected \(code), got success")
    } catch let error as WeightsError {
        #expect(error.code == code, "\(error)")
    } catch {
        Issue.record("unexpected error \(error)")
    }
}

@Suite struct SafetensorsTests {
    @Test func readsF32F16AndBF16() throws {
        var builder = SafetensorsBuilder()
        builder.add("a", shape: [2, 2], floats: [1, -2, 3.5, 0])
        // 1.0, -2.0, 0.5, 65504 (max half), 2^-24 (smallest subnormal) in binary16.
        let halves: [UInt16] = [0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001]
        builder.add("h", dtype: "F16", shape: [5], bytes: halves.withUnsafeBufferPointer { Data(buffer: $0) })
        let brains: [UInt16] = [0x3F80, 0xC040] // 1.0, -3.0
        builder.add("b", dtype: "BF16", shape: [2], bytes: brains.withUnsafeBufferPointer { Data(buffer: $0) })
        builder.header["__metadata__"] = ["format": "pt"]
        let directory = temporaryDirectory()
        let file = try SafetensorsFile(url: write(builder.data(), "x.safetensors", in: directory))
        #expect(file.names == ["a", "b", "h"])
        #expect(file.metadata["format"] == "pt")
        #expect(try file.tensor(named: "a") == Tensor(shape: [2, 2], values: [1, -2, 3.5, 0]))
        #expect(try file.tensor(named: "h").scalars == [1, -2, 0.5, 65504, Float(1) / Float(1 << 24)])
        #expect(try file.tensor(named: "b").scalars == [1, -3])
        expectWeightsError(.tensorNotFound) { _ = try file.tensor(named: "zzz") }
    }

    /// transformers saves integer buffers (RoBERTa's `position_ids`, `token_type_ids`) as I64 beside the weights.
    @Test func readsIntegerBuffersAsFloats() throws {
        var builder = SafetensorsBuilder()
        let longs: [Int64] = [0, 1, 513, -7]
        builder.add("position_ids", dtype: "I64", shape: [1, 4], bytes: longs.withUnsafeBufferPointer { Data(buffer: $0) })
        let ints: [Int32] = [2, -3]
        builder.add("i", dtype: "I32", shape: [2], bytes: ints.withUnsafeBufferPointer { Data(buffer: $0) })
        let file = try SafetensorsFile(url: write(builder.data(), "ints.safetensors", in: temporaryDirectory()))
        #expect(file.entries["position_ids"]?.dtype == .i64)
        #expect(try file.tensor(named: "position_ids") == Tensor(shape: [1, 4], values: [0, 1, 513, -7]))
        #expect(try file.tensor(named: "i").scalars == [2, -3])
        // An I64 span must be 8 bytes an element.
        expectWeightsError(.sizeMismatch) {
            _ = try SafetensorsFile(url: write(builder.data(headerText: #"{"w": {"dtype": "I64", "shape": [2], "data_offsets": [0, 8]}}"#), "bad.safetensors", in: temporaryDirectory()))
        }
    }

    @Test func malformedFilesGiveTypedErrors() {
        let directory = temporaryDirectory()
        var good = SafetensorsBuilder()
        good.add("w", shape: [2], floats: [1, 2])
        good.add("v", shape: [1], floats: [3])
        func open(_ data: Data) throws { _ = try SafetensorsFile(url: write(data, "m.safetensors", in: directory)) }

        expectWeightsError(.missingFile) { _ = try SafetensorsFile(url: directory.appendingPathComponent("absent.safetensors")) }
        expectWeightsError(.headerTooLarge) { try open(Data([1, 2, 3])) }
        expectWeightsError(.headerTooLarge) { try open(good.data(declaredLength: 1 << 40)) }
        expectWeightsError(.headerTooLarge) { try open(good.data().prefix(20)) }
        expectWeightsError(.invalidHeader) { try open(good.data(headerText: "{not json")) }
        expectWeightsError(.invalidHeader) { try open(good.data(headerText: "[1, 2]")) }
        expectWeightsError(.invalidHeader) { try open(good.data(headerText: #"{"w": {"dtype": "F32", "shape": [2]}}"#)) }
        expectWeightsError(.unsupportedDType) { try open(good.data(headerText: #"{"w": {"dtype": "F8_E4M3", "shape": [8], "data_offsets": [0, 8]}}"#)) }
        expectWeightsError(.sizeMismatch) { try open(good.data(headerText: #"{"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}"#)) }
        expectWeightsError(.sizeMismatch) {
            try open(good.data(headerText: #"{"w": {"dtype": "F32", "shape": [4294967296, 4294967296, 4294967296], "data_offsets": [0, 8]}}"#))
        }
        expectWeightsError(.offsetsOutOfRange) { try open(good.data(headerText: #"{"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}"#)) }
        expectWeightsError(.offsetsOutOfRange) { try open(good.data(headerText: #"{"w": {"dtype": "F32", "shape": [1], "data_offsets": [8, 4]}}"#)) }
        expectWeightsError(.overlappingTensors) {
            try open(good.data(headerText: #"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "v": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}"#))
        }
        // Truncating the payload turns an in-range offset into an out-of-range one.
        let truncated = good.data().dropLast(4)
        expectWeightsError(.offsetsOutOfRange) { try open(Data(truncated)) }
    }
}

@Suite struct HuggingFaceDirectoryTests {
    @Test func missingFilesAreNamed() throws {
        let directory = temporaryDirectory()
        do {
            _ = try HuggingFaceDirectory(url: directory, howToObtain: "Run the download.")
            Issue.record("expected an error")
        } catch let error as WeightsError {
            #expect(error.code == .missingFile)
            #expect(error.file?.hasSuffix("config.json") == true)
            #expect(error.message.contains("Run the download."))
        }
        _ = write(Data("{}".utf8), "config.json", in: directory)
        expectWeightsError(.missingFile) { _ = try HuggingFaceDirectory(url: directory) }
    }

    @Test func shardedDirectoryAndLoaderReportsEveryMismatch() throws {
        let directory = temporaryDirectory()
        _ = write(Data(#"{"hidden": 4}"#.utf8), "config.json", in: directory)
        var first = SafetensorsBuilder()
        first.add("layer.weight", shape: [2, 2], floats: [1, 2, 3, 4])
        first.add("extra", shape: [1], floats: [0])
        var second = SafetensorsBuilder()
        second.add("layer.bias", shape: [3], floats: [5, 6, 7])
        _ = write(first.data(), "model-00001-of-00002.safetensors", in: directory)
        _ = write(second.data(), "model-00002-of-00002.safetensors", in: directory)
        let index = #"{"metadata": {}, "weight_map": {"layer.weight": "model-00001-of-00002.safetensors", "extra": "model-00001-of-00002.safetensors", "layer.bias": "model-00002-of-00002.safetensors"}}"#
        _ = write(Data(index.utf8), "model.safetensors.index.json", in: directory)

        let hf = try HuggingFaceDirectory(url: directory)
        #expect(hf.tensorNames == ["extra", "layer.bias", "layer.weight"])
        #expect(try hf.tensor(named: "layer.bias").scalars == [5, 6, 7])
        struct Config: Decodable { var hidden: Int }
        #expect(try hf.decodeJSON(Config.self).hidden == 4)

        do {
            _ = try WeightLoader.load(["layer.weight": [2, 2], "layer.bias": [2], "other": [1]], from: hf)
            Issue.record("expected a mismatch")
        } catch let error as WeightsError {
            #expect(error.code == .parameterMismatch)
            #expect(error.missing == ["other"])
            #expect(error.unexpected == ["extra"])
            #expect(error.wrongShape == [.init(name: "layer.bias", expected: [2], found: [3])])
        }
        let loaded = try WeightLoader.load(["layer.weight": [2, 2], "layer.bias": [3]], from: hf, ignoring: { $0 == "extra" })
        #expect(loaded["layer.weight"]?.scalars == [1, 2, 3, 4])
    }
}
