#if canImport(Glibc)
import Glibc
#endif

/// Memory hints for the large arrays an STFT of a long signal returns.
///
/// A 10-minute, 44.1 kHz complex STFT is 424 MB of fresh memory. Touching it 4 KiB page by
/// page costs ~100 000 page faults, more time than the FFTs, and the faults serialise the
/// worker threads on the kernel's memory-map lock. Asking for transparent huge pages
/// (`madvise(MADV_HUGEPAGE)`; Debian's default THP mode is "madvise") makes that 2 MiB faults
/// instead. Best effort: on other systems, or when refused, nothing changes.
enum LargeOutput {
    /// Below this many bytes the hint is not worth a system call.
    static let threshold = 8 << 20

    static func adviseHugePages(_ pointer: UnsafeMutableRawPointer, byteCount: Int) {
        #if os(Linux)
        guard byteCount >= threshold else { return }
        let huge = 2 << 20
        let start = (Int(bitPattern: pointer) + huge - 1) & ~(huge - 1)
        let end = (Int(bitPattern: pointer) + byteCount) & ~(huge - 1)
        guard end > start, let aligned = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(aligned, end - start, MADV_HUGEPAGE)
        #endif
    }
}
