import Foundation

/// Just enough of NumPy's `.npy` format to show an embedding: shape, element type, and the L2
/// norm of each row. Little-endian float32/float64, C order (what `write-tensor` writes).
public struct NumpyArray: Sendable, Equatable {
    public var shape: [Int]
    /// NumPy's type string, e.g. `<f4`.
    public var descr: String
    /// Row norms over the last axes: one per index of the first axis (one in all for 0-D and 1-D).
    public var rowNorms: [Double]

    /// Reads `data` (a whole `.npy` file); nil when it is not one this reader understands.
    public init?(_ data: Data) {
        let bytes = [UInt8](data.prefix(12))
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else { return nil }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        } else {
            guard bytes.count >= 12 else { return nil }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        }
        guard data.count >= headerStart + headerLength,
              let header = String(data: data.subdata(in: headerStart..<headerStart + headerLength), encoding: .ascii),
              let descr = Self.value(of: "descr", in: header).map({ $0.trimmingCharacters(in: CharacterSet(charactersIn: "'\" ")) }),
              let shapeText = Self.value(of: "shape", in: header),
              !(Self.value(of: "fortran_order", in: header) ?? "False").contains("True")
        else { return nil }
        let shape = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
            .split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let width: Int
        switch descr {
        case "<f4", "|f4": width = 4
        case "<f8", "|f8": width = 8
        default: return nil
        }
        let count = shape.reduce(1, *)
        let payload = data.subdata(in: headerStart + headerLength..<data.count)
        guard payload.count >= count * width else { return nil }
        let rows = shape.count >= 2 ? shape[0] : 1
        let perRow = rows > 0 ? count / rows : 0
        var norms = [Double](repeating: 0, count: rows)
        payload.withUnsafeBytes { raw in
            for row in 0..<rows {
                var sum = 0.0
                for column in 0..<perRow {
                    let offset = (row * perRow + column) * width
                    let value = width == 4 ? Double(Float(bitPattern: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian))
                        : Double(bitPattern: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian)
                    sum += value * value
                }
                norms[row] = sum.squareRoot()
            }
        }
        self.shape = shape
        self.descr = descr
        self.rowNorms = norms
    }

    /// The text after `'key':` in a header dictionary, up to the next top-level comma.
    private static func value(of key: String, in header: String) -> String? {
        guard let range = header.range(of: "'\(key)':") else { return nil }
        var depth = 0
        var result = ""
        for character in header[range.upperBound...] {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if (character == "," && depth == 0) || character == "}" { break }
            result.append(character)
        }
        return result.trimmingCharacters(in: .whitespaces)
    }
}
