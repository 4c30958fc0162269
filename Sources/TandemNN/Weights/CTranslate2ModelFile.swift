import Foundation

/// A CTranslate2 `model.bin`: the weight file of faster-whisper and every other CTranslate2 model directory.
///
/// The layout is the one `python/ctranslate2/specs/model_spec.py` (`ModelSpec._serialize`) writes and
/// `src/models/model.cc` reads, little-endian and unpadded:
///
///     u32 binary version            (4 … 6 are read here; 6 is current)
///     string spec name              ("WhisperSpec", …)
///     u32 spec revision
///     u32 variable count
///     per variable: string name, u8 rank, u32 dims[rank], u8 dtype, u32 byte count, raw bytes
///     u32 alias count, then (alias, target) string pairs
///
/// where a string is a u16 length that counts a trailing NUL, then that many bytes.
///
/// The file is memory-mapped: opening it only walks the headers (a few hundred of them), and a variable's
/// bytes are converted to `Float` when asked for. Every length and offset is checked against the file size,
/// so a truncated or hostile file throws a ``CTranslate2ModelFile/Error`` naming the file and the variable
/// instead of reading past the end.
public final class CTranslate2ModelFile: Sendable {
    /// The element types CTranslate2 stores (`_dtype_to_type_id` in `model_spec.py`).
    public enum DataType: UInt8, Sendable, CaseIterable {
        case float32 = 0, int8 = 1, int16 = 2, int32 = 3, float16 = 4, bfloat16 = 5

        /// Bytes per element.
        public var size: Int {
            switch self {
            case .int8: 1
            case .int16, .float16, .bfloat16: 2
            case .float32, .int32: 4
            }
        }
    }

