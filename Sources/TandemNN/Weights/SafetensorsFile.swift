import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A memory-mapped `.safetensors` file: a validated table of tensors read on demand.
///
/// Layout: an 8-byte little-endian header length N, N bytes of JSON mapping each name to
/// `{dtype, shape, data_offsets: [begin, end]}` (offsets relative to the data section that
/// follows the header), plus an optional `__metadata__` of strings. Everything in the header
/// is checked when the file is opened — header length within the file and under a cap, dtype
/// known, byte span equal to shape × dtype size, spans inside the data section and disjoint —
/// so a truncated or hostile file fails with a `WeightsError`, never a crash or an over-read.
/// F16 and BF16 tensors are widened to Float32 when read; integer tensors (the `position_ids` and
/// `token_type_ids` buffers transformers saves beside RoBERTa-style weights) are converted to Float32,
/// exact up to 2²⁴, so a checkpoint that carries them opens and its buffers can be checked.
public final class SafetensorsFile: Sendable {
    /// The element types Tandem can read.
    public enum DType: String, Sendable {
        case f32 = "F32", f16 = "F16", bf16 = "BF16"
        case i64 = "I64", i32 = "I32"
        var size: Int {
            switch self {
            case .i64: 8
            case .f32, .i32: 4
            case .f16, .bf16: 2
            }
        }
    }

    /// Where one tensor lives.
    public struct Entry: Sendable, Hashable {
        public var dtype: DType
        public var shape: [Int]
        /// Byte range within the file (absolute).
        public var bytes: Range<Int>
    }

    /// Headers beyond this are refused before any allocation (real checkpoints stay far below).
    public static let maximumHeaderLength = 100 << 20

    public let url: URL
    public let entries: [String: Entry]
    public let metadata: [String: String]
    private let data: Data

