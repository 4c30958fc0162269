import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Read-only file mappings for weight files, whose pages are handed back once copied.
///
/// A model converts its file's values into arrays of its own; if the file's pages stayed resident too,
/// the weights would count twice in the process's memory until the file is closed, which set the peak
/// RSS of loading (AudioLDM's UNet, Whisper's `model.bin`).
enum MappedFile {
    /// The file's bytes, mapped read-only (`mmap`), unmapped when the last copy of the `Data` goes.
    ///
    /// Mapped by hand rather than with `Data(contentsOf:options: .alwaysMapped)`, which may read the
    /// file into anonymous memory instead: `releasePages(of:)` must only ever see a file mapping, where
    /// dropping a page loses nothing.
    static func map(_ path: String) throws -> Data {
        #if os(Linux)
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CocoaError(.fileReadNoPermission, userInfo: [NSFilePathErrorKey: path]) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: path]) }
        let size = Int(status.st_size)
        guard size > 0 else { return Data() }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        return Data(bytesNoCopy: base, count: size, deallocator: .custom { pointer, count in munmap(pointer, count) })
        #else
        return try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        #endif
    }

    /// Drops the resident pages of a read-only file mapping inside `bytes` (`madvise(MADV_DONTNEED)`);
    /// a later read faults them in again from the file, so this changes memory use, never values.
    static func releasePages(of bytes: UnsafeRawBufferPointer) {
        #if os(Linux)
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = Int(bitPattern: base) / page * page
        let end = (Int(bitPattern: base) + bytes.count + page - 1) / page * page
        _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_DONTNEED)
        #endif
    }
}
