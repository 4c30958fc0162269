import Foundation
import Testing
@testable import TandemNN

/// Hand-built ONNX files: the reader must find initializers, Constant values and tensors inside
/// subgraphs, and name the file and the fault for damaged input.
@Suite("ONNX model file")
struct ONNXModelFileTests {
    /// Minimal protobuf writer for the tests.
    struct Writer {
        var bytes: [UInt8] = []
        mutating func varint(_ value: UInt64) {
            var v = value
            while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
            bytes.append(UInt8(v))
        }
        mutating func field(_ number: Int, varint value: UInt64) { varint(UInt64(number << 3)); varint(value) }
        mutating func field(_ number: Int, bytes payload: [UInt8]) {
            varint(UInt64(number << 3 | 2)); varint(UInt64(payload.count)); bytes += payload
        }
        mutating func field(_ number: Int, string: String) { field(number, bytes: Array(string.utf8)) }
    }

    static func tensor(name: String, dims: [Int], floats: [Float], raw: Bool, packedDims: Bool = false) -> [UInt8] {
        var w = Writer()
        if packedDims {
            var packed = Writer()
            for d in dims { packed.varint(UInt64(d)) }
            w.field(1, bytes: packed.bytes)
        } else {
            for d in dims { w.field(1, varint: UInt64(d)) }
        }
        w.field(2, varint: 1)
        if !name.isEmpty { w.field(8, string: name) }
        let data = floats.flatMap { value -> [UInt8] in
            let bits = value.bitPattern
            return (0..<4).map { UInt8(truncatingIfNeeded: bits >> (8 * $0)) }
        }
        if raw { w.field(9, bytes: data) } else { w.field(4, bytes: data) }
        return w.bytes
    }

    static func int64Tensor(name: String, values: [Int64]) -> [UInt8] {
        var w = Writer()
        w.field(1, varint: UInt64(values.count))
        w.field(2, varint: 7)
        w.field(8, string: name)
        var packed = Writer()
        for v in values { packed.varint(UInt64(bitPattern: v)) }
        w.field(7, bytes: packed.bytes)
        return w.bytes
    }

    static func node(_ op: String, name: String, inputs: [String], outputs: [String], attributes: [[UInt8]]) -> [UInt8] {
        var w = Writer()
        for i in inputs { w.field(1, string: i) }
        for o in outputs { w.field(2, string: o) }
        w.field(3, string: name)
        w.field(4, string: op)
        for a in attributes { w.field(5, bytes: a) }
        return w.bytes
    }

    static func model() -> [UInt8] {
        var thenGraph = Writer()
        thenGraph.field(5, bytes: tensor(name: "branch.weight", dims: [2], floats: [7, 8], raw: true))
        var elseGraph = Writer()
        elseGraph.field(5, bytes: tensor(name: "branch.weight", dims: [2], floats: [9, 10], raw: false))
        var thenAttribute = Writer(); thenAttribute.field(1, string: "then_branch"); thenAttribute.field(6, bytes: thenGraph.bytes)
        var elseAttribute = Writer(); elseAttribute.field(1, string: "else_branch"); elseAttribute.field(6, bytes: elseGraph.bytes)
        var constantAttribute = Writer(); constantAttribute.field(1, string: "value")
        constantAttribute.field(5, bytes: int64Tensor(name: "", values: [3, -1]))
        var graph = Writer()
        graph.field(1, bytes: node("Constant", name: "c0", inputs: [], outputs: ["shape_const"], attributes: [constantAttribute.bytes]))
        graph.field(1, bytes: node("If", name: "If_0", inputs: ["cond"], outputs: ["y"], attributes: [thenAttribute.bytes, elseAttribute.bytes]))
        graph.field(5, bytes: tensor(name: "main.weight", dims: [2, 3], floats: [1, 2, 3, 4, 5, 6], raw: true, packedDims: true))
        graph.field(5, bytes: tensor(name: "main.bias", dims: [3], floats: [0.5, -0.5, 0.25], raw: false))
        var model = Writer()
        model.field(1, varint: 8)
        var opset = Writer(); opset.field(1, string: ""); opset.field(2, varint: 18)
        model.field(8, bytes: opset.bytes)
        model.field(7, bytes: graph.bytes)
        return model.bytes
    }

    func write(_ bytes: [UInt8], _ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("onnx-test-\(UUID().uuidString)-\(name)")
        try Data(bytes).write(to: url)
        return url
    }

    @Test("Initializers, Constants and subgraph tensors are read with their scopes")
    func readsEverything() throws {
        let url = try write(Self.model(), "ok.onnx")
        defer { try? FileManager.default.removeItem(at: url) }
        let file = try ONNXModelFile(url: url)
        #expect(file.irVersion == 8 && file.opsetVersion == 18)
        #expect(try file.tensor(named: "main.weight") == Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]))
        #expect(try file.tensor(named: "main.bias") == Tensor(shape: [3], values: [0.5, -0.5, 0.25]))
        #expect(try file.tensor(named: "shape_const") == Tensor(shape: [2], values: [3, -1]))
        #expect(try file.tensor(named: "branch.weight", scope: "If_0.then_branch").scalars == [7, 8])
        #expect(try file.tensor(named: "branch.weight", scope: "If_0.else_branch").scalars == [9, 10])
        #expect(file.nodes.map(\.operatorType) == ["Constant", "If"])
        #expect(file.entries.first { $0.name == "shape_const" }?.dataType == .int64)
        #expect(file.uniqueTensors.keys.sorted() == ["main.bias", "main.weight", "shape_const"])
        #expect(throws: WeightsError.self) { try file.tensor(named: "branch.weight") }
        do {
            _ = try file.tensor(named: "nope")
            Issue.record("a missing tensor was found")
        } catch let error as WeightsError {
            #expect(error.code == .tensorNotFound && error.file == url.path && error.tensor == "nope")
        }
    }

    @Test("Damaged files fail with the file and the fault named")
    func damagedFiles() throws {
        let bytes = Self.model()
        let cases: [([UInt8], WeightsError.Code)] = [
            (Array(bytes.prefix(bytes.count - 7)), .truncated),
            (Array("this is a text file, not a model\n".utf8), .notONNX),
            ([], .notONNX),
        ]
        for (content, code) in cases {
            let url = try write(content, "bad.onnx")
            defer { try? FileManager.default.removeItem(at: url) }
            do {
                _ = try ONNXModelFile(url: url)
                Issue.record("\(code) was not detected")
            } catch let error as WeightsError {
                #expect(error.code == code, "\(error)")
                #expect(error.file == url.path)
            }
        }
        do {
            _ = try ONNXModelFile(path: "/nonexistent/model.onnx")
        } catch let error as WeightsError {
            #expect(error.code == .missingFile)
        }
    }

    @Test("A raw_data length that disagrees with the dims is refused")
    func sizeMismatch() throws {
        var graph = Writer()
        var t = Writer()
        t.field(1, varint: 4); t.field(2, varint: 1); t.field(8, string: "w"); t.field(9, bytes: [0, 0, 0, 0])
        graph.field(5, bytes: t.bytes)
        var model = Writer()
        model.field(1, varint: 8)
        model.field(7, bytes: graph.bytes)
        let url = try write(model.bytes, "size.onnx")
        defer { try? FileManager.default.removeItem(at: url) }
        #expect { try ONNXModelFile(url: url) } throws: { error in
            (error as? WeightsError)?.code == .sizeMismatch && (error as? WeightsError)?.tensor == "w"
        }
    }
}
