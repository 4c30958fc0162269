/// The k-th smallest of a set of values without sorting them all (Hoare's selection, "nth_element").
///
/// Motion analysis takes a median of a few thousand cells for every frame; a full sort costs
/// O(n log n) and moves every value, selection O(n) on average. The value returned is exactly the
/// element a sort would put at index `k`, so swapping one for the other changes no result.
enum OrderStatistic {
    /// The value a full ascending sort would put at index `k` (NaN-free input).
    /// - Parameters:
    ///   - values: scratch: reordered in place (partitioned around index `k`).
    ///   - k: 0 ≤ k < values.count.
    /// - Complexity: O(n) on average (median-of-three pivots), O(n²) at worst.
    static func select(_ k: Int, in values: inout [Float]) -> Float {
        precondition(k >= 0 && k < values.count, "index \(k) outside 0..<\(values.count)")
        // On the buffer: the partition loops stay inside low...high (the pivot stops both scans), and an
        // array's uniqueness and bounds checks per access cost more than the comparisons.
        return values.withUnsafeMutableBufferPointer { values in
            var low = 0, high = values.count - 1
            while high > low {
                // Median of three as the pivot: sorted or constant input stays linear.
                let middle = low + (high - low) / 2
                if values[middle] < values[low] { values.swapAt(middle, low) }
                if values[high] < values[low] { values.swapAt(high, low) }
                if values[high] < values[middle] { values.swapAt(high, middle) }
                let pivot = values[middle]
                // Hoare partition: afterwards every value in low...j is ≤ pivot and every value in j+1...high ≥ pivot.
                var i = low, j = high
                while i <= j {
                    while values[i] < pivot { i += 1 }
                    while pivot < values[j] { j -= 1 }
                    if i <= j {
                        values.swapAt(i, j)
                        i += 1
                        j -= 1
                    }
                }
                if k <= j {
                    high = j
                } else if k >= i {
                    low = i
                } else {
                    // j < k < i: the values between the two parts equal the pivot.
                    return values[k]
                }
            }
            return values[k]
        }
    }

    /// The upper median (the element at index `count / 2` of the sorted values), 0 for no values.
    /// - Complexity: O(n); copies `values` once when one of them is negative or −0.
    static func median(_ values: [Float]) -> Float {
        guard !values.isEmpty else { return 0 }
        if let value = nonNegativeSelect(values.count / 2, in: values) { return value }
        var scratch = values
        return select(values.count / 2, in: &scratch)
    }

    /// The value a full ascending sort would put at index `k`, found by the bits of the values (a radix selection),
    /// or nil when a value has its sign bit set (negative, −0) or is NaN.
    ///
    /// A non-negative float's bit pattern, read as an unsigned integer, orders as the float does, so the k-th value is
    /// the k-th pattern: counted by its top 11 bits, then the values in the chosen bucket by the next 11, then by the
    /// last 10 — two or three counting passes over few values instead of selection's partitions, which cost the motion
    /// map 50 µs a frame on its 4608 cells. −0 is left to `select` because a sort would not tell it from +0.
    /// - Complexity: O(n).
    static func nonNegativeSelect(_ k: Int, in values: [Float]) -> Float? {
        precondition(k >= 0 && k < values.count, "index \(k) outside 0..<\(values.count)")
        var counts = [Int32](repeating: 0, count: 2048)
        var highest: UInt32 = 0
        do {
            let v = values.span
            var c = counts.mutableSpan
            for i in v.indices {
                let bits = v[i].bitPattern
                highest = max(highest, bits)
                c[Int(bits >> 21)] &+= 1
            }
        }
        // Above +infinity's pattern: a NaN, or the sign bit (negative, −0).
        guard highest <= Float.infinity.bitPattern else { return nil }
        /// The bucket holding the `rank`-th counted value; `rank` becomes its rank within the bucket.
        func bucket(_ rank: inout Int) -> UInt32 {
            var b = 0
            while rank >= Int(counts[b]) { rank -= Int(counts[b]); b += 1 }
            return UInt32(b)
        }
        var rank = k
        let top = bucket(&rank)
        // The top bucket's values, counted by the next 11 bits; then the middle bucket's, by the last 10.
        var candidates = [UInt32](repeating: 0, count: Int(counts[Int(top)]))
        do {
            let v = values.span
            var c = candidates.mutableSpan
            var n = 0
            for i in v.indices where v[i].bitPattern >> 21 == top {
                c[n] = v[i].bitPattern
                n += 1
            }
        }
        counts = [Int32](repeating: 0, count: 2048)
        for bits in candidates { counts[Int(bits >> 10 & 0x7FF)] &+= 1 }
        let middle = bucket(&rank)
        counts = [Int32](repeating: 0, count: 1024)
        for bits in candidates where bits >> 10 & 0x7FF == middle { counts[Int(bits & 0x3FF)] &+= 1 }
        let low = bucket(&rank)
        return Float(bitPattern: top << 21 | middle << 10 | low)
    }
}
