/// A reader of the protocol-buffers wire format over a byte array, enough to walk ONNX files.
///
/// Protobuf messages are a flat sequence of (field number, wire type, payload) records; nested
/// messages are length-delimited payloads read with a fresh reader over their byte range. Every
/// read is bounds-checked, so a truncated or hostile file ends in `ProtobufReader.Failure`,
/// never an over-read. Groups (wire types 3 and 4, deprecated since proto2) are refused: ONNX
/// never writes them.
struct ProtobufReader {
    /// The four wire types ONNX uses.
    enum WireType: UInt8 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
    }

    /// Why a read failed; the ONNX reader turns it into a `WeightsError` naming the file.
    enum Failure: Error, Sendable, CustomStringConvertible {
        case truncated(offset: Int, wanted: String)
        case malformed(offset: Int, String)

        var description: String {
            switch self {
            case .truncated(let offset, let wanted): "truncated at byte \(offset) while reading \(wanted)"
            case .malformed(let offset, let message): "malformed protobuf at byte \(offset): \(message)"
            }
        }
    }

    /// One field record: its number, wire type and payload.
    struct Field {
        var number: Int
        var wireType: WireType
        /// The value of varint, fixed64 and fixed32 fields (raw bits for the fixed ones).
        var scalar: UInt64
        /// The byte range of a length-delimited payload (empty otherwise).
        var payload: Range<Int>
    }

    let bytes: [UInt8]
    private(set) var position: Int
    let end: Int

    init(bytes: [UInt8], range: Range<Int>? = nil) {
        self.bytes = bytes
        position = range?.lowerBound ?? 0
        end = range?.upperBound ?? bytes.count
    }

    var isAtEnd: Bool { position >= end }

    /// A reader over a length-delimited payload of this reader's bytes.
    func nested(_ payload: Range<Int>) -> ProtobufReader { ProtobufReader(bytes: bytes, range: payload) }

    /// Reads a base-128 varint (at most ten bytes).
    mutating func readVarint() throws(Failure) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        let start = position
        while true {
            guard position < end else { throw .truncated(offset: start, wanted: "a varint") }
            let byte = bytes[position]
            position += 1
            guard shift < 64 else { throw .malformed(offset: start, "varint longer than ten bytes") }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
    }

    /// Reads the next field record, or nil at the end of the message.
    mutating func nextField() throws(Failure) -> Field? {
        guard !isAtEnd else { return nil }
        let start = position
        let key = try readVarint()
        let number = Int(truncatingIfNeeded: key >> 3)
        guard number > 0, number < 1 << 29 else { throw .malformed(offset: start, "field number \(key >> 3)") }
        guard let wireType = WireType(rawValue: UInt8(key & 7)) else {
            throw .malformed(offset: start, "wire type \(key & 7) (groups and unknown types are not read)")
        }
        switch wireType {
        case .varint:
            return Field(number: number, wireType: wireType, scalar: try readVarint(), payload: position..<position)
        case .fixed64:
            return Field(number: number, wireType: wireType, scalar: try readFixed(8), payload: position..<position)
        case .fixed32:
            return Field(number: number, wireType: wireType, scalar: try readFixed(4), payload: position..<position)
        case .lengthDelimited:
            let length = try readVarint()
            guard length <= UInt64(end - position) else {
                throw .truncated(offset: start, wanted: "a \(length)-byte field \(number) (\(end - position) bytes left)")
            }
            let payload = position..<(position + Int(length))
            position = payload.upperBound
            return Field(number: number, wireType: wireType, scalar: 0, payload: payload)
        }
    }

    /// Reads `count` little-endian bytes as an unsigned integer.
    private mutating func readFixed(_ count: Int) throws(Failure) -> UInt64 {
        guard end - position >= count else { throw .truncated(offset: position, wanted: "a \(count)-byte fixed value") }
        var value: UInt64 = 0
        for i in 0..<count { value |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
        position += count
        return value
    }

    /// The UTF-8 text of a length-delimited payload.
    func string(_ payload: Range<Int>) -> String { String(decoding: bytes[payload], as: UTF8.self) }

    /// The values of a repeated varint field, whether written packed (one payload) or one per record.
    func varints(of field: Field) throws(Failure) -> [UInt64] {
        switch field.wireType {
        case .varint: return [field.scalar]
        case .lengthDelimited:
            var reader = nested(field.payload)
            var values: [UInt64] = []
            while !reader.isAtEnd { values.append(try reader.readVarint()) }
            return values
        default: throw .malformed(offset: field.payload.lowerBound, "field \(field.number) should hold varints")
        }
    }

    /// The values of a repeated fixed32 field (packed or not), as raw bit patterns.
    func fixed32s(of field: Field) throws(Failure) -> [UInt32] {
        switch field.wireType {
        case .fixed32: return [UInt32(truncatingIfNeeded: field.scalar)]
        case .lengthDelimited:
            guard field.payload.count % 4 == 0 else {
                throw .malformed(offset: field.payload.lowerBound, "packed fixed32 field \(field.number) of \(field.payload.count) bytes")
            }
            return littleEndianWords(field.payload, width: 4).map { UInt32(truncatingIfNeeded: $0) }
        default: throw .malformed(offset: field.payload.lowerBound, "field \(field.number) should hold 32-bit values")
        }
    }

    /// The values of a repeated fixed64 field (packed or not), as raw bit patterns.
    func fixed64s(of field: Field) throws(Failure) -> [UInt64] {
        switch field.wireType {
        case .fixed64: return [field.scalar]
        case .lengthDelimited:
            guard field.payload.count % 8 == 0 else {
                throw .malformed(offset: field.payload.lowerBound, "packed fixed64 field \(field.number) of \(field.payload.count) bytes")
            }
            return littleEndianWords(field.payload, width: 8)
        default: throw .malformed(offset: field.payload.lowerBound, "field \(field.number) should hold 64-bit values")
        }
    }

    /// Little-endian words of `width` bytes read from a byte range (whose length is a multiple of `width`).
    func littleEndianWords(_ range: Range<Int>, width: Int) -> [UInt64] {
        stride(from: range.lowerBound, to: range.upperBound, by: width).map { start in
            var value: UInt64 = 0
            for i in 0..<width { value |= UInt64(bytes[start + i]) << (8 * UInt64(i)) }
            return value
        }
    }
}
