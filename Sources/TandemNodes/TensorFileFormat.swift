import Foundation

/// Writers for the two simple tensor file formats Python reads directly: NumPy `.npy` and `.safetensors`.
///
/// Both are a small header and then raw little-endian Float32 values, so they are written here
/// rather than through a library. Both headers may be padded with spaces, which lets a streaming
/// writer (`TensorFileWriter`) reserve the header's room before it knows the final shape.
enum TensorFileFormat {
    /// A NumPy `.npy` file (format version 1.0) holding one little-endian float32 array.
    static func npy(shape: [Int], values: [Float]) -> Data {
        precondition(shape.reduce(1, *) == values.count, "shape does not match the values")
        var data = npyHeader(shape: shape)
        appendLittleEndian(values, to: &data)
        return data
    }

    /// The header of an `.npy` file: the magic `\x93NUMPY`, version bytes 1 0, a little-endian UInt16
    /// header length, then a Python-literal dict padded with spaces so the data starts at a multiple
    /// of 64 bytes — at `length` bytes exactly when given (a multiple of 64 at least as long as needed).
    static func npyHeader(shape: [Int], length: Int? = nil) -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        let total = length ?? (unpadded + (64 - unpadded % 64) % 64)
        precondition(total >= unpadded && total % 64 == 0, "npy header needs \(unpadded) bytes, \(total) reserved")
        header += String(repeating: " ", count: total - unpadded) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let headerLength = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(headerLength & 0xff), UInt8(headerLength >> 8)])
        data.append(contentsOf: header.utf8)
        return data
    }

    /// A `.safetensors` file with named float32 tensors and optional string metadata.
    static func safetensors(_ tensors: [(name: String, shape: [Int], values: [Float])], metadata: [String: String] = [:]) throws -> Data {
        for tensor in tensors { precondition(tensor.shape.reduce(1, *) == tensor.values.count, "shape does not match the values") }
        var data = try safetensorsHeader(tensors.map { ($0.name, $0.shape) }, metadata: metadata)
        for tensor in tensors { appendLittleEndian(tensor.values, to: &data) }
        return data
    }

    /// The header of a `.safetensors` file whose float32 tensors follow in the given order: a
    /// little-endian UInt64 length, then a JSON object naming each tensor's dtype, shape and byte range,
    /// padded with spaces to a multiple of 8 bytes — to `length` bytes in all when given.
    static func safetensorsHeader(_ tensors: [(name: String, shape: [Int])], metadata: [String: String] = [:], length: Int? = nil) throws -> Data {
        var header: [String: Any] = [:]
        var offset = 0
        for tensor in tensors {
            let size = tensor.shape.reduce(1, *) * 4
            header[tensor.name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + size]] as [String: Any]
            offset += size
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        let padded = length.map { $0 - 8 } ?? (json.count + (8 - json.count % 8) % 8)
        precondition(padded >= json.count && padded % 8 == 0, "safetensors header needs \(json.count + 8) bytes, \(padded + 8) reserved")
        json.append(contentsOf: Array(repeating: UInt8(ascii: " "), count: padded - json.count))
        var data = Data()
        var size = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &size) { data.append(contentsOf: $0) }
        data.append(json)
        return data
    }

    static func appendLittleEndian(_ values: [Float], to data: inout Data) {
        #if _endian(little)
        values.withUnsafeBytes { data.append(contentsOf: $0) }
        #else
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        #endif
    }
}
