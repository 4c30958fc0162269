import CTandemKernels

/// Widening of whole fp16 tensors (CTranslate2 and safetensors checkpoints store weights so) to Float32.
///
/// Element by element, `float(fromHalf:)` or Swift's `Float(Float16)` (a software routine on x86 Linux,
/// `__extendhfsf2`) took about as long as the rest of loading Whisper base together;
/// `tandem_half_to_float` uses the CPU's F16C instructions when it has them. All are exact, so the
/// values are the same.
extension HalfPrecision {
    /// `count` little-endian fp16 values starting at `bytes` (any alignment), written to `out`.
    /// - Complexity: O(count).
    static func widen(littleEndian bytes: UnsafeRawPointer, count: Int, into out: UnsafeMutableBufferPointer<Float>) {
        precondition(out.count >= count, "\(out.count) floats for \(count) values")
        #if _endian(little)
        tandem_half_to_float(bytes, count, out.baseAddress)
        #else
        for i in 0..<count { out[i] = float(fromHalf: UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
        #endif
    }

    /// `count` little-endian fp16 values starting at `bytes` (any alignment), as Float32.
    static func widen(littleEndian bytes: UnsafeRawPointer, count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { out, initialized in
            widen(littleEndian: bytes, count: count, into: out)
            initialized = count
        }
    }
}
