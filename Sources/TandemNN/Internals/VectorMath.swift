/// Reductions written with explicit SIMD accumulators: Swift does not reorder float sums on its
/// own, so a plain loop stays scalar. Used by attention's short-sequence path and layer norm.
enum VectorMath {
    /// Σ a[i]·b[i].
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var i = 0
        var result: Float = 0
        if count >= 16 {
            var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
            let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
            while i + 32 <= count {
                acc0 += ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self) * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                acc1 += ra.loadUnaligned(fromByteOffset: (i + 16) * 4, as: SIMD16<Float>.self) * rb.loadUnaligned(fromByteOffset: (i + 16) * 4, as: SIMD16<Float>.self)
                i += 32
            }
            while i + 16 <= count {
                acc0 += ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self) * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                i += 16
            }
            result = (acc0 + acc1).sum()
        }
        while i < count {
            result += a[i] * b[i]
            i += 1
        }
        return result
    }

    /// Σ a[i].
    @inline(__always)
    static func sum(_ a: UnsafePointer<Float>, count: Int) -> Float {
        var i = 0
        var result: Float = 0
        if count >= 16 {
            var acc = SIMD16<Float>()
            let ra = UnsafeRawPointer(a)
            while i + 16 <= count {
                acc += ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                i += 16
            }
            result = acc.sum()
        }
        while i < count {
            result += a[i]
            i += 1
        }
        return result
    }

    /// Σ (a[i] − mean)².
    @inline(__always)
    static func squaredDeviation(_ a: UnsafePointer<Float>, count: Int, mean: Float) -> Float {
        var i = 0
        var result: Float = 0
        if count >= 16 {
            var acc = SIMD16<Float>()
            let m = SIMD16<Float>(repeating: mean)
            let ra = UnsafeRawPointer(a)
            while i + 16 <= count {
                let d = ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self) - m
                acc += d * d
                i += 16
            }
            result = acc.sum()
        }
        while i < count {
            let d = a[i] - mean
            result += d * d
            i += 1
        }
        return result
    }
}
