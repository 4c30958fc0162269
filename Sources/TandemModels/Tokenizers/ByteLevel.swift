/// GPT-2's reversible byte → printable-character map (`bytes_to_unicode`): printable Latin-1 bytes stand for
/// themselves, the others are shifted to U+0100 and up, so every byte string is a string of visible characters.
enum ByteLevel {
    static let byteToScalar: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var shifted: UInt32 = 256
        for byte in 0..<256 {
            let printable = (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte)
            if printable {
                table[byte] = Unicode.Scalar(UInt32(byte))!
            } else {
                table[byte] = Unicode.Scalar(shifted)!
                shifted += 1
            }
        }
        return table
    }()

    static let scalarToByte: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for (byte, scalar) in byteToScalar.enumerated() { map[scalar.value] = UInt8(byte) }
        return map
    }()

    static func scalar(for byte: UInt8) -> Unicode.Scalar { byteToScalar[Int(byte)] }
    static func byte(for scalar: Unicode.Scalar) -> UInt8? { scalarToByte[scalar.value] }
}
