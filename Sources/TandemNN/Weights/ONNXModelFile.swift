import Foundation

/// The named tensors of an ONNX model file, read without ONNX Runtime or the `onnx` package.
///
/// An ONNX file is one protobuf `ModelProto`. Its weights sit in three places, all collected here:
/// the graph's `initializer` list, the `value` tensor of `Constant` nodes (named after the node's
/// output), and the same two inside subgraphs (the `then_branch`/`else_branch` of `If`, the `body`
/// of `Loop`/`Scan`) — Silero VAD v5 keeps its 16 kHz and 8 kHz weights in the two branches of an
/// `If`. Each entry records the scope it came from (`""` for the main graph, otherwise the path of
/// node and attribute names), so two branches may reuse a name and still be told apart.
///
/// Only what a model loader needs is decoded: tensor names, dims, element type and values
/// (`raw_data` or the typed `float_data`/`int32_data`/`int64_data`/`double_data` lists), and the
/// node list (operator, name, inputs, outputs) so a model can check it has the graph it expects.
/// Values are widened or converted to Float32. Tensors stored outside the file
/// (`data_location = EXTERNAL`) and string tensors are refused with a `WeightsError`.
public final class ONNXModelFile: Sendable {
    /// ONNX `TensorProto.DataType` values Tandem can read.
    public enum DataType: Int, Sendable, Hashable {
        case float = 1, uint8 = 2, int8 = 3, uint16 = 4, int16 = 5, int32 = 6, int64 = 7
        case bool = 9, float16 = 10, double = 11, uint32 = 12, uint64 = 13, bfloat16 = 16

        /// Bytes per element in `raw_data`.
        var size: Int {
            switch self {
            case .uint8, .int8, .bool: 1
            case .uint16, .int16, .float16, .bfloat16: 2
            case .float, .int32, .uint32: 4
            case .int64, .double, .uint64: 8
            }
        }
    }

    /// Where a tensor was found.
    public enum Origin: Sendable, Hashable {
        /// A graph initializer (the usual place for trained weights).
        case initializer
        /// The `value` attribute of a `Constant` node.
        case constant
    }

    /// One tensor of the file.
    public struct Entry: Sendable, Hashable {
        public var name: String
        /// `""` for the main graph; `"If_0.then_branch"`-style paths for subgraphs.
        public var scope: String
        public var dataType: DataType
        public var shape: [Int]
        public var origin: Origin
    }

    /// One node of the graph or of a subgraph.
    public struct Node: Sendable, Hashable {
        public var operatorType: String
        public var name: String
        public var inputs: [String]
        public var outputs: [String]
        public var scope: String
    }

    public let url: URL
    /// `ModelProto.ir_version`.
    public let irVersion: Int
    /// The opset version of the default (`ai.onnx`) domain, when declared.
    public let opsetVersion: Int?
    /// Every tensor, in file order (graph before its subgraphs).
    public let entries: [Entry]
    /// Every node, in file order.
    public let nodes: [Node]
    private let values: [Tensor]

