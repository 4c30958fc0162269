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
