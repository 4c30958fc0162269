import Foundation
import Testing
@testable import TandemNodes

@Suite struct TensorFileFormatTests {
    @Test func npyHasNumpysHeaderAndLittleEndianFloats() {
        let data = TensorFileFormat.npy(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        #expect(Array(data.prefix(8)) == [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        #expect((10 + headerLength) % 64 == 0)
        let header = String(decoding: data[10..<(10 + headerLength)], as: UTF8.self)
        #expect(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"))
        #expect(header.hasSuffix("\n"))
        #expect(data.count == 10 + headerLength + 24)
        let floats = data.suffix(24).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(floats == [1, 2, 3, 4, 5, 6])
        let vector = TensorFileFormat.npy(shape: [1], values: [7])
        #expect(String(decoding: vector[10..<74], as: UTF8.self).contains("'shape': (1,)"))
    }

    @Test func safetensorsHeaderNamesEveryTensorsBytes() throws {
        let data = try TensorFileFormat.safetensors([(name: "a", shape: [2], values: [1, 2]), (name: "b", shape: [1, 1], values: [3])],
                                                    metadata: ["format": "pt"])
        let length = data.prefix(8).withUnsafeBytes { Int($0.loadUnaligned(as: UInt64.self).littleEndian) }
        #expect(length % 8 == 0)
        let header = try #require(JSONSerialization.jsonObject(with: data[8..<(8 + length)]) as? [String: Any])
        let a = try #require(header["a"] as? [String: Any])
        let b = try #require(header["b"] as? [String: Any])
        #expect(a["dtype"] as? String == "F32")
        #expect(a["shape"] as? [Int] == [2])
        #expect(a["data_offsets"] as? [Int] == [0, 8])
        #expect(b["data_offsets"] as? [Int] == [8, 12])
        #expect((header["__metadata__"] as? [String: String])?["format"] == "pt")
        let floats = data.suffix(12).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(floats == [1, 2, 3])
        #expect(data.count == 8 + length + 12)
    }
}

@Suite struct TensorFileWriterTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-tensor-writer-\(UUID().uuidString)")

    @Test func npyWrittenRowByRowReadsBackWithItsFinalShape() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent("rows.npy")
        let writer = try TensorFileWriter(url: url, format: .npy)
        try writer.append([1, 2, 3, 4, 5, 6], trailing: [3])
        try writer.append([7, 8, 9], trailing: [3])
        try writer.finish(shape: [3, 3], times: [])
        let data = try Data(contentsOf: url)
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        #expect((10 + headerLength) % 64 == 0)
        let (shape, values) = try readNpy(url)
        #expect(shape == [3, 3] && values == (1...9).map(Float.init))
    }

    @Test func safetensorsKeepsTheReservedHeaderAndAddsTimes() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent("rows.safetensors")
        let writer = try TensorFileWriter(url: url, format: .safetensors(name: "x", metadata: ["format": "pt"]))
        try writer.append([1, 2], trailing: [1, 2])
        try writer.append([3, 4], trailing: [1, 2])
        try writer.finish(shape: [2, 1, 2], times: [0.5, 1.5])
        let data = try Data(contentsOf: url)
        let length = data.prefix(8).withUnsafeBytes { Int($0.loadUnaligned(as: UInt64.self).littleEndian) }
        #expect(length % 8 == 0)
        let header = try #require(JSONSerialization.jsonObject(with: data[8..<(8 + length)]) as? [String: Any])
        #expect((header["x"] as? [String: Any])?["shape"] as? [Int] == [2, 1, 2])
        #expect((header["x"] as? [String: Any])?["data_offsets"] as? [Int] == [0, 16])
        #expect((header["start_seconds"] as? [String: Any])?["data_offsets"] as? [Int] == [16, 24])
        let floats = data.suffix(24).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(floats == [1, 2, 3, 4, 0.5, 1.5])
        #expect(data.count == 8 + length + 24)
    }

    @Test func emptyInputGivesAnEmptyArray() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent("empty.npy")
        try TensorFileWriter(url: url, format: .npy).finish(shape: [0], times: [])
        let (shape, values) = try readNpy(url)
        #expect(shape == [0] && values.isEmpty)
    }
}