    /// Reads and decodes the whole file.
    /// - Throws: `WeightsError` with `.missingFile`, `.unreadable`, `.notONNX` (not a protobuf
    ///   `ModelProto` with a graph), `.truncated`, `.unsupportedDType` or `.sizeMismatch`.
    public init(url: URL) throws {
        self.url = url
        let file = url.path
        guard FileManager.default.fileExists(atPath: file) else {
            throw WeightsError(.missingFile, file: file, "no such file")
        }
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: url))
        } catch {
            throw WeightsError(.unreadable, file: file, "cannot read the file", underlying: error as NSError)
        }
        var parser = Parser(file: file, bytes: bytes)
        do {
            try parser.parseModel()
        } catch let failure as ProtobufReader.Failure {
            // A file that fails in its first bytes is not ONNX at all; later it is cut short or damaged.
            switch failure {
            case .truncated where parser.irVersion == nil:
                throw WeightsError(.notONNX, file: file, "not an ONNX model (\(failure))")
            case .truncated: throw WeightsError(.truncated, file: file, "the file is cut short: \(failure)")
            case .malformed: throw WeightsError(.notONNX, file: file, "not an ONNX model (\(failure))")
            }
        }
        guard parser.sawGraph, let irVersion = parser.irVersion else {
            throw WeightsError(.notONNX, file: file, "not an ONNX model: no ir_version and graph fields in \(bytes.count) bytes")
        }
        self.irVersion = irVersion
        opsetVersion = parser.opsetVersion
        entries = parser.entries
        values = parser.values
        nodes = parser.nodes
    }

    /// Convenience for a path.
    public convenience init(path: String) throws { try self.init(url: URL(fileURLWithPath: path)) }

    /// The distinct tensor names, sorted.
    public var names: [String] { Array(Set(entries.map(\.name))).sorted() }

    /// The tensor called `name`, wherever it is.
    /// - Throws: `WeightsError(.tensorNotFound)` when absent, `.ambiguousTensor` when several
    ///   scopes hold that name (then use `tensor(named:scope:)`).
    public func tensor(named name: String) throws -> Tensor {
        let matches = entries.indices.filter { entries[$0].name == name }
        guard let first = matches.first else {
            throw WeightsError(.tensorNotFound, file: url.path, tensor: name, "no initializer or Constant of that name in the graph or its subgraphs")
        }
        guard matches.count == 1 else {
            let scopes = matches.map { "'\(entries[$0].scope)'" }.joined(separator: ", ")
            throw WeightsError(.ambiguousTensor, file: url.path, tensor: name, "held by several scopes (\(scopes)); name the scope")
        }
        return values[first]
    }

    /// The tensor called `name` in one scope (`""` is the main graph).
    /// - Throws: `WeightsError(.tensorNotFound)`.
    public func tensor(named name: String, scope: String) throws -> Tensor {
        guard let index = entries.firstIndex(where: { $0.name == name && $0.scope == scope }) else {
            throw WeightsError(.tensorNotFound, file: url.path, tensor: name, "no initializer or Constant of that name in scope '\(scope)'")
        }
        return values[index]
    }

    /// Every tensor whose name is held by one scope only, by name (the usual loader input).
    public var uniqueTensors: [String: Tensor] {
        var counts: [String: Int] = [:]
        for entry in entries { counts[entry.name, default: 0] += 1 }
        var result: [String: Tensor] = [:]
        for (entry, value) in zip(entries, values) where counts[entry.name] == 1 { result[entry.name] = value }
        return result
    }
}

extension WeightsError.Code {
    /// The file is not an ONNX `ModelProto`.
    public static let notONNX = WeightsError.Code("notONNX")
    /// The file ends inside a record.
    public static let truncated = WeightsError.Code("truncated")
    /// A tensor name is held by several subgraphs.
    public static let ambiguousTensor = WeightsError.Code("ambiguousTensor")
}

/// The walk over `ModelProto` → `GraphProto` → `NodeProto`/`TensorProto`/`AttributeProto`.
/// Field numbers are those of `onnx/onnx.proto` (IR version 3 and later).
private struct Parser {
    let file: String
    let bytes: [UInt8]
    var irVersion: Int?
    var opsetVersion: Int?
    var sawGraph = false
    var entries: [ONNXModelFile.Entry] = []
    var values: [Tensor] = []
    var nodes: [ONNXModelFile.Node] = []

    init(file: String, bytes: [UInt8]) {
        self.file = file
        self.bytes = bytes
    }

