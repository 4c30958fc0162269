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
    /// - Complexity: O(n) on average; copies `values` once.
    static func median(_ values: [Float]) -> Float {
        guard !values.isEmpty else { return 0 }
        var scratch = values
        return select(values.count / 2, in: &scratch)
    }
}
