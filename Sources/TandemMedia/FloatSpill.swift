import Foundation

/// Rows of `width` Float32 values kept on disk while they are produced and read back a range at a
/// time: one raw file in a private temporary directory, unlinked as soon as it is open for writing and
/// reading, so its space is the system's again when the spill is removed, dropped, or its process ends
/// any way at all (a SIGKILL, a scheduler's time limit, a crash): a killed run leaves nothing in the
/// temporary directory.
///
/// Reads never sync the file first: `FileHandle` writes go straight to the system, whose page cache
/// serves them to the reading handle, and an fsync would only push hundreds of megabytes to a disk (or a
/// cluster's network file system) that nobody reads back after the process.
///
/// For work that must see the end of a stream before it can use the beginning — the audio a
/// separator attributes only once the whole video's motion is known (`AudioSpill`), the full-rate
/// motion of every cell — so that what waits costs disk, not memory. Values come back bit for bit.
///
/// `@unchecked Sendable`: every mutable field is touched only with `lock` held, so a spill can sit in
/// a `Sendable` value (`MotionGuidedSeparation`).
public final class FloatSpill: @unchecked Sendable {
    /// Values per row.
    public let width: Int
    /// Rows appended so far.
    public var rowCount: Int { lock.withLock { rows } }
    private var rows = 0
    private let lock = NSLock()
    /// The private directory the file was made in (unlinked with it once both are open; named in errors).
    public let directory: URL
    private let file: URL
    private var writer: FileHandle?
    private var reader: FileHandle?
    private var removed = false

    /// Creates the directory and the empty file, opens it for writing and reading, and unlinks both.
    /// - Parameters:
    ///   - width: values per row (≥ 1).
    ///   - parent: where the private directory is made (default: the system's temporary directory).
    /// - Throws: `MediaError(.io)` when the directory or file cannot be created.
    public init(width: Int, in parent: URL = FileManager.default.temporaryDirectory) throws {
        self.width = max(1, width)
        directory = parent.appendingPathComponent("tandem-spill-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))")
        file = directory.appendingPathComponent("rows.f32")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: file.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
            writer = try FileHandle(forWritingTo: file)
            reader = try FileHandle(forReadingFrom: file)
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw MediaError(.io, path: file.path, operation: "create spill file", message: "\(error.localizedDescription)")
        }
        // The open handles keep the data; the names go now, so no way of ending leaves them behind.
        try? FileManager.default.removeItem(at: directory)
    }

    /// Appends whole rows (`values.count` a multiple of `width`), row after row.
    /// - Throws: `MediaError(.invalidArgument)` for a partial row or a removed spill, `.io` when the disk refuses.
    public func append(_ values: [Float]) throws {
        lock.lock()
        defer { lock.unlock() }
        guard values.count % width == 0 else {
            throw MediaError(.invalidArgument, path: file.path, operation: "spill", message: "\(values.count) values are not whole rows of \(width)")
        }
        guard let writer, !removed else { throw MediaError(.invalidArgument, path: file.path, operation: "spill", message: "the spill was removed") }
        guard !values.isEmpty else { return }
        do {
            // Written from the values' own bytes: a `Data` copy would hold the rows twice for the write (the
            // motion map's 300 MB handed over at once when it first goes coarser).
            try values.withUnsafeBytes { bytes in
                try writer.write(contentsOf: Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: bytes.baseAddress!), count: bytes.count,
                                                  deallocator: .none))
            }
        } catch {
            throw MediaError(.io, path: file.path, operation: "spill", message: "\(error.localizedDescription)")
        }
        rows += values.count / width
    }

    /// Rows `rows` (counted from the first appended), row after row.
    /// - Throws: `MediaError(.invalidArgument)` for rows outside what was appended, `.io` for a failed read.
    public func read(_ rows: Range<Int>) throws -> [Float] {
        lock.lock()
        defer { lock.unlock() }
        guard rows.lowerBound >= 0, rows.upperBound <= self.rows else {
            throw MediaError(.invalidArgument, path: file.path, operation: "read spill", message: "rows \(rows) lie outside the \(self.rows) spilled")
        }
        guard !removed else { throw MediaError(.invalidArgument, path: file.path, operation: "read spill", message: "the spill was removed") }
        guard !rows.isEmpty else { return [] }
        let bytes = rows.count * width * MemoryLayout<Float>.size
        do {
            guard let reader else { throw CocoaError(.fileReadNoSuchFile) }
            try reader.seek(toOffset: UInt64(rows.lowerBound * width * MemoryLayout<Float>.size))
            guard let data = try reader.read(upToCount: bytes), data.count == bytes else { throw CocoaError(.fileReadCorruptFile) }
            return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        } catch {
            throw MediaError(.io, path: file.path, operation: "read spill", message: "\(error.localizedDescription)")
        }
    }

    /// Closes the file, which frees its space (idempotent).
    public func remove() {
        lock.lock()
        defer { lock.unlock() }
        guard !removed else { return }
        removed = true
        try? writer?.close()
        try? reader?.close()
        writer = nil
        reader = nil
    }

    deinit {
        try? writer?.close()
        try? reader?.close()
    }
}