    /// One stored variable: where its bytes sit in the mapped file.
    public struct Variable: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        public var dataType: DataType
        /// Byte offset of the raw data in the file.
        public var offset: Int
        public var byteCount: Int
        public var elementCount: Int { shape.reduce(1, *) }
    }

    /// What went wrong reading a `model.bin`, with the file and (when there is one) the variable concerned.
    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        public struct Code: Hashable, Sendable, CustomStringConvertible {
            public let name: String
            public static let cannotOpen = Code(name: "cannot open")
            public static let truncated = Code(name: "truncated")
            public static let unsupportedVersion = Code(name: "unsupported binary version")
            public static let malformedString = Code(name: "malformed string")
            public static let unknownDataType = Code(name: "unknown data type")
            public static let sizeMismatch = Code(name: "byte count does not match shape")
            public static let duplicateName = Code(name: "duplicate name")
            public static let trailingBytes = Code(name: "trailing bytes")
            public static let missingVariable = Code(name: "missing variable")
            public static let badAlias = Code(name: "bad alias")
            public static let unsupportedConversion = Code(name: "unsupported conversion")
            public var description: String { name }
        }

        public var code: Code
        public var file: String
        public var variable: String?
        public var detail: String

        public init(code: Code, file: String, variable: String?, detail: String) {
            self.code = code
            self.file = file
            self.variable = variable
            self.detail = detail
        }

        public var description: String {
            var text = "\(file): \(code)"
            if let variable { text += " (variable '\(variable)')" }
            if !detail.isEmpty { text += ": \(detail)" }
            return text
        }
    }

    /// The newest binary layout this reader understands (`CURRENT_BINARY_VERSION` in `model_spec.py`).
    public static let newestVersion = 6

    public let path: String
    public let version: Int
    public let specName: String
    public let revision: Int
    /// Variables in file order.
    public let variables: [Variable]
    /// Alias name → target name, e.g. `decoder/projection/weight` → `decoder/embeddings/weight`.
    public let aliases: [String: String]
    private let index: [String: Int]
    private let data: Data
    private let isFileMapping: Bool

    /// Maps and indexes the file.
    /// - Parameter path: the `model.bin` to read.
    /// - Throws: ``Error`` when the file cannot be read or its structure is inconsistent.
    public convenience init(path: String) throws {
        let data: Data
        do {
            data = try MappedFile.map(path)
        } catch {
            throw Error(code: .cannotOpen, file: path, variable: nil, detail: "\(error.localizedDescription)")
        }
        try self.init(data: data, path: path, isFileMapping: true)
    }

    /// Indexes bytes already in memory (tests, embedded resources).
    /// - Parameters:
    ///   - data: the whole file.
    ///   - path: the name used in error messages.
    public convenience init(data: Data, path: String) throws {
        try self.init(data: data, path: path, isFileMapping: false)
    }

    /// - Parameter isFileMapping: whether `data` maps the file, so a variable's pages can be handed back
    ///   once read (never for bytes in ordinary memory, which dropping would zero).
    private init(data: Data, path: String, isFileMapping: Bool) throws {
        self.isFileMapping = isFileMapping
        var reader = Reader(data: data, path: path)
        let version = Int(try reader.u32(what: "binary version"))
        guard (4...Self.newestVersion).contains(version) else {
            throw Error(code: .unsupportedVersion, file: path, variable: nil,
                        detail: "version \(version); this reader handles 4 to \(Self.newestVersion)")
        }
        let specName = try reader.string(what: "spec name")
        let revision = Int(try reader.u32(what: "spec revision"))
        let count = Int(try reader.u32(what: "variable count"))
        var variables: [Variable] = []
        var index: [String: Int] = [:]
        for number in 0..<count {
            let name = try reader.string(what: "name of variable #\(number)")
            reader.currentVariable = name
            let rank = Int(try reader.u8(what: "rank"))
            var shape: [Int] = []
            for _ in 0..<rank { shape.append(Int(try reader.u32(what: "dimension"))) }
            let typeID = try reader.u8(what: "data type")
            guard let dataType = DataType(rawValue: typeID) else {
                throw reader.error(.unknownDataType, "type id \(typeID)")
            }
            let byteCount = Int(try reader.u32(what: "byte count"))
            // Overflow-checked: a hostile shape must not wrap around to a small product.
            var elements = 1
            for dimension in shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
                guard !overflow else { throw reader.error(.sizeMismatch, "shape \(shape) overflows") }
                elements = product
            }
            let (needed, tooLarge) = elements.multipliedReportingOverflow(by: dataType.size)
            guard !tooLarge else { throw reader.error(.sizeMismatch, "shape \(shape) of \(dataType) overflows") }
            guard needed == byteCount else {
                throw reader.error(.sizeMismatch, "shape \(shape) of \(dataType) needs \(needed) bytes, file says \(byteCount)")
            }
            let offset = try reader.skip(byteCount, what: "data")
            guard index[name] == nil else { throw reader.error(.duplicateName, "") }
            index[name] = variables.count
            variables.append(Variable(name: name, shape: shape, dataType: dataType, offset: offset, byteCount: byteCount))
        }
        reader.currentVariable = nil
        let aliasCount = Int(try reader.u32(what: "alias count"))
        var aliases: [String: String] = [:]
        for _ in 0..<aliasCount {
            let alias = try reader.string(what: "alias name")
            let target = try reader.string(what: "alias target of '\(alias)'")
            guard index[target] != nil else {
                throw Error(code: .badAlias, file: path, variable: alias, detail: "target '\(target)' is not a variable")
            }
            guard index[alias] == nil, aliases[alias] == nil else {
                throw Error(code: .duplicateName, file: path, variable: alias, detail: "alias shadows another name")
            }
            aliases[alias] = target
        }
        guard reader.position == data.count else {
            throw Error(code: .trailingBytes, file: path, variable: nil,
                        detail: "\(data.count - reader.position) bytes after the alias table")
        }
        self.path = path
        self.version = version
        self.specName = specName
        self.revision = revision
        self.variables = variables
        self.aliases = aliases
        self.index = index
        self.data = data
    }

    /// Whether `name` (or an alias of that name) is stored.
    public func contains(_ name: String) -> Bool {
        index[aliases[name] ?? name] != nil
    }

    /// The variable called `name`, following an alias.
    /// - Throws: ``Error/Code/missingVariable``.
    public func variable(_ name: String) throws -> Variable {
        guard let position = index[aliases[name] ?? name] else {
            throw Error(code: .missingVariable, file: path, variable: name, detail: "not in this model")
        }
        return variables[position]
    }

    /// A variable's values as `Float`, converting f16/bf16/integers, and dequantising a quantised weight
    /// with its `…_scale` companion (`weight` → `weight_scale`), as CTranslate2 does when it loads an int8
    /// model for float computation: value = stored / scale, the scale per output row or for the whole tensor.
    /// - Returns: the shape and the values in row-major order.
    /// - Complexity: O(elements); the only copy of the data is the returned array.
    public func floats(_ name: String) throws -> (shape: [Int], values: [Float]) {
        let variable = try variable(name)
        var values = convert(variable)
        if variable.dataType == .int8 || variable.dataType == .int16, contains(name + "_scale") {
            let scale = convert(try self.variable(name + "_scale"))
            let rows = variable.shape.first ?? 1
            if scale.count == 1 {
                let factor = 1 / scale[0]
                for i in values.indices { values[i] *= factor }
            } else if scale.count == rows, rows > 0 {
                let columns = values.count / rows
                for row in 0..<rows {
                    let factor = 1 / scale[row]
                    for i in row * columns..<(row + 1) * columns { values[i] *= factor }
                }
            } else {
                throw Error(code: .sizeMismatch, file: path, variable: name + "_scale",
                            detail: "\(scale.count) scales for \(rows) rows")
            }
        }
        return (variable.shape, values)
    }

    /// A rank-0 (or single-element) variable as an integer, e.g. `decoder/num_heads` or `decoder/pre_norm`.
    public func scalar(_ name: String) throws -> Int {
        let variable = try variable(name)
        guard variable.elementCount == 1 else {
            throw Error(code: .sizeMismatch, file: path, variable: name, detail: "shape \(variable.shape) is not a scalar")
        }
        return Int(convert(variable)[0])
    }

    /// Gives the raw bytes of a variable without copying; the buffer is valid only inside `body`.
    public func withUnsafeBytes<Result>(of name: String, _ body: (UnsafeRawBufferPointer) throws -> Result) throws -> Result {
        let variable = try variable(name)
        return try data.withUnsafeBytes { raw in
            let bytes = UnsafeRawBufferPointer(rebasing: raw[variable.offset..<variable.offset + variable.byteCount])
            defer { releasePages(of: bytes) }
            return try body(bytes)
        }
    }

    /// Hands a read variable's pages back (see `MappedFile`): models keep converted or packed copies.
    private func releasePages(of bytes: UnsafeRawBufferPointer) {
        if isFileMapping { MappedFile.releasePages(of: bytes) }
    }

    private func convert(_ variable: Variable) -> [Float] {
        let count = variable.elementCount
        return data.withUnsafeBytes { raw -> [Float] in
            let base = raw.baseAddress! + variable.offset
            defer { releasePages(of: UnsafeRawBufferPointer(start: base, count: variable.byteCount)) }
            if variable.dataType == .float16 { return HalfPrecision.widen(littleEndian: base, count: count) }
            return [Float](unsafeUninitializedCapacity: count) { out, initialized in
                switch variable.dataType {
                case .float32:
                    for i in 0..<count { out[i] = Float(bitPattern: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self).littleEndian) }
                case .float16:
                    for i in 0..<count {
                        out[i] = Float(Float16(bitPattern: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian))
                    }
                case .bfloat16:
                    for i in 0..<count {
                        let bits = UInt32(base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian) << 16
                        out[i] = Float(bitPattern: bits)
                    }
                case .int8:
                    for i in 0..<count { out[i] = Float(base.loadUnaligned(fromByteOffset: i, as: Int8.self)) }
                case .int16:
                    for i in 0..<count { out[i] = Float(Int16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))) }
                case .int32:
                    for i in 0..<count { out[i] = Float(Int32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))) }
                }
                initialized = count
            }
        }
    }
}