    /// `ModelProto`: 1 ir_version, 7 graph, 8 opset_import (OperatorSetIdProto: 1 domain, 2 version).
    mutating func parseModel() throws {
        var reader = ProtobufReader(bytes: bytes)
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .varint): irVersion = Int(truncatingIfNeeded: field.scalar)
            case (7, .lengthDelimited):
                sawGraph = true
                try parseGraph(reader.nested(field.payload), scope: "")
            case (8, .lengthDelimited):
                var opset = reader.nested(field.payload)
                var domain = "", version: Int?
                while let inner = try opset.nextField() {
                    if inner.number == 1, inner.wireType == .lengthDelimited { domain = opset.string(inner.payload) }
                    if inner.number == 2, inner.wireType == .varint { version = Int(truncatingIfNeeded: inner.scalar) }
                }
                if domain.isEmpty || domain == "ai.onnx" { opsetVersion = version }
            case (1, _), (7, _), (8, _):
                throw ProtobufReader.Failure.malformed(offset: field.payload.lowerBound, "ModelProto field \(field.number) has the wrong wire type")
            default: continue
            }
        }
    }

    /// `GraphProto`: 1 node, 5 initializer.
    mutating func parseGraph(_ graph: ProtobufReader, scope: String) throws {
        var reader = graph
        while let field = try reader.nextField() {
            guard field.wireType == .lengthDelimited else { continue }
            switch field.number {
            case 1: try parseNode(reader.nested(field.payload), scope: scope)
            case 5: try parseTensor(reader.nested(field.payload), scope: scope, origin: .initializer, name: nil)
            default: continue
            }
        }
    }

    /// `NodeProto`: 1 input, 2 output, 3 name, 4 op_type, 5 attribute.
    /// `AttributeProto`: 1 name, 5 t (tensor), 6 g (graph), 10 tensors, 11 graphs.
    mutating func parseNode(_ node: ProtobufReader, scope: String) throws {
        var reader = node
        var record = ONNXModelFile.Node(operatorType: "", name: "", inputs: [], outputs: [], scope: scope)
        var attributes: [Range<Int>] = []
        while let field = try reader.nextField() {
            guard field.wireType == .lengthDelimited else { continue }
            switch field.number {
            case 1: record.inputs.append(reader.string(field.payload))
            case 2: record.outputs.append(reader.string(field.payload))
            case 3: record.name = reader.string(field.payload)
            case 4: record.operatorType = reader.string(field.payload)
            case 5: attributes.append(field.payload)
            default: continue
            }
        }
        nodes.append(record)
        for attribute in attributes {
            var attributeReader = reader.nested(attribute)
            var attributeName = ""
            var tensors: [Range<Int>] = [], graphs: [Range<Int>] = []
            while let field = try attributeReader.nextField() {
                guard field.wireType == .lengthDelimited else { continue }
                switch field.number {
                case 1: attributeName = reader.string(field.payload)
                case 5, 10: tensors.append(field.payload)
                case 6, 11: graphs.append(field.payload)
                default: continue
                }
            }
            // A Constant's tensor is known by the node's output name (its own name is often empty).
            let constantName = record.operatorType == "Constant" && attributeName == "value" ? record.outputs.first : nil
            for tensor in tensors {
                try parseTensor(reader.nested(tensor), scope: scope, origin: .constant, name: constantName)
            }
            let owner = record.name.isEmpty ? record.operatorType : record.name
            let childScope = (scope.isEmpty ? "" : scope + "/") + owner + "." + attributeName
            for graph in graphs { try parseGraph(reader.nested(graph), scope: childScope) }
        }
    }

    /// `TensorProto`: 1 dims, 2 data_type, 4 float_data, 5 int32_data, 7 int64_data, 8 name,
    /// 9 raw_data, 10 double_data, 11 uint64_data, 14 data_location.
    mutating func parseTensor(_ tensor: ProtobufReader, scope: String, origin: ONNXModelFile.Origin, name givenName: String?) throws {
        var reader = tensor
        var dims: [Int64] = []
        var typeCode: Int?
        var name = ""
        var raw: Range<Int>?
        var floats: [UInt32] = [], doubles: [UInt64] = [], integers: [UInt64] = []
        var external = false
        while let field = try reader.nextField() {
            switch field.number {
            case 1: dims += try reader.varints(of: field).map { Int64(bitPattern: $0) }
            case 2: typeCode = Int(truncatingIfNeeded: field.scalar)
            case 4: floats += try reader.fixed32s(of: field)
            case 5, 7: integers += try reader.varints(of: field)
            case 11: integers += try reader.varints(of: field)
            case 8 where field.wireType == .lengthDelimited: name = reader.string(field.payload)
            case 9 where field.wireType == .lengthDelimited: raw = field.payload
            case 10: doubles += try reader.fixed64s(of: field)
            case 14: external = field.scalar == 1
            default: continue
            }
        }
        let tensorName = givenName ?? name
        guard !external else {
            throw WeightsError(.unsupportedDType, file: file, tensor: tensorName, "stored outside the .onnx file (external data), which Tandem does not read")
        }
        guard let typeCode, let dataType = ONNXModelFile.DataType(rawValue: typeCode) else {
            throw WeightsError(.unsupportedDType, file: file, tensor: tensorName, "ONNX data type \(typeCode.map(String.init) ?? "missing") is not a numeric type Tandem reads")
        }
        guard dims.allSatisfy({ $0 >= 0 && $0 < Int64(1) << 40 }) else {
            throw WeightsError(.sizeMismatch, file: file, tensor: tensorName, "dims \(dims) have an invalid extent")
        }
        let shape = dims.map { Int($0) }
        var count = 1
        for extent in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow, product < 1 << 40 else { throw WeightsError(.sizeMismatch, file: file, tensor: tensorName, "dims \(dims) are too large") }
            count = product
        }
        let decoded: [Float]
        if let raw {
            guard raw.count == count * dataType.size else {
                throw WeightsError(.sizeMismatch, file: file, tensor: tensorName,
                                   "raw_data of \(raw.count) bytes for dims \(shape) of \(dataType) (needs \(count * dataType.size))")
            }
            decoded = Self.decodeRaw(reader.littleEndianWords(raw, width: dataType.size), as: dataType)
        } else {
            switch dataType {
            case .float: decoded = floats.map { Float(bitPattern: $0) }
            case .double: decoded = doubles.map { Float(Double(bitPattern: $0)) }
            // ONNX keeps 8- and 16-bit types (float16 and bfloat16 as bit patterns) in int32_data.
            case .float16, .bfloat16: decoded = Self.decodeRaw(integers.map { $0 & 0xFFFF }, as: dataType)
            case .uint64, .uint32: decoded = integers.map { Float($0) }
            default: decoded = integers.map { Float(Int64(bitPattern: $0)) }
            }
            guard decoded.count == count else {
                throw WeightsError(.sizeMismatch, file: file, tensor: tensorName,
                                   "\(decoded.count) stored values for dims \(shape) (needs \(count))")
            }
        }
        entries.append(ONNXModelFile.Entry(name: tensorName, scope: scope, dataType: dataType, shape: shape, origin: origin))
        values.append(Tensor(shape: shape, values: decoded))
    }

    /// Converts little-endian words of the element width to Float32.
    static func decodeRaw(_ words: [UInt64], as dataType: ONNXModelFile.DataType) -> [Float] {
        switch dataType {
        case .float: words.map { Float(bitPattern: UInt32(truncatingIfNeeded: $0)) }
        case .double: words.map { Float(Double(bitPattern: $0)) }
        case .float16: words.map { HalfPrecision.float(fromHalf: UInt16(truncatingIfNeeded: $0)) }
        case .bfloat16: words.map { Float(bitPattern: UInt32(truncatingIfNeeded: $0) << 16) }
        case .int8: words.map { Float(Int8(truncatingIfNeeded: $0)) }
        case .int16: words.map { Float(Int16(truncatingIfNeeded: $0)) }
        case .int32: words.map { Float(Int32(truncatingIfNeeded: $0)) }
        case .int64: words.map { Float(Int64(bitPattern: $0)) }
        case .uint8, .uint16, .uint32, .uint64, .bool: words.map { Float($0) }
        }
    }
}
