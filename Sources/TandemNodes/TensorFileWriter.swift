import Foundation

/// Writes one `.npy` or `.safetensors` tensor of shape `[rows] + trailing` as its rows arrive, so a
/// long input's tensor never has to fit in memory. Both formats put the total shape in a header before
/// the data, so the header's room is reserved for the largest row count a file can have and rewritten,
/// padded with spaces, once the count is known.
final class TensorFileWriter {
    enum Format {
        case npy
        /// The tensor's name; per-row times go in a second tensor, `start_seconds`.
        case safetensors(name: String, metadata: [String: String])
    }

    /// Far more rows than any input has, small enough that byte offsets cannot overflow.
    static let largestRowCount = 999_999_999

    private let handle: FileHandle
    private let format: Format
    private var reserved: (trailing: [Int], length: Int)?
    private(set) var valueCount = 0

    /// Creates (or truncates) the file at `url`.
    /// - Throws: `CocoaError(.fileWriteUnknown)` naming the path when the file cannot be created.
    init(url: URL, format: Format) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        handle = try FileHandle(forWritingTo: url)
        self.format = format
    }

    deinit { try? handle.close() }

    /// Appends row-major float32 values of rows shaped `trailing`; the first call reserves the header.
    func append(_ values: [Float], trailing: [Int]) throws {
        if reserved == nil {
            let header = try self.header(shape: [Self.largestRowCount] + trailing, times: Self.largestRowCount)
            reserved = (trailing, header.count)
            try handle.write(contentsOf: header)
        }
        var data = Data(capacity: values.count * 4)
        TensorFileFormat.appendLittleEndian(values, to: &data)
        try handle.write(contentsOf: data)
        valueCount += values.count
    }

    /// Writes the times (safetensors only, when given), then the final header, and closes the file.
    func finish(shape: [Int], times: [Float]) throws {
        precondition(shape.reduce(1, *) == valueCount, "shape \(shape) for \(valueCount) values")
        var storedTimes: Int?
        if case .safetensors = format, !times.isEmpty {
            var data = Data()
            TensorFileFormat.appendLittleEndian(times, to: &data)
            try handle.write(contentsOf: data)
            storedTimes = times.count
        }
        if let reserved {
            try handle.seek(toOffset: 0)
            try handle.write(contentsOf: header(shape: shape, times: storedTimes, length: reserved.length))
        } else {
            try handle.write(contentsOf: header(shape: shape, times: storedTimes))
        }
        try handle.close()
    }

    private func header(shape: [Int], times: Int?, length: Int? = nil) throws -> Data {
        switch format {
        case .npy:
            return TensorFileFormat.npyHeader(shape: shape, length: length)
        case .safetensors(let name, let metadata):
            var tensors = [(name: name, shape: shape)]
            if let times { tensors.append((name: "start_seconds", shape: [times])) }
            return try TensorFileFormat.safetensorsHeader(tensors, metadata: metadata, length: length)
        }
    }
}
