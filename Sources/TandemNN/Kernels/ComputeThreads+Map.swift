extension ComputeThreads {
    /// `(0..<count).map(transform)` with the items split over the compute threads as ``parallelFor(_:grain:_:)``
    /// splits them: each thread writes its own slots of the result in place, so a model's per-row work (one
    /// beam's top candidates over the vocabulary) runs in parallel without pointer code of its own.
    /// - Parameters:
    ///   - count: number of items.
    ///   - grain: the smallest chunk worth a thread.
    ///   - transform: called once per item, possibly concurrently; results are in item order.
    /// - Complexity: O(count) calls of `transform`.
    public static func parallelMap<T>(_ count: Int, grain: Int = 1, _ transform: (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        return [T](unsafeUninitializedCapacity: count) { slots, initialized in
            // Safe: the chunks are disjoint and each slot is written exactly once, before the array is read.
            let base = slots.baseAddress!
            parallelFor(count, grain: grain) { range in
                for index in range { (base + index).initialize(to: transform(index)) }
            }
            initialized = count
        }
    }
}
