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

    /// eˣ to about 2 ulp with no libm call and no branch, so loops over it vectorise.
    ///
    /// x is clamped to [−87.3, 88.7]; n = round(x·log₂e) is found by adding 1.5·2²³ (the integer
    /// lands in the low mantissa bits, which also give 2ⁿ by shifting), r = x − n·ln2 in two parts
    /// (Cody–Waite), and e^r by its degree-6 Taylor polynomial on |r| ≤ ln2/2.
    @inline(__always)
    static func exp(_ value: Float) -> Float {
        let x = min(max(value, -87.33), 88.7)
        let shifted = x * 1.442_695_04 + 12_582_912
        let n = shifted - 12_582_912
        let r = (x - n * 0.693_359_375) - n * -2.121_944_4e-4
        var p: Float = 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        return p * Float(bitPattern: (shifted.bitPattern &+ (127 &- 0x4B40_0000)) &<< 23)
    }
}
