import Foundation

/// Writers for the two simple tensor file formats Python reads directly: NumPy `.npy` and `.safetensors`.
///
/// Both are a small header and then raw little-endian Float32 values, so they are written here
/// rather than through a library.
enum TensorFileFormat {
    /// A NumPy `.npy` file (format version 1.0) holding one little-endian float32 array.
    ///
    /// Layout: the magic `\x93NUMPY`, version bytes 1 0, a little-endian UInt16 header length, then a
    /// Python-literal dict padded with spaces so the data starts at a multiple of 64 bytes, then the values.
    static func npy(shape: [Int], values: [Float]) -> Data {
        precondition(shape.reduce(1, *) == values.count, "shape does not match the values")
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xff), UInt8(length >> 8)])
        data.append(contentsOf: header.utf8)
        appendLittleEndian(values, to: &data)
        return data
    }

    /// A `.safetensors` file with named float32 tensors and optional string metadata.
    ///
    /// Layout: a little-endian UInt64 header length, a JSON header naming each tensor's dtype,
    /// shape and byte range (padded with spaces to a multiple of 8 bytes), then the tensors' bytes.
    static func safetensors(_ tensors: [(name: String, shape: [Int], values: [Float])], metadata: [String: String] = [:]) throws -> Data {
        var header: [String: Any] = [:]
        var offset = 0
        for tensor in tensors {
            precondition(tensor.shape.reduce(1, *) == tensor.values.count, "shape does not match the values")
            let size = tensor.values.count * 4
            header[tensor.name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + size]] as [String: Any]
            offset += size
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        json.append(contentsOf: Array(repeating: UInt8(ascii: " "), count: (8 - json.count % 8) % 8))
        var data = Data()
        var length = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
        data.append(json)
        for tensor in tensors { appendLittleEndian(tensor.values, to: &data) }
        return data
    }

    private static func appendLittleEndian(_ values: [Float], to data: inout Data) {
        #if _endian(little)
        values.withUnsafeBytes { data.append(contentsOf: $0) }
        #else
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        #endif
    }
}