    /// Opens and validates `url` (mapped, not read).
    /// - Throws: `WeightsError` with `.missingFile`, `.unreadable`, `.headerTooLarge`, `.invalidHeader`,
    ///   `.unsupportedDType`, `.sizeMismatch`, `.offsetsOutOfRange` or `.overlappingTensors`.
    public init(url: URL) throws {
        self.url = url
        let file = url.path
        guard FileManager.default.fileExists(atPath: file) else {
            throw WeightsError(.missingFile, file: file, "no such file")
        }
        let data: Data
        do {
            data = try MappedFile.map(file)
        } catch {
            throw WeightsError(.unreadable, file: file, "cannot map the file", underlying: error as NSError)
        }
        self.data = data
        guard data.count >= 8 else {
            throw WeightsError(.headerTooLarge, file: file, "file of \(data.count) bytes has no 8-byte header length")
        }
        let headerLength = data.withUnsafeBytes { raw in UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(Self.maximumHeaderLength), headerLength <= UInt64(data.count - 8) else {
            throw WeightsError(.headerTooLarge, file: file, "header length \(headerLength) exceeds the file (\(data.count) bytes) or the \(Self.maximumHeaderLength)-byte cap")
        }
        let dataStart = 8 + Int(headerLength)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<dataStart))
        } catch {
            throw WeightsError(.invalidHeader, file: file, "header is not JSON", underlying: error as NSError)
        }
        guard let header = object as? [String: Any] else {
            throw WeightsError(.invalidHeader, file: file, "header is not a JSON object")
        }
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        let dataLength = data.count - dataStart
        for (name, value) in header {
            if name == "__metadata__" {
                guard let strings = value as? [String: String] else {
                    throw WeightsError(.invalidHeader, file: file, "__metadata__ must map strings to strings")
                }
                metadata = strings
                continue
            }
            guard let fields = value as? [String: Any], let dtypeName = fields["dtype"] as? String,
                  let shapeNumbers = fields["shape"] as? [NSNumber], let offsetNumbers = fields["data_offsets"] as? [NSNumber],
                  offsetNumbers.count == 2
            else {
                throw WeightsError(.invalidHeader, file: file, tensor: name, "entry lacks dtype, shape or two data_offsets")
            }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw WeightsError(.unsupportedDType, file: file, tensor: name, "dtype \(dtypeName) is not F32, F16, BF16, I64 or I32")
            }
            let shape = shapeNumbers.map(\.int64Value)
            let begin = offsetNumbers[0].int64Value, end = offsetNumbers[1].int64Value
            guard shape.allSatisfy({ $0 >= 0 && $0 < Int64(1) << 40 }) else {
                throw WeightsError(.invalidHeader, file: file, tensor: name, "shape \(shape) has an invalid extent")
            }
            var elements: Int64 = 1
            for extent in shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: extent)
                guard !overflow, product < Int64(1) << 48 else {
                    throw WeightsError(.sizeMismatch, file: file, tensor: name, "shape \(shape) is too large")
                }
                elements = product
            }
            guard begin >= 0, end >= begin, end <= Int64(dataLength) else {
                throw WeightsError(.offsetsOutOfRange, file: file, tensor: name,
                                   "data_offsets [\(begin), \(end)] fall outside the \(dataLength)-byte data section")
            }
            guard end - begin == elements * Int64(dtype.size) else {
                throw WeightsError(.sizeMismatch, file: file, tensor: name,
                                   "\(end - begin) bytes for shape \(shape) of \(dtype.rawValue) (needs \(elements * Int64(dtype.size)))")
            }
            entries[name] = Entry(dtype: dtype, shape: shape.map { Int($0) }, bytes: (dataStart + Int(begin))..<(dataStart + Int(end)))
        }
        let spans = entries.filter { !$0.value.bytes.isEmpty }.sorted { $0.value.bytes.lowerBound < $1.value.bytes.lowerBound }
        for (previous, next) in zip(spans, spans.dropFirst()) where next.value.bytes.lowerBound < previous.value.bytes.upperBound {
            throw WeightsError(.overlappingTensors, file: file, tensor: next.key, "bytes overlap those of '\(previous.key)'")
        }
        self.entries = entries
        self.metadata = metadata
    }

    /// Convenience for a path.
    public convenience init(path: String) throws { try self.init(url: URL(fileURLWithPath: path)) }

    /// The tensor names, sorted.
    public var names: [String] { entries.keys.sorted() }

    /// Reads `name`, widened (or, for integers, converted) to Float32.
    /// - Throws: `WeightsError(.tensorNotFound)`.
    public func tensor(named name: String) throws -> Tensor {
        guard let entry = entries[name] else {
            throw WeightsError(.tensorNotFound, file: url.path, tensor: name, "no tensor of that name")
        }
        let count = entry.shape.reduce(1, *)
        return data.withUnsafeBytes { raw in
            let bytes = UnsafeRawBufferPointer(rebasing: raw[entry.bytes])
            // The mapped pages, once copied, are handed back: otherwise a model's weights count twice in the
            // process's resident memory (the copy and the file's pages) until the file is closed, which set
            // the peak RSS of loading (AudioLDM's 740 MB UNet peaked at twice that).
            defer { MappedFile.releasePages(of: bytes) }
            return Tensor(shape: entry.shape) { out in
                switch entry.dtype {
                case .f32:
                    for i in 0..<count { out[i] = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
                case .f16:
                    if count > 0 { HalfPrecision.widen(littleEndian: bytes.baseAddress!, count: count, into: out) }
                case .bf16:
                    for i in 0..<count { out[i] = Float(bitPattern: UInt32(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16) }
                case .i64:
                    for i in 0..<count { out[i] = Float(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))) }
                case .i32:
                    for i in 0..<count { out[i] = Float(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))) }
                }
            }
        }
    }
}

/// IEEE 754 binary16 → binary32, done by hand so it works where `Float16` is unavailable.
enum HalfPrecision {
    static func float(fromHalf half: UInt16) -> Float {
        let sign = UInt32(half & 0x8000) << 16
        let exponent = Int(half >> 10) & 0x1F
        let mantissa = UInt32(half & 0x3FF)
        if exponent == 0 {
            // Zero or subnormal: mantissa · 2^-24.
            let magnitude = Float(mantissa) * Float(bitPattern: 0x3380_0000)
            return sign == 0 ? magnitude : -magnitude
        }
        if exponent == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        return Float(bitPattern: sign | UInt32(exponent + 112) << 23 | (mantissa << 13))
    }
}
