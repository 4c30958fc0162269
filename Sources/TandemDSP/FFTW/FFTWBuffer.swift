import CFFTW

/// A buffer from `fftwf_malloc`, freed with `fftwf_free` in `deinit`.
///
/// FFTW's SIMD code paths need the alignment `fftwf_malloc` guarantees; a plan executed on new
/// arrays requires them aligned like the arrays it was planned with, so every buffer handed to
/// FFTW comes from here. Not `Sendable`: each thread owns its own scratch buffers.
final class FFTWBuffer {
    /// Number of `Float`s the buffer holds (twice the complex count for complex buffers).
    let floatCount: Int
    let raw: UnsafeMutableRawPointer

    /// Space for `realCount` floats.
    init(realCount: Int) {
        floatCount = max(realCount, 1)
        raw = UnsafeMutableRawPointer(fftwf_alloc_real(floatCount)!)
        raw.initializeMemory(as: Float.self, repeating: 0, count: floatCount)
    }

    /// Space for `complexCount` (re, im) pairs.
    init(complexCount: Int) {
        floatCount = 2 * max(complexCount, 1)
        raw = UnsafeMutableRawPointer(fftwf_alloc_complex(floatCount / 2)!)
        raw.initializeMemory(as: Float.self, repeating: 0, count: floatCount)
    }

    deinit { fftwf_free(raw) }

    /// The buffer as floats (interleaved re, im for complex buffers).
    var real: UnsafeMutablePointer<Float> { raw.assumingMemoryBound(to: Float.self) }
    /// The buffer as FFTW complex values.
    var complex: UnsafeMutablePointer<fftwf_complex> { raw.assumingMemoryBound(to: fftwf_complex.self) }
}