/// A bounds-checked cursor over the file's bytes.
private struct Reader {
    let data: Data
    let path: String
    var position = 0
    var currentVariable: String?

    init(data: Data, path: String) {
        self.data = data
        self.path = path
    }

    func error(_ code: CTranslate2ModelFile.Error.Code, _ detail: String) -> CTranslate2ModelFile.Error {
        CTranslate2ModelFile.Error(code: code, file: path, variable: currentVariable, detail: detail)
    }

    /// Advances past `count` bytes and returns where they start.
    mutating func skip(_ count: Int, what: String) throws -> Int {
        guard count >= 0, count <= data.count - position else {
            throw error(.truncated, "\(what) needs \(count) bytes at offset \(position), only \(data.count - position) left")
        }
        defer { position += count }
        return position
    }

    mutating func u8(what: String) throws -> UInt8 {
        let at = try skip(1, what: what)
        return data[data.startIndex + at]
    }

    mutating func u16(what: String) throws -> UInt16 {
        let at = try skip(2, what: what)
        return data.withUnsafeBytes { UInt16(littleEndian: $0.loadUnaligned(fromByteOffset: at, as: UInt16.self)) }
    }

    mutating func u32(what: String) throws -> UInt32 {
        let at = try skip(4, what: what)
        return data.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
    }

    mutating func string(what: String) throws -> String {
        let length = Int(try u16(what: "length of \(what)"))
        guard length >= 1 else { throw error(.malformedString, "\(what) has length 0 (the NUL is counted)") }
        let at = try skip(length, what: what)
        let start = data.startIndex + at
        guard data[start + length - 1] == 0 else { throw error(.malformedString, "\(what) does not end with NUL") }
        guard let text = String(data: data[start..<start + length - 1], encoding: .utf8) else {
            throw error(.malformedString, "\(what) is not UTF-8")
        }
        return text
    }
}
